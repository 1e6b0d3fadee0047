import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { importRegistryFile, LEGAL_ENTITIES, POPULATION, RegistryService, verifyRegistryLog } from '../src/registries/index.js';
import type { EntryRow, RecordRow } from '../src/registries/registries.repository.js';
import { rootOfLeafHashes } from '../src/registries/merkle-log.js';
import { entryLeafHash } from '../src/registries/registry-log.js';
import { makeCitizenId, makeUscc } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

/**
 * The import writes new records through its own writer (text built once per row, not through
 * `bulkWriteIn`'s objects): these tests hold it to exactly what `bulkWriteIn` would store, across
 * chunks and stored Merkle subtrees, and to all-or-nothing when a write fails part-way; both on
 * the importing thread and with the reading and sealing workers (`readInWorker`, `sealInWorker`).
 */
describe.each(DIALECTS.flatMap((d) => [[d, 'one thread'] as const, [d, 'workers'] as const]))('registry import writer (%s, %s)', (dialect, mode) => {
  const sealInWorker = mode === 'workers';
  let p: TestPlatform;
  const police = 'import-police';
  const market = 'import-market';
  const actor = { ...SYSTEM_ACTOR, name: '导入测试', orgId: police };
  const districts = ['350102', '350103', '350104', '350105'];

  const person = (i: number) => {
    const id = makeCitizenId(
      districts[i % 4]!,
      `${1950 + (i % 50)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
      i % 997,
    );
    return { id, sex: Number(id[16]) % 2 === 1 ? '1' : '2', birth: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` };
  };
  /** Columns out of definition order, a Chinese label, empty optional cells, quotes and commas inside cells. */
  const csvOf = (from: number, to: number, name = (i: number) => `测试"${i}", 先生`) => {
    const lines = ['residenceAddress,公民身份号码,sex,name,birthDate,ethnicity,householdDivision,householdAddress'];
    for (let i = from; i < to; i++) {
      const { id, sex, birth } = person(i);
      const cells = [i % 3 === 0 ? '' : `台江区工业路${i}号`, id, sex, name(i), birth, i % 5 === 0 ? '' : '01', districts[i % 4]!, `鼓楼区"五四路"${i}号`];
      lines.push(cells.map((c) => (/[",]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','));
    }
    return lines.join('\n') + '\n';
  };
  const count = async (table: string) =>
    Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where registry = 'population'`.execute(p.database.db)).rows[0]!.n);

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    const at = new Date().toISOString();
    await p.database.db
      .insertInto('registry_source_bindings')
      .values([
        { source: 'public-security', org_id: police, org_name: '测试公安局', org_uscc: makeUscc('1', '1', '350100', '00310001'), updated_at: at },
        { source: 'market-regulation', org_id: market, org_name: '测试市场监管局', org_uscc: makeUscc('1', '1', '350100', '00310002'), updated_at: at },
      ])
      .execute();
  });
  afterAll(async () => p.destroy());

  it('stores exactly what bulkWriteIn would: record JSON, sealed values, changes, leaf hashes, stored subtrees', async () => {
    const { service } = p.registries;
    const file = path.join(p.testDb.dataDir, 'people.csv');
    fs.writeFileSync(file, csvOf(0, 700));
    const progress: number[] = [];
    // Chunks of 250 rows: stored 256-leaf subtrees straddle chunks.
    const r = await importRegistryFile(service, {
      registry: 'population',
      file,
      actor,
      reason: '导入"测试"',
      chunkSize: 250,
      sealInWorker,
      readInWorker: sealInWorker,
      onProgress: (_, n) => progress.push(n),
    });
    expect(r).toMatchObject({ rows: 700, created: 700, updated: 0, written: true });
    expect(progress).toEqual([250, 500, 700]);

    const entries = await p.database.db.selectFrom('registry_entries').selectAll().where('registry', '=', 'population').orderBy('seq').execute();
    const records = new Map(
      (await p.database.db.selectFrom('registry_records').selectAll().where('registry', '=', 'population').execute()).map((row) => [
        row.record_key as string,
        row as RecordRow,
      ]),
    );
    expect(entries).toHaveLength(700);
    const { sealer } = service.deps;
    const opened = (s: string | null) => (s === null ? null : sealer.open(s));
    for (const e of entries as EntryRow[]) {
      const i = e.seq - 1;
      const { id, sex, birth } = person(i);
      const attrs: Record<string, string> = {};
      if (i % 3 !== 0) attrs.residenceAddress = `台江区工业路${i}号`;
      Object.assign(attrs, { sex, name: `测试"${i}", 先生`, birthDate: birth });
      if (i % 5 !== 0) attrs.ethnicity = '01';
      Object.assign(attrs, { householdDivision: districts[i % 4]!, householdAddress: `鼓楼区"五四路"${i}号` });
      const { next, changes } = service.planChange(POPULATION, undefined, id, attrs);
      const expected = service.entryRow(POPULATION, e.seq, id, changes, actor, ['public-security'], '导入"测试"', e.occurred_at);
      expect({ ...e, sealed_changes: opened(e.sealed_changes), leaf_hash: '' }).toEqual({
        ...expected,
        sealed_changes: opened(expected.sealed_changes),
        leaf_hash: '',
      });
      // The leaf hash covers the stored text, ciphertext included.
      expect(e.leaf_hash).toBe(entryLeafHash(p.keys.suite.hash, e));
      const stored = service.storedForm(POPULATION, next);
      const rec = records.get(id)!;
      expect({ data: rec.data, sealed: opened(rec.sealed), holder: rec.holder, version: rec.version, last_seq: rec.last_seq }).toEqual({
        data: stored.data,
        sealed: opened(stored.sealed),
        holder: stored.holder,
        version: 1,
        last_seq: e.seq,
      });
    }
    const opts = { hash: p.keys.suite.hash, sealer, verifySignature: (m: Buffer, s: Buffer) => service.deps.signer.verify(m, s) };
    expect(await verifyRegistryLog(p.database.db, POPULATION, opts)).toMatchObject({ ok: true });
    expect(
      Number((await sql<{ n: number }>`select count(*) as n from registry_log_nodes where registry = 'population'`.execute(p.database.db)).rows[0]!.n),
    ).toBe(3);

    // A file that updates some records and adds others goes through bulkWriteIn; the log still verifies.
    fs.writeFileSync(
      file,
      csvOf(690, 720, (i) => `改名${i}`),
    );
    expect(
      await importRegistryFile(service, { registry: 'population', file, actor, reason: '更新', chunkSize: 7, sealInWorker, readInWorker: sealInWorker }),
    ).toMatchObject({
      created: 20,
      updated: 10,
    });
    expect(await verifyRegistryLog(p.database.db, POPULATION, opts)).toMatchObject({ ok: true });
    expect(await count('registry_records')).toBe(720);
  });

  it('keeps the key and holder right for a registry whose sensitive attribute is not the key', async () => {
    const file = path.join(p.testDb.dataDir, 'entities.csv');
    const rep = makeCitizenId('350102', '1970-01-01', 5);
    const uscc = makeUscc('9', '1', '350102', 'MA000001');
    fs.writeFileSync(file, `uscc,name,entityType,status,legalRepIdNumber,registeredCapital\n${uscc},示范公司,1100,1,${rep},100.5\n`);
    const { service } = p.registries;
    await importRegistryFile(service, {
      registry: 'legal-entities',
      file,
      actor: { ...actor, orgId: market },
      reason: '法人导入',
      sealInWorker,
      readInWorker: sealInWorker,
    });
    const e = (await p.database.db.selectFrom('registry_entries').selectAll().where('registry', '=', 'legal-entities').executeTakeFirstOrThrow()) as EntryRow;
    const { next, changes } = service.planChange(LEGAL_ENTITIES, undefined, uscc, {
      name: '示范公司',
      entityType: '1100',
      status: '1',
      legalRepIdNumber: rep,
      registeredCapital: 100.5,
    });
    const expected = service.entryRow(LEGAL_ENTITIES, 1, uscc, changes, { ...actor, orgId: market }, ['market-regulation'], '法人导入', e.occurred_at);
    expect(e.changes).toBe(expected.changes);
    expect(service.deps.sealer.open(e.sealed_changes!)).toBe(service.deps.sealer.open(expected.sealed_changes!));
    const rec = (await p.database.db
      .selectFrom('registry_records')
      .selectAll()
      .where('registry', '=', 'legal-entities')
      .executeTakeFirstOrThrow()) as RecordRow;
    expect(rec.data).toBe(service.storedForm(LEGAL_ENTITIES, next).data);
    expect(await verifyRegistryLog(p.database.db, LEGAL_ENTITIES, { hash: p.keys.suite.hash, sealer: service.deps.sealer })).toMatchObject({ ok: true });
  });

  it('takes a file of a header alone, or an empty one, as no import', async () => {
    const file = path.join(p.testDb.dataDir, 'empty.csv');
    for (const text of ['idNumber,name\n', '']) {
      fs.writeFileSync(file, text);
      for (const chunkSize of [1, 2000])
        expect(
          await importRegistryFile(p.registries.service, {
            registry: 'population',
            file,
            actor,
            reason: '空文件',
            chunkSize,
            sealInWorker,
            readInWorker: sealInWorker,
          }),
        ).toMatchObject({
          rows: 0,
          written: false,
        });
    }
  });

  it('leaves nothing behind when a write fails part-way', async () => {
    const before = { records: await count('registry_records'), entries: await count('registry_entries'), nodes: await count('registry_log_nodes') };
    const head = async () =>
      Number((await sql<{ n: number }>`select size as n from registry_heads where registry = 'population'`.execute(p.database.db)).rows[0]!.n);
    const headBefore = await head();
    const deps = p.registries.service.deps;
    let sealed = 0;
    // Fails in the third chunk, after two chunks and a stored subtree were written in the transaction.
    const failing = new RegistryService({
      ...deps,
      sealer: {
        seal: (plain) => {
          if (++sealed > 2 * 2 * 300 + 10) throw new Error('disk on fire');
          return deps.sealer.seal(plain);
        },
        open: (s) => deps.sealer.open(s),
      },
    });
    const file = path.join(p.testDb.dataDir, 'more.csv');
    fs.writeFileSync(file, csvOf(1000, 2000));
    await expect(
      importRegistryFile(failing, { registry: 'population', file, actor, reason: '失败', chunkSize: 300, sealInWorker, readInWorker: sealInWorker }),
    ).rejects.toThrow('disk on fire');
    expect({ records: await count('registry_records'), entries: await count('registry_entries'), nodes: await count('registry_log_nodes') }).toEqual(before);
    expect(await head()).toBe(headBefore);
  });
  it('stores the subtrees of whole blocks inside a chunk as computed from their leaves', async () => {
    const { service } = p.registries;
    const file = path.join(p.testDb.dataDir, 'blocks.csv');
    fs.writeFileSync(file, csvOf(3000, 4100));
    // Chunks of 600: whole 256-leaf blocks inside a chunk come with it, blocks across two are read back.
    expect(
      await importRegistryFile(service, { registry: 'population', file, actor, reason: '整块', chunkSize: 600, sealInWorker, readInWorker: sealInWorker }),
    ).toMatchObject({
      created: 1100,
    });
    const leaves = (await p.database.db.selectFrom('registry_entries').select('leaf_hash').where('registry', '=', 'population').orderBy('seq').execute()).map(
      (e) => Buffer.from(e.leaf_hash as string, 'hex'),
    );
    const nodes = await p.database.db.selectFrom('registry_log_nodes').selectAll().where('registry', '=', 'population').execute();
    expect(nodes.length).toBeGreaterThanOrEqual(Math.floor(leaves.length / 256));
    for (const n of nodes) {
      const size = 2 ** Number(n.level);
      expect(n.hash).toBe(rootOfLeafHashes(p.keys.suite.hash, leaves, Number(n.idx) * size, (Number(n.idx) + 1) * size).toString('hex'));
    }
    const { sealer } = service.deps;
    expect(await verifyRegistryLog(p.database.db, POPULATION, { hash: p.keys.suite.hash, sealer })).toMatchObject({ ok: true });
  });

  it('reports every bad row and writes nothing, also with chunks pending in the worker', async () => {
    const before = await count('registry_records');
    const file = path.join(p.testDb.dataDir, 'bad.csv');
    // Rows 5000… are new; two bad rows (file rows 453 and 553: an unknown ethnicity code), after chunks already sent for sealing.
    fs.writeFileSync(
      file,
      csvOf(5000, 5600)
        .split('\n')
        .map((l, i) => (i === 452 || i === 552 ? l.replace(/,01,/, ',99,') : l))
        .join('\n'),
    );
    const errors: number[] = [];
    await expect(
      importRegistryFile(p.registries.service, {
        registry: 'population',
        file,
        actor,
        reason: '错误行',
        chunkSize: 100,
        sealInWorker,
        readInWorker: sealInWorker,
        onError: (e) => errors.push(e.row),
      }),
    ).rejects.toMatchObject({ code: 'REGISTRY_IMPORT_INVALID' });
    expect(errors).toEqual([453, 553]);
    expect(await count('registry_records')).toBe(before);
    expect(await verifyRegistryLog(p.database.db, POPULATION, { hash: p.keys.suite.hash })).toMatchObject({ ok: true });
  });

  it.runIf(sealInWorker)('rolls back when sealing fails in the worker', async () => {
    const before = { records: await count('registry_records'), entries: await count('registry_entries'), nodes: await count('registry_log_nodes') };
    const deps = p.registries.service.deps;
    // A data key of the wrong length: the worker's first seal throws CRYPTO_BAD_KEY.
    const broken = new RegistryService({ ...deps, sealer: { ...deps.sealer, portable: () => ({ ...deps.sealer.portable!(), dataKey: Buffer.alloc(5) }) } });
    const file = path.join(p.testDb.dataDir, 'worker-fails.csv');
    fs.writeFileSync(file, csvOf(6000, 6500));
    await expect(
      importRegistryFile(broken, { registry: 'population', file, actor, reason: '失败', chunkSize: 100, sealInWorker, readInWorker: sealInWorker }),
    ).rejects.toThrow(/密钥/);
    expect({ records: await count('registry_records'), entries: await count('registry_entries'), nodes: await count('registry_log_nodes') }).toEqual(before);
  });
});
