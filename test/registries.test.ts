import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { verifyAuditChain } from '../src/audit/index.js';
import { merkleRoot } from '../src/core/crypto/index.js';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { seedIdentity } from '../src/identity/index.js';
import {
  importRegistryFile,
  seedDemoRegistries,
  treeHeadMessage,
  verifyBatch,
  verifyConsistency,
  verifyInclusion,
  verifyRegistryLog,
  POPULATION,
  LAND_PARCELS,
} from '../src/registries/index.js';
import { makeCitizenId, makeUscc } from '../src/standards/index.js';
import { Browser, createTestPlatform, DIALECTS, PASSWORD, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';
import { govstackSpec } from './govstack-spec.js';

const idA = makeCitizenId('350102', '1990-05-17', 123); // odd sequence: male
const idB = makeCitizenId('350103', '1985-11-02', 456); // even: female
const square = (lon: number, lat: number, d = 0.001) => ({
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
});

const govstack = govstackSpec('GovStack_Digital_registries_BB_Data_API_template-1.3.0.yaml');

describe.each(DIALECTS)('base registries (%s)', (dialect) => {
  let p: TestPlatform;
  let ids: Awaited<ReturnType<typeof seedBasics>>;
  let sys: Browser;
  let police: Browser;
  let market: Browser;
  let civil: Browser;
  let land: Browser;
  let civilId = '';
  let landId = '';
  const uscc = {
    police: makeUscc('1', '1', '350100', '00310001'),
    market: makeUscc('1', '1', '350100', '00310002'),
    civil: makeUscc('1', '1', '350100', '00310003'),
    land: makeUscc('1', '1', '350100', '00310004'),
  };

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    ids = await seedBasics(p);
    await seedIdentity(p.identity, {
      orgs: [
        { key: 'gov', kind: 'department', name: '测试市人民政府', uscc: makeUscc('1', '1', '350100', '00300001'), regionCode: '350100' },
        { key: 'civil', kind: 'department', name: '测试市民政局', uscc: uscc.civil, regionCode: '350100', parentKey: 'gov' },
        { key: 'land', kind: 'department', name: '测试市自然资源和规划局', uscc: uscc.land, regionCode: '350100', parentKey: 'gov' },
      ],
      staff: [
        { username: 'civil.staff', displayName: '民政干部', orgKey: 'civil', roles: ['dept-staff'], password: PASSWORD },
        { username: 'land.staff', displayName: '自然资源干部', orgKey: 'land', roles: ['dept-staff'], password: PASSWORD },
      ],
      citizens: [],
      agents: [],
    });
    sys = (await staffBrowser(p, 'sysadmin')).browser;
    police = (await staffBrowser(p, 'police.staff')).browser;
    market = (await staffBrowser(p, 'market.staff')).browser;
    civil = (await staffBrowser(p, 'civil.staff')).browser;
    land = (await staffBrowser(p, 'land.staff')).browser;
    for (const [source, org] of [
      ['public-security', uscc.police],
      ['civil-affairs', uscc.civil],
      ['market-regulation', uscc.market],
      ['natural-resources', uscc.land],
    ] as const) {
      const res = await sys.request('PUT', `/api/v1/registries/sources/${source}`, { orgUscc: org });
      expect(res.statusCode, res.body).toBe(200);
    }
    const sources = (await sys.request('GET', '/api/v1/registries/sources')).statusCode;
    expect(sources).toBe(403); // the system administrator binds, but reads no registry
    civilId = (await police.request('GET', '/api/v1/registries/sources')).json().items.find((s: { source: string }) => s.source === 'civil-affairs').org.id;
    landId = (await police.request('GET', '/api/v1/registries/sources')).json().items.find((s: { source: string }) => s.source === 'natural-resources').org.id;
  });
  afterAll(async () => p.destroy());
  // Tests move the clock by days: every test starts with fresh sessions.
  beforeEach(async () => {
    police = (await staffBrowser(p, 'police.staff')).browser;
    market = (await staffBrowser(p, 'market.staff')).browser;
    civil = (await staffBrowser(p, 'civil.staff')).browser;
    land = (await staffBrowser(p, 'land.staff')).browser;
  });

  const person = {
    name: '林小明',
    sex: '1',
    birthDate: '1990-05-17',
    ethnicity: '01',
    householdAddress: '福建省福州市鼓楼区五四路1号',
    householdDivision: '350102',
    residenceAddress: '福建省福州市台江区工业路9号',
  };

  it('lets the source department create a record and refuses bad values, naming each field', async () => {
    const bad = await police.request('POST', '/api/v1/registries/population/records', {
      key: idA,
      attributes: { ...person, sex: '2', ethnicity: '99', birthDate: '1990-02-30' },
      reason: '出生登记',
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.attributes.sex', 'body.attributes.ethnicity', 'body.attributes.birthDate']));
    const badKey = await police.request('POST', '/api/v1/registries/population/records', {
      key: idA.slice(0, 17) + '0',
      attributes: person,
      reason: '出生登记',
    });
    expect(badKey.json().error.details.fields[0].field).toBe('key');

    const ok = await police.request('POST', '/api/v1/registries/population/records', { key: idA, attributes: person, reason: '出生登记' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ key: idA, version: 1, attributes: { name: '林小明', householdAddress: person.householdAddress } });
    const again = await police.request('POST', '/api/v1/registries/population/records', { key: idA, attributes: person, reason: '出生登记' });
    expect(again.json().error.code).toBe('REGISTRY_RECORD_EXISTS');
  });

  it('refuses a write by a department that is not the source, naming the source department (一数一源)', async () => {
    const res = await police.request('PATCH', `/api/v1/registries/population/records/${idA}`, { attributes: { maritalStatus: '20' }, reason: '婚姻登记' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: 'REGISTRY_NOT_SOURCE',
      details: { attribute: 'maritalStatus', source: 'civil-affairs', sourceOrgName: '测试市民政局' },
    });
    expect(res.json().error.message).toContain('测试市民政局');
    const byMarket = await market.request('PATCH', `/api/v1/registries/population/records/${idA}`, { attributes: { name: '林大明' }, reason: 'x改名' });
    expect(byMarket.json().error.code).toBe('REGISTRY_NOT_SOURCE');
    const denied = await p.audit.search({ action: 'registry.record.write', limit: 10 });
    expect(denied.some((r) => r.outcome === 'denied')).toBe(true);

    p.clock.advance(86_400_000 * 2);
    civil = (await staffBrowser(p, 'civil.staff')).browser;
    const ok = await civil.request('PATCH', `/api/v1/registries/population/records/${idA}`, { attributes: { maritalStatus: '20' }, reason: '结婚登记' });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('masks what the caller’s right does not cover, needs a purpose, and records the access for the citizen', async () => {
    const noPurpose = await market.request('GET', `/api/v1/registries/population/records/${idA}`);
    expect(noPurpose.statusCode).toBe(400);
    expect(noPurpose.json().error).toMatchObject({ code: 'REGISTRY_PURPOSE_REQUIRED', details: { field: 'query.purpose' } });

    const read = await market.request('GET', `/api/v1/registries/population/records/${idA}?purpose=${encodeURIComponent('企业登记核查')}`);
    expect(read.statusCode).toBe(200);
    const rec = read.json();
    expect(rec.key).toBe(idA.slice(0, 4) + '**********' + idA.slice(-4));
    expect(rec.attributes.name).toBe('林**');
    expect(rec.attributes.sex).toBe('1'); // not personal: shown
    expect(rec.masked).toEqual(expect.arrayContaining(['idNumber', 'name', 'birthDate', 'householdAddress', 'maritalStatus']));
    // the source department sees its own attributes, and only those, in clear
    const byCivil = (await civil.request('GET', `/api/v1/registries/population/records/${idA}?purpose=婚姻登记审查`)).json();
    expect(byCivil.attributes.maritalStatus).toBe('20');
    expect(byCivil.attributes.name).toBe('林**');

    // the citizen sees the access and their own record
    const citizen = new Browser(p);
    expect((await citizen.request('POST', '/api/v1/auth/citizens', { idNumber: idA, name: '林小明', password: PASSWORD })).statusCode).toBe(201);
    await citizen.request('POST', '/api/v1/auth/login', { username: idA, password: PASSWORD });
    const accesses = (await citizen.request('GET', '/api/v1/me/data-access')).json().items;
    expect(accesses).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'registry.record.read', orgId: ids.marketId, purpose: '企业登记核查', accessor: '市监干部' })]),
    );
    const mine = await citizen.request('GET', '/api/v1/me/registry-record');
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ key: idA, masked: [], attributes: { name: '林小明', maritalStatus: '20', residenceAddress: person.residenceAddress } });
    const usage = await citizen.request('GET', `/api/v1/govstack/data/myPersonalDataUsage?userId=${idA}&databaseId=population`);
    expect(usage.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          readerName: '市监干部',
          readerInitials: '市***',
          readerInstitutionId: uscc.market,
          readerInstitutionName: '测试市市场监督管理局',
          refrences: [{ databaseId: 'population', recordId: idA, purpose: '企业登记核查' }],
          purpose: '企业登记核查',
          databaseId: 'population',
        }),
      ]),
    );
    expect(govstack.check('/data/myPersonalDataUsage', 'get', 200, usage.json())).toEqual([]);
    expect(usage.json().some((u: { readerName: string }) => u.readerName === '林小明')).toBe(false); // the citizen's own reads are not listed
    expect((await citizen.request('GET', `/api/v1/govstack/data/myPersonalDataUsage?userId=${idB}`)).statusCode).toBe(403);
    expect((await p.app.inject('/api/v1/me/registry-record')).statusCode).toBe(401);
  });

  it('encrypts sensitive attributes at rest', async () => {
    const rows = await sql<{ data: string; sealed: string | null }>`select data, sealed from registry_records where record_key = ${idA}`.execute(p.database.db);
    const stored =
      JSON.stringify(rows.rows) +
      JSON.stringify((await sql`select changes, sealed_changes from registry_entries where record_key = ${idA}`.execute(p.database.db)).rows);
    expect(stored).toContain('林小明');
    expect(stored).not.toContain('五四路');
    expect(stored).not.toContain('工业路');
    expect(rows.rows[0]!.sealed).toBeTruthy();
  });

  it('keeps every change with who, when, source, reason and previous value, and reads a record as of a date', async () => {
    const before = p.clock.now().toISOString().slice(0, 10);
    p.clock.advance(86_400_000 * 3);
    police = (await staffBrowser(p, 'police.staff')).browser;
    const moved = await police.request('PATCH', `/api/v1/registries/population/records/${idA}`, {
      attributes: { residenceAddress: '福建省福州市晋安区福新路2号' },
      reason: '居住地变更',
    });
    expect(moved.statusCode).toBe(200);
    const history = (await police.request('GET', `/api/v1/registries/population/records/${idA}/history?purpose=户籍核查`)).json().items;
    expect(history).toHaveLength(3);
    expect(history[2]).toMatchObject({
      reason: '居住地变更',
      sources: ['public-security'],
      actor: { orgId: ids.policeId },
      changes: { residenceAddress: { previous: person.residenceAddress, value: '福建省福州市晋安区福新路2号' } },
    });
    expect(history[1]).toMatchObject({ sources: ['civil-affairs'], changes: { maritalStatus: { previous: null, value: '**' } } }); // masked for the police
    const old = (await police.request('GET', `/api/v1/registries/population/records/${idA}?purpose=历史核查&asOf=${before}`)).json();
    expect(old.attributes.residenceAddress).toBe(person.residenceAddress);
    expect(old.version).toBe(2);
    const first = (await police.request('GET', `/api/v1/registries/population/records/${idA}?purpose=历史核查&asOf=2026-03-02`)).json();
    expect(first.attributes.maritalStatus).toBeNull(); // not yet recorded on that day
    expect(first.version).toBe(1);
    const none = await police.request('GET', `/api/v1/registries/population/records/${idA}?purpose=历史核查&asOf=2020-01-01`);
    expect(none.json().error.code).toBe('REGISTRY_RECORD_NOT_FOUND');
  });

  it('verifies claims per attribute without revealing stored values', async () => {
    const res = await market.request('POST', '/api/v1/registries/population/verify', {
      key: idA,
      claims: { name: '林小明', birthDate: '1990-05-18', maritalStatus: '20' },
      purpose: '法定代表人身份核验',
    });
    expect(res.json()).toEqual({ found: true, results: { name: 'match', birthDate: 'no-match', maritalStatus: 'match' } });
    expect(res.body).not.toContain('1990-05-17');
    const missing = await market.request('POST', '/api/v1/registries/population/verify', {
      key: idB,
      claims: { name: '林小明' },
      purpose: '法定代表人身份核验',
    });
    expect(missing.json()).toEqual({ found: false, results: { name: 'no-match' } });
    const unknown = await market.request('POST', '/api/v1/registries/population/verify', { key: idA, claims: { shoeSize: '42' }, purpose: '核验' });
    expect(unknown.json().error.details.fields[0].field).toBe('body.claims.shoeSize');
    expect(
      (await new Browser(p).request('POST', '/api/v1/registries/population/verify', { key: idA, claims: { name: 'x' }, purpose: '核验' })).statusCode,
    ).toBe(401);
  });

  it('records the access of every concurrent read, in shared transactions (group commit), and isolates a bad record', async () => {
    const service = p.registries.service;
    const reader = { type: 'staff' as const, id: 'concurrent-reader', name: '并发核验员', orgId: ids.marketId, roles: ['dept-staff' as const] };
    const before = (await p.audit.status()).headSeq;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? service.read(reader, {}, 'population', idA, { purpose: `并发读取 ${i}` }).then((r) => r.key)
          : service.verifyClaims(reader, {}, 'population', idA, { name: '林小明' }, `并发核验 ${i}`).then((r) => r.results.name),
      ),
    );
    expect(answers.filter((a) => a === 'match')).toHaveLength(20);
    expect((await p.audit.status()).headSeq - before).toBe(40);
    const mine = (await p.audit.listDataAccess(`citizen:${idA}`, 200)).filter((r) => r.actor.id === 'concurrent-reader');
    expect(new Set(mine.map((r) => r.purpose))).toEqual(new Set(Array.from({ length: 40 }, (_, i) => `${i % 2 === 0 ? '并发读取' : '并发核验'} ${i}`)));

    // 30 records in one turn of the event loop: they wait for the next turn and share one transaction.
    const recorder = service.accessRecords;
    const entry = (i: number) => ({ actor: reader, action: 'registry.record.read', purpose: `批量 ${i}`, dataSubject: `citizen:${idB}` });
    const first = recorder.record(entry(0));
    const rest = Array.from({ length: 29 }, (_, i) => recorder.record(entry(i + 1)));
    expect(recorder.pending).toBe(30);
    const pendingAfterFirst = await first.then(() => recorder.pending);
    expect(pendingAfterFirst).toBe(0); // all 30 went into the first transaction
    const seqs = await Promise.all(rest);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(seqs[0]).toBe((await first) + 1);

    // A record that cannot be written fails its own caller only (it shares a transaction with three others).
    const blocker = recorder.record(entry(98));
    const poison = recorder.record({ ...entry(99), summary: { n: 1n } });
    const good = recorder.record(entry(100));
    const other = recorder.record(entry(101));
    expect(recorder.pending).toBe(4);
    await expect(poison).rejects.toThrow();
    expect(recorder.pending).toBe(0);
    expect(await good).toBe((await blocker) + 1);
    expect(await other).toBe((await good) + 1);
    expect((await verifyAuditChain(p.database.db)).ok).toBe(true);
  });

  it('validates parcels (self-intersecting polygons refused), computes the area and finds them by point, box and holder', async () => {
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [119.3, 26.08],
          [119.301, 26.081],
          [119.301, 26.08],
          [119.3, 26.081],
          [119.3, 26.08],
        ],
      ],
    };
    const bad = await land.request('POST', '/api/v1/registries/land-parcels/records', {
      key: '350102001002GB00001',
      attributes: { geometry: bowtie, landUse: '9999', division: '350102', holder: idA },
      reason: '首次登记',
    });
    expect(bad.statusCode).toBe(400);
    const issues = bad.json().error.details.fields;
    expect(issues.find((f: { field: string }) => f.field === 'body.attributes.geometry').reason).toContain('自相交');
    expect(issues.map((f: { field: string }) => f.field)).toContain('body.attributes.landUse');
    for (const [i, holder] of [idA, uscc.market].entries()) {
      const ok = await land.request('POST', '/api/v1/registries/land-parcels/records', {
        key: `350102001002GB0000${i + 1}`,
        attributes: { geometry: square(119.3 + i * 0.01, 26.08), landUse: '0701', division: '350102', holder },
        reason: '首次登记',
      });
      expect(ok.statusCode, ok.body).toBe(201);
      // 0.001° × 0.001° at 26.08° N ≈ 111.3 m × 100.0 m
      expect(ok.json().attributes.area).toBeGreaterThan(10_900);
      expect(ok.json().attributes.area).toBeLessThan(11_300);
    }
    const area = await land.request('PATCH', '/api/v1/registries/land-parcels/records/350102001002GB00001', { attributes: { area: 5 }, reason: '改面积' });
    expect(area.statusCode).toBe(400);
    const q = (s: string) => land.request('GET', `/api/v1/registries/land-parcels/records?purpose=宗地查询&${s}`);
    expect((await q('point=119.3005,26.0805')).json().items.map((r: { key: string }) => r.key)).toEqual(['350102001002GB00001']);
    expect((await q('point=119.305,26.0805')).json().items).toEqual([]);
    expect((await q('bbox=119.29,26.07,119.32,26.09')).json().items).toHaveLength(2);
    expect((await q(`holder=${uscc.market}`)).json().items.map((r: { key: string }) => r.key)).toEqual(['350102001002GB00002']);
    const masked = (await police.request('GET', `/api/v1/registries/land-parcels/records?purpose=查询&holder=${idA}`)).json().items[0];
    expect(masked.attributes.holder).toContain('**********');
  });

  it('signs tree heads and proves inclusion and consistency (RFC 6962)', async () => {
    const hash = p.keys.suite.hash;
    const head1 = (await police.request('GET', '/api/v1/registries/population/log')).json();
    expect(head1.treeSize).toBe(3);
    expect(
      p.keys.suite.verify(
        p.keys.signing.publicKey,
        treeHeadMessage('population', head1.treeSize, head1.rootHash, head1.signedAt),
        Buffer.from(head1.signature, 'base64'),
      ),
    ).toBe(true);
    // The root is core merkleRoot over the entries' canonical texts.
    const leaves = (await sql<{ leaf_hash: string }>`select leaf_hash from registry_entries where registry = 'population' order by seq`.execute(p.database.db))
      .rows;
    expect(leaves).toHaveLength(3);

    for (let i = 0; i < 4; i++) {
      p.clock.advance(1000);
      await police.request('PATCH', `/api/v1/registries/population/records/${idA}`, {
        attributes: { residenceAddress: `福建省福州市鼓楼区华林路${i}号` },
        reason: '居住地变更',
      });
    }
    const head2 = (await police.request('GET', '/api/v1/registries/population/log')).json();
    expect(head2.treeSize).toBe(7);
    for (let seq = 1; seq <= 7; seq++) {
      const proof = (await police.request('GET', `/api/v1/registries/population/log/entries/${seq}/inclusion?treeSize=7`)).json();
      const ok = verifyInclusion(
        hash,
        Buffer.from(proof.leafHash, 'hex'),
        proof.leafIndex,
        7,
        proof.auditPath.map((h: string) => Buffer.from(h, 'hex')),
        Buffer.from(head2.rootHash, 'hex'),
      );
      expect(ok, `seq ${seq}`).toBe(true);
      expect(
        verifyInclusion(
          hash,
          Buffer.from(proof.leafHash, 'hex'),
          (proof.leafIndex + 1) % 7,
          7,
          proof.auditPath.map((h: string) => Buffer.from(h, 'hex')),
          Buffer.from(head2.rootHash, 'hex'),
        ),
      ).toBe(false);
    }
    for (const first of [1, 2, 3, 4, 5, 6, 7]) {
      const c = (await police.request('GET', `/api/v1/registries/population/log/consistency?first=${first}&second=7`)).json();
      const proof = c.proof.map((h: string) => Buffer.from(h, 'hex'));
      expect(verifyConsistency(hash, first, 7, Buffer.from(c.firstRootHash, 'hex'), Buffer.from(head2.rootHash, 'hex'), proof), `first ${first}`).toBe(true);
      if (first === 3) expect(c.firstRootHash).toBe(head1.rootHash);
      expect(verifyConsistency(hash, first, 7, hash('forged'), Buffer.from(head2.rootHash, 'hex'), proof)).toBe(false);
    }
    // Cross-check with the core RFC 6962 root: leaves are H(0x00‖text), so rebuild the tree from the texts.
    const rows = (await sql<Record<string, unknown>>`select * from registry_entries where registry = 'population' order by seq`.execute(p.database.db)).rows;
    const { canonicalEntryText } = await import('../src/registries/registry-log.js');
    const texts = rows.map((r) => Buffer.from(canonicalEntryText(r as never)));
    expect(merkleRoot(texts, hash).toString('hex')).toBe(head2.rootHash);
  });

  it('files a discrepancy report that the source department resolves within working days; both see the outcome', async () => {
    const filed = await police.request('POST', '/api/v1/registries/population/discrepancies', {
      recordKey: idA,
      attribute: 'maritalStatus',
      believedValue: '40',
      evidence: '离婚证 闽榕离字第001号',
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const d = filed.json();
    expect(d).toMatchObject({ status: 'open', sourceOrgId: civilId, filedByOrg: ids.policeId, overdue: false });
    expect(d.dueAt > d.filedAt).toBe(true);
    const own = await civil.request('POST', '/api/v1/registries/population/discrepancies', {
      recordKey: idA,
      attribute: 'maritalStatus',
      believedValue: '40',
      evidence: '自己',
    });
    expect(own.statusCode).toBe(400);
    expect((await civil.request('GET', '/api/v1/registry-discrepancies?status=open')).json().items.map((x: { id: string }) => x.id)).toContain(d.id);
    const notSource = await police.request('POST', `/api/v1/registry-discrepancies/${d.id}/resolve`, { outcome: 'confirmed', note: '自己处理' });
    expect(notSource.json().error.code).toBe('REGISTRY_NOT_SOURCE');
    const resolved = await civil.request('POST', `/api/v1/registry-discrepancies/${d.id}/resolve`, { outcome: 'corrected', note: '经核实已离婚' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'corrected', resolvedSeq: 8 });
    expect((await police.request('GET', `/api/v1/registry-discrepancies/${d.id}`)).json().status).toBe('corrected');
    expect((await civil.request('POST', `/api/v1/registry-discrepancies/${d.id}/resolve`, { outcome: 'confirmed', note: '再次' })).json().error.code).toBe(
      'REGISTRY_DISCREPANCY_CLOSED',
    );
    const own2 = (await civil.request('GET', `/api/v1/registries/population/records/${idA}?purpose=复核`)).json();
    expect(own2.attributes.maritalStatus).toBe('40');
    expect(landId).toBeTruthy();
  });

  it('offers the GovStack Digital Registries data API on the same registries and rules, answering as the spec says', async () => {
    const base = '/api/v1/govstack/data/population/1';
    const T = '/data/{registryName}/{versionNumber}';
    const read = await market.request('POST', `${base}/read`, { query: { content: { idNumber: idA } } }, { 'x-road-purpose': encodeURIComponent('企业核查') });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().content.name).toBe('林**');
    expect(govstack.check(`${T}/read`, 'post', 200, read.json())).toEqual([]);
    const exists = await market.request('POST', `${base}/exists`, { query: { content: { idNumber: idA, name: '林小明' } } }, { 'x-road-purpose': 'check' });
    expect(exists.json().answer.status).toBe(true);
    expect(govstack.check(`${T}/exists`, 'post', 200, exists.json())).toEqual([]);
    const create = await police.request('POST', `${base}/create`, { write: { content: { idNumber: idB, name: '陈小红', sex: '2', birthDate: '1985-11-02' } } });
    expect(create.statusCode, create.body).toBe(200);
    expect(govstack.check(`${T}/create`, 'post', 200, create.json())).toEqual([]);
    const upd = await market.request('PUT', `${base}/update`, { query: { content: { idNumber: idB } }, write: { content: { name: '陈大红' } } });
    expect(upd.json().error.code).toBe('REGISTRY_NOT_SOURCE');
    const list = await police.request('GET', `${base}?page=1&pageSize=1&purpose=list`);
    expect(list.json()).toMatchObject({ count: 2, results: [{ idNumber: idA }] });
    expect(govstack.check(T, 'get', 200, list.json())).toEqual([]);
    const last = await police.request('GET', `${base}?page=2&pageSize=1&purpose=list`);
    expect(last.json()).toMatchObject({ count: 2, next: null, results: [{ idNumber: idB }] });
    expect(govstack.check(T, 'get', 200, last.json())).toEqual([]);
    // updateEntries names the record; a condition over many records is refused on the field.
    const entries = await police.request('PUT', `${base}/updateEntries`, { query: { content: { idNumber: idB } }, write: { content: { name: '陈小虹' } } });
    expect(entries.statusCode, entries.body).toBe(200);
    expect(entries.json()).toMatchObject({ updated: 1, content: { name: '陈小虹' } });
    const bulk = await police.request('PUT', `${base}/updateEntries`, { query: { content: { sex: '2' } }, write: { content: { ethnicity: '01' } } });
    expect(bulk.statusCode).toBe(400);
    expect(bulk.json().error.details.fields[0].field).toBe('body.query.content.idNumber');
    // Records are never deleted: the history is append-only.
    const del = await police.request('DELETE', `${base}/${idB}/delete`);
    expect(del.statusCode).toBe(409);
    expect(del.json().error.code).toBe('REGISTRY_RECORD_PERMANENT');
    expect(
      (await police.request('POST', `${base}/read?purpose=${encodeURIComponent('复核')}`, { query: { content: { idNumber: idB } } })).json().content.name,
    ).toBe('陈小虹');
    expect((await police.request('GET', `/api/v1/govstack/data/population/9?purpose=x1`)).json().error.code).toBe('REGISTRY_NOT_FOUND');
  });

  it('imports CSV and XLSX whole or not at all, reporting every bad row', async () => {
    const dir = p.testDb.dataDir;
    const good = [makeCitizenId('350104', '1970-01-01', 11), makeCitizenId('350105', '1980-02-02', 22), makeCitizenId('350111', '2001-03-03', 33)];
    const csv = path.join(dir, 'people.csv');
    const header = 'idNumber,姓名,sex,birthDate,ethnicity,householdAddress';
    const lines = good.map(
      (id, i) => `${id},张${i},${Number(id[16]) % 2 === 1 ? '1' : '2'},${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)},01,地址${i}`,
    );
    fs.writeFileSync(csv, [header, ...lines, `${good[0]!.slice(0, 17)}0,坏,1,1970-01-01,01,x`, `${good[1]},重复,2,1980-02-02,77,x`].join('\n'));
    const actor = { ...SYSTEM_ACTOR, orgId: ids.policeId };
    const errors: Array<{ row: number; column: string }> = [];
    const progress: Array<[string, number, number | undefined]> = [];
    const auditBefore = (await p.audit.status()).headSeq;
    // One row a chunk: the three good rows are written before the bad ones are met, then rolled back.
    await expect(
      importRegistryFile(p.registries.service, {
        registry: 'population',
        file: csv,
        actor,
        reason: '批量导入',
        chunkSize: 1,
        onError: (e) => errors.push(e),
        onProgress: (phase, rows, bytes) => progress.push([phase, rows, bytes]),
      }),
    ).rejects.toMatchObject({ code: 'REGISTRY_IMPORT_INVALID', details: { invalidRows: 2, rows: 5 } });
    expect(progress.map(([phase]) => phase)).toEqual(['write', 'write', 'write', 'validate', 'validate']);
    expect(progress[4]![2]).toBe(fs.statSync(csv).size);
    expect((await p.audit.status()).headSeq).toBe(auditBefore);
    expect((await sql<{ n: number }>`select size as n from registry_heads where registry = 'population'`.execute(p.database.db)).rows[0]!.n).toBe(
      (await sql<{ n: number }>`select count(*) as n from registry_entries where registry = 'population'`.execute(p.database.db)).rows[0]!.n,
    );
    expect(errors, JSON.stringify(errors)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 5, column: 'idNumber' }),
        expect.objectContaining({ row: 6, column: 'ethnicity' }),
        expect.objectContaining({ row: 6, column: 'idNumber' }),
      ]),
    );
    const count = async () =>
      Number((await sql<{ n: number }>`select count(*) as n from registry_records where registry = 'population'`.execute(p.database.db)).rows[0]!.n);
    expect(await count()).toBe(2);
    const skipped = await importRegistryFile(p.registries.service, { registry: 'population', file: csv, actor, reason: '批量导入', skipInvalid: true });
    expect(skipped).toMatchObject({ rows: 5, invalidRows: 2, created: 3, written: true });
    // wrong department: refused before reading rows
    await expect(
      importRegistryFile(p.registries.service, { registry: 'population', file: csv, actor: { ...actor, orgId: ids.marketId }, reason: 'x' }),
    ).rejects.toMatchObject({ code: 'REGISTRY_NOT_SOURCE' });

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('宗地');
    ws.addRow(['parcelCode', 'geometry', 'landUse', 'division', 'holder']);
    ws.addRow(['350103001002GB00009', JSON.stringify(square(119.4, 26.1)), '0601', '350103', uscc.market]);
    const xlsx = path.join(dir, 'parcels.xlsx');
    await wb.xlsx.writeFile(xlsx);
    const r = await importRegistryFile(p.registries.service, {
      registry: 'land-parcels',
      file: xlsx,
      actor: { ...SYSTEM_ACTOR, orgId: landId },
      reason: '宗地导入',
    });
    expect(r).toMatchObject({ rows: 1, created: 1 });
  });

  it('verifies a CSV batch, streaming, without revealing values', async () => {
    const input = Readable.from([
      `公民身份号码,name,birthDate\n${idA},林小明,1990-05-17\n${idA},林小明,1990-05-18\n${makeCitizenId('350102', '1999-09-09', 1)},某人,1999-09-09\n`,
    ]);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const counts = await verifyBatch(p.registries.service, {
      registry: 'population',
      input,
      output: out,
      actor: { ...SYSTEM_ACTOR, orgId: ids.marketId, roles: ['dept-staff'] },
      purpose: '批量核验',
      chunkSize: 2,
    });
    out.end();
    expect(counts).toEqual({ rows: 3, found: 2, allMatch: 1 });
    const text = Buffer.concat(chunks).toString();
    expect(text.split('\n')[0]).toBe('idNumber,found,name,birthDate');
    expect(text).toContain(`${idA},yes,match,no-match`);
    expect(text).toContain(',no,no-match,no-match');
  });

  it('verifies each registry end to end, and finds tampering with entries, records or tree heads', async () => {
    const { service } = p.registries;
    const opts = { hash: p.keys.suite.hash, sealer: service.deps.sealer, verifySignature: (m: Buffer, s: Buffer) => service.deps.signer.verify(m, s) };
    for (const def of service.definitions) expect(await verifyRegistryLog(p.database.db, def, opts), def.key).toMatchObject({ ok: true });
    const db = p.database.db;
    await sql`update registry_entries set reason = '篡改' where registry = 'population' and seq = 2`.execute(db);
    const broken = await verifyRegistryLog(db, POPULATION, opts);
    expect(broken, JSON.stringify(broken)).toMatchObject({ ok: false, firstBadSeq: 2 });
    await sql`update registry_entries set reason = '结婚登记' where registry = 'population' and seq = 2`.execute(db);
    expect((await verifyRegistryLog(db, POPULATION, opts)).ok).toBe(true);
    await sql`update registry_records set data = replace(data, '林小明', '王小明') where record_key = ${idA}`.execute(db);
    expect(await verifyRegistryLog(db, POPULATION, opts)).toMatchObject({ ok: false, badRecord: idA });
    await sql`update registry_records set data = replace(data, '王小明', '林小明') where record_key = ${idA}`.execute(db);
    await sql`update registry_tree_heads set signed_at = '2000-01-01T00:00:00.000Z' where registry = 'land-parcels'`.execute(db);
    await land.request('GET', '/api/v1/registries/land-parcels/log');
    const fresh = await verifyRegistryLog(db, LAND_PARCELS, opts);
    expect(fresh.ok, JSON.stringify(fresh)).toBe(true); // no tree head before this read
    await sql`update registry_tree_heads set signed_at = '2000-01-01T00:00:00.000Z' where registry = 'land-parcels'`.execute(db);
    expect(await verifyRegistryLog(db, LAND_PARCELS, opts)).toMatchObject({ ok: false, reason: expect.stringContaining('签名') });
  });

  it('seeds the demo registries idempotently', async () => {
    const departments = [
      { id: ids.policeId, name: '测试市公安局', uscc: uscc.police },
      { id: civilId, name: '测试市民政局', uscc: uscc.civil },
    ];
    const citizens = [{ idNumber: makeCitizenId('350112', '1960-06-06', 5), name: '郑一' }];
    const enterprises = [{ uscc: makeUscc('9', '1', '350102', 'MA0000011'.slice(0, 8)), name: '示范科技有限公司', regionCode: '350102' }];
    const first = await seedDemoRegistries(p.registries.service, { departments, citizens, enterprises });
    expect(first.population).toBe(2);
    expect(first.legalEntities).toBe(1);
    const second = await seedDemoRegistries(p.registries.service, { departments, citizens, enterprises });
    expect(second).toEqual({ bound: 0, population: 0, legalEntities: 0, parcels: 0 });
  });
});
