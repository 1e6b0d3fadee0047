/**
 * Demo data for the registries: binds the source departments to the demo city's departments
 * (by name), then writes population records for its citizens, legal entities for its
 * enterprises and a handful of land parcels. Idempotent and quick: unchanged records add no
 * entries, so running it on every start is safe.
 */
import { SYSTEM_ACTOR, type Actor } from '../core/actor.js';
import { lookupDivision, validateCitizenId } from '../standards/index.js';
import { SOURCE_DEPARTMENTS } from './registries.config.js';
import * as repo from './registries.repository.js';
import type { RegistryService } from './registries.service.js';
import type { Attributes } from './registry-definition.js';

export interface RegistrySeedInput {
  departments: ReadonlyArray<{ id: string; name: string; uscc: string }>;
  citizens: ReadonlyArray<{ idNumber: string; name: string }>;
  enterprises: ReadonlyArray<{ uscc: string; name: string; regionCode: string }>;
}

/** A number in [0, n) derived from a string: the same demo data on every machine. Not for secrets. */
function pick(s: string, n: number, salt = 0): number {
  let h = 2166136261 ^ salt;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % n;
}

const STREETS = ['五四路', '八一七北路', '工业路', '杨桥中路', '福新路', '六一中路', '华林路', '湖东路', '江滨西大道', '南二环路'];
const SCOPES = ['软件开发；信息技术咨询服务', '食品销售；餐饮服务', '建设工程施工；工程管理服务', '货物进出口；技术进出口', '道路货物运输；仓储服务'];

export async function seedDemoRegistries(
  service: RegistryService,
  input: RegistrySeedInput,
): Promise<{ bound: number; population: number; legalEntities: number; parcels: number }> {
  const { db, audit, clock } = service.deps;
  let bound = 0;
  const existing = await service.bindings();
  await db.transaction().execute(async (trx) => {
    for (const [source, d] of Object.entries(SOURCE_DEPARTMENTS)) {
      if (existing.has(source)) continue;
      const org = input.departments.find((o) => o.name.endsWith(d.nameHint));
      if (!org) continue;
      await repo.upsertBinding(trx, { source, org_id: org.id, org_name: org.name, org_uscc: org.uscc, updated_at: clock.now().toISOString() });
      bound++;
    }
    if (bound > 0) await audit.append(trx, { actor: SYSTEM_ACTOR, action: 'registry.source.bind', summary: { seeded: bound } });
  });
  const bindings = await service.bindings();
  const actorFor = (source: string): Actor | undefined => {
    const b = bindings.get(source);
    return b ? { ...SYSTEM_ACTOR, name: `演示数据 demo seed（${b.org_name}）`, orgId: b.org_id } : undefined;
  };
  const write = async (registry: string, source: string, rows: Array<{ key: string; attrs: Attributes }>) => {
    const actor = actorFor(source);
    if (!actor || rows.length === 0) return 0;
    const def = service.definition(registry);
    return db.transaction().execute(async (trx) => {
      const r = await service.bulkWriteIn(trx, actor, def, rows, '演示数据初始化 demo seed', [source]);
      if (r.created + r.updated > 0)
        await audit.append(trx, { actor, action: 'registry.import', subject: { type: 'registry', id: registry }, summary: { ...r, source: 'demo' } });
      return r.created + r.updated;
    });
  };

  const people = input.citizens.flatMap((c) => {
    const r = validateCitizenId(c.idNumber);
    if (!r.valid) return [];
    const parsed = r.parsed;
    const district = lookupDivision(parsed.regionCode)?.name ?? '';
    const street = STREETS[pick(c.idNumber, STREETS.length)]!;
    return [{ c, parsed, address: `福建省福州市${district}${street}${1 + pick(c.idNumber, 300, 1)}号` }];
  });
  let population = await write(
    'population',
    'public-security',
    people.map(({ c, parsed, address }) => ({
      key: c.idNumber,
      attrs: {
        name: c.name,
        sex: parsed.sex === 'male' ? '1' : '2',
        birthDate: parsed.birthDate,
        ethnicity: pick(c.idNumber, 20, 2) === 0 ? '22' : pick(c.idNumber, 30, 3) === 0 ? '03' : '01',
        householdAddress: address,
        householdDivision: parsed.regionCode,
        residenceAddress:
          pick(c.idNumber, 4, 4) === 0 ? `福建省福州市${STREETS[pick(c.idNumber, STREETS.length, 5)]}${1 + pick(c.idNumber, 200, 6)}号` : address,
      },
    })),
  );
  population += await write(
    'population',
    'civil-affairs',
    people.map(({ c, parsed }) => ({
      key: c.idNumber,
      attrs: { maritalStatus: parsed.birthDate > '2000-01-01' ? '10' : ['20', '20', '20', '40', '30'][pick(c.idNumber, 5, 7)]! },
    })),
  );

  const legalEntities = await write(
    'legal-entities',
    'market-regulation',
    input.enterprises.map((e, i) => {
      const rep = input.citizens[(i * 7) % Math.max(1, input.citizens.length)];
      const year = 2000 + pick(e.uscc, 25);
      return {
        key: e.uscc,
        attrs: {
          name: e.name,
          entityType: pick(e.uscc, 5, 1) === 0 ? '1200' : '1100',
          ...(rep ? { legalRepName: rep.name, legalRepIdNumber: rep.idNumber } : {}),
          registeredCapital: 50 * (1 + pick(e.uscc, 200, 2)),
          establishedDate: `${year}-${String(1 + pick(e.uscc, 12, 3)).padStart(2, '0')}-${String(1 + pick(e.uscc, 28, 4)).padStart(2, '0')}`,
          address: `福建省福州市${lookupDivision(e.regionCode)?.name ?? ''}${STREETS[pick(e.uscc, STREETS.length, 5)]}${1 + pick(e.uscc, 500, 6)}号`,
          division: e.regionCode,
          businessScope: SCOPES[pick(e.uscc, SCOPES.length, 7)]!,
          status: pick(e.uscc, 20, 8) === 0 ? '3' : '1',
          registeringAuthority: '示范市市场监督管理局',
        },
      };
    }),
  );

  // Six parcels of about 100 m × 100 m in 鼓楼区 / 台江区, held by citizens and enterprises.
  const holders = [...input.citizens.slice(0, 3).map((c) => c.idNumber), ...input.enterprises.slice(0, 3).map((e) => e.uscc)];
  const parcels = await write(
    'land-parcels',
    'natural-resources',
    holders.map((holder, i) => {
      const lon = 119.29 + (i % 3) * 0.002;
      const lat = 26.07 + Math.floor(i / 3) * 0.002;
      const d = 0.001;
      const division = i < 3 ? '350102' : '350103';
      return {
        key: `${division}001002GB${String(i + 1).padStart(5, '0')}`,
        attrs: {
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [lon, lat],
                [lon + d, lat],
                [lon + d, lat + d],
                [lon, lat + d],
                [lon, lat],
              ],
            ],
          },
          landUse: ['0701', '0701', '0702', '0505', '0601', '0501'][i]!,
          holder,
          division,
          address: `福州市${i < 3 ? '鼓楼区' : '台江区'}${STREETS[i]}${10 + i}号地块`,
        },
      };
    }),
  );
  return { bound, population, legalEntities, parcels };
}
