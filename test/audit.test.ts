/**
 * The audit chain end to end (ARCHITECTURE.md principle 5): appends from real state changes,
 * tamper detection with the exact first bad record, signed checkpoints, concurrent writers,
 * redaction, the SM2/SM3 suite, the offline `zhengtong audit verify` command, the audit
 * administrator's API and the citizen's "who accessed my data".
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuditLog,
  CHAIN_COLUMNS,
  canonicalRecord,
  chainDigest,
  checkpointMessage,
  GENESIS_HASH,
  hashRecord,
  verifyAuditChain,
  type AuditEntry,
  type AuditRecord,
  type CheckpointVerifier,
} from '../src/audit/index.js';
import type { Actor } from '../src/core/actor.js';
import { getSuite, readPublicKeyFile } from '../src/core/crypto/index.js';
import { systemClock } from '../src/core/clock.js';
import { openDatabase, type Db } from '../src/core/db/database.js';
import { migrateToLatest } from '../src/core/db/migrate.js';
import { MIGRATIONS } from '../src/migrations.js';
import { makeCitizenId } from '../src/standards/index.js';
import { Browser, createTestDatabase, createTestPlatform, DIALECTS, PASSWORD, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const CLERK: Actor = { type: 'staff', id: 'u-clerk', name: '窗口办事员', orgId: 'org-hall', roles: ['dept-staff'] };

/** One sample entry; `i` makes each distinct. */
const sample = (i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  actor: CLERK,
  action: 'test.sample.update',
  subject: { type: 'thing', id: `thing-${i}` },
  summary: { i, note: `第 ${i} 次修改` },
  context: { requestId: `req-${i}`, clientIp: '10.0.0.1' },
  ...extra,
});

/** Appends `n` records, each in its own transaction, as a service would. Returns their seqs. */
async function appendSamples(p: TestPlatform, n: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) seqs.push(await p.database.db.transaction().execute((trx) => p.audit.append(trx, sample(i))));
  return seqs;
}

/** Every record, oldest first. */
async function allRecords(p: TestPlatform): Promise<AuditRecord[]> {
  return (await p.audit.search({ limit: 100_000 })).reverse();
}

async function headSeq(p: TestPlatform): Promise<number> {
  return (await p.audit.status()).headSeq;
}

/** The platform's public key as an offline verifier would load it: from the public key file. */
async function offlineVerifier(p: TestPlatform): Promise<CheckpointVerifier> {
  const { suite, publicKey } = await readPublicKeyFile(p.keys.publicKeyPath);
  return (message, signature, cp) => cp.suite === suite.name && suite.verify(publicKey, message, Buffer.from(signature, 'base64'));
}

/** Recomputes a record's hash from its presented fields with node:crypto (the canonical form is pinned below). */
function rehash(alg: 'sha256' | 'sm3', r: AuditRecord): string {
  const canonical = canonicalRecord({
    seq: r.seq,
    occurredAt: r.occurredAt,
    actorType: r.actor.type,
    actorId: r.actor.id,
    actorName: r.actor.name,
    orgId: r.actor.orgId,
    action: r.action,
    subjectType: r.subject?.type ?? null,
    subjectId: r.subject?.id ?? null,
    outcome: r.outcome,
    requestId: r.requestId,
    clientIp: r.clientIp,
    summary: JSON.stringify(r.summary),
    dataSubject: r.dataSubject,
    purpose: r.purpose,
    prevHash: r.prevHash,
  });
  return createHash(alg).update(canonical).digest('hex');
}

/** Checks seqs 1..head are all there, consecutive, each linked to the previous hash. */
function expectLinked(records: AuditRecord[], alg: 'sha256' | 'sm3'): void {
  let prev = GENESIS_HASH;
  records.forEach((r, i) => {
    expect(r.seq).toBe(i + 1);
    expect(r.prevHash).toBe(prev);
    expect(rehash(alg, r)).toBe(r.hash);
    prev = r.hash;
  });
}

/** What an attacker with write access to the database can do, in raw SQL. */
const raw = {
  row: async (db: Db, seq: number) =>
    (await db.selectFrom('audit_records').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow()) as Record<string, unknown>,
  setHead: (db: Db, seq: number, hash: string) => sql`update audit_head set seq = ${seq}, hash = ${hash} where id = 1`.execute(db),
  /**
   * Rewrites stored fields of a record (and its hash, if given) the only way the table allows:
   * through its canonical text, from which every other column is generated.
   */
  edit: async (db: Db, seq: number, patch: Record<string, string | null>, hash?: string) => {
    const row = await raw.row(db, seq);
    const values = JSON.parse(row.body as string) as unknown[];
    for (const [column, value] of Object.entries(patch)) values[CHAIN_COLUMNS.indexOf(column as (typeof CHAIN_COLUMNS)[number])] = value;
    const body = JSON.stringify(values);
    await sql`update audit_records set body = ${body}, hash = ${hash ?? (row.hash as string)} where seq = ${seq}`.execute(db);
  },
  /** Inserts a record as an attacker would: its text and a hash of it. */
  insert: (db: Db, fields: Parameters<typeof canonicalRecord>[0], hash: string) =>
    sql`insert into audit_records (seq, body, hash) values (${fields.seq}, ${canonicalRecord(fields)}, ${hash})`.execute(db),
  /** Moves records with seq >= from up by one, leaving a hole at `from` (two steps: the primary key is checked per row). */
  shiftUp: async (db: Db, from: number) => {
    await sql`update audit_records set seq = seq + 1000000 where seq >= ${from}`.execute(db);
    await sql`update audit_records set seq = seq - 999999 where seq >= 1000000`.execute(db);
  },
};

/** The chained fields of a raw row, as an attacker would recompute its hash. */
const toFieldsOfRow = (row: Record<string, unknown>) => ({
  seq: Number(row.seq),
  occurredAt: row.occurred_at as string,
  actorType: row.actor_type as string,
  actorId: row.actor_id as string | null,
  actorName: row.actor_name as string | null,
  orgId: row.org_id as string | null,
  action: row.action as string,
  subjectType: row.subject_type as string | null,
  subjectId: row.subject_id as string | null,
  outcome: row.outcome as string,
  requestId: row.request_id as string | null,
  clientIp: row.client_ip as string | null,
  summary: row.summary as string,
  dataSubject: row.data_subject as string | null,
  purpose: row.purpose as string | null,
  prevHash: row.prev_hash as string,
});

/** Runs the real CLI in a child process. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ZT_LOG_LEVEL: 'silent', NODE_NO_WARNINGS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('canonical record', () => {
  it('is a fixed JSON array, so any verifier can rebuild the hashed bytes', () => {
    const fields = {
      seq: 7,
      occurredAt: '2026-03-02T01:00:00.000Z',
      actorType: 'staff',
      actorId: 'u1',
      actorName: '张三',
      orgId: null,
      action: 'identity.org.create',
      subjectType: 'org',
      subjectId: 'o1',
      outcome: 'success',
      requestId: null,
      clientIp: '10.0.0.1',
      summary: '{"name":"测试"}',
      dataSubject: null,
      purpose: null,
      prevHash: GENESIS_HASH,
    };
    const expected =
      '[7,"2026-03-02T01:00:00.000Z","staff","u1","张三",null,"identity.org.create","org","o1","success",null,"10.0.0.1","{\\"name\\":\\"测试\\"}",null,null,"' +
      GENESIS_HASH +
      '"]';
    expect(canonicalRecord(fields)).toBe(expected);
    expect(hashRecord('sha256', fields)).toBe(createHash('sha256').update(expected, 'utf8').digest('hex'));
    expect(hashRecord('sm3', fields)).toBe(createHash('sm3').update(expected, 'utf8').digest('hex'));
    // Where OpenSSL lacks SM3, chainDigest falls back to the SM2 suite's SM3: the same digest.
    expect(getSuite('sm2').hash(expected).toString('hex')).toBe(chainDigest('sm3')(expected));
  });
});

describe.each(DIALECTS)('audit chain (%s)', (dialect) => {
  describe('appending', () => {
    let p: TestPlatform;
    beforeAll(async () => {
      p = await createTestPlatform(dialect);
    });
    afterAll(async () => p.destroy());

    it('links the records of real state changes: seeding and sign-ins', async () => {
      await seedBasics(p);
      await staffBrowser(p, 'auditadmin');
      const stranger = new Browser(p);
      expect((await stranger.request('POST', '/api/v1/auth/login', { username: 'nobody', password: 'wrong' })).statusCode).toBe(401);

      const records = await allRecords(p);
      expect(records.length).toBe(await headSeq(p));
      const actions = records.map((r) => r.action);
      expect(actions).toEqual(expect.arrayContaining(['identity.seed', 'auth.login', 'auth.totp.enrol']));
      expect(records.find((r) => r.action === 'auth.login' && r.outcome === 'failure')?.actor.type).toBe('anonymous');
      expectLinked(records, 'sha256');
      expect((await p.audit.status()).headHash).toBe(records[records.length - 1]!.hash);

      const result = await verifyAuditChain(p.database.db);
      expect(result).toMatchObject({ ok: true, records: records.length, hashAlg: 'sha256' });
    });

    it('gives consecutive seqs whether appended one by one or in a batch', async () => {
      const before = await headSeq(p);
      const single = await appendSamples(p, 5);
      const batch = await p.database.db.transaction().execute((trx) => p.audit.appendMany(trx, [sample(100), sample(101), sample(102)]));
      expect([...single, ...batch]).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => before + i));
      expect(await p.database.db.transaction().execute((trx) => p.audit.appendMany(trx, []))).toEqual([]);
      expectLinked(await allRecords(p), 'sha256');
      expect((await verifyAuditChain(p.database.db)).ok).toBe(true);
    });

    it('leaves no record and no gap when the transaction rolls back', async () => {
      const before = await p.audit.status();
      await expect(
        p.database.db.transaction().execute(async (trx) => {
          const seq = await p.audit.append(trx, sample(1, { action: 'test.rolled-back' }));
          expect(seq).toBe(before.headSeq + 1);
          await p.audit.appendMany(trx, [sample(2, { action: 'test.rolled-back' })]);
          throw new Error('the state change failed');
        }),
      ).rejects.toThrow('the state change failed');

      const after = await p.audit.status();
      expect(after.headSeq).toBe(before.headSeq);
      expect(after.headHash).toBe(before.headHash);
      expect(await p.audit.search({ action: 'test.rolled-back', limit: 10 })).toEqual([]);
      const next = await p.audit.record(sample(3));
      expect(next).toBe(before.headSeq + 1);
      expect((await verifyAuditChain(p.database.db)).ok).toBe(true);
    });

    it('never stores secrets: secret-looking keys are redacted, passwords of sign-ins never appear', async () => {
      const seq = await p.audit.record({
        actor: CLERK,
        action: 'test.secrets',
        summary: {
          username: 'zhang',
          password: 'hunter2-password',
          nested: { accessToken: 'tok-123456', apiKey: 'key-abcdef', note: '保留 kept' },
          list: [{ totpCode: '123456', clientSecret: 's3cr3t' }],
          Authorization: 'Bearer xyz',
        },
      });
      const row = await raw.row(p.database.db, seq);
      const stored = JSON.parse(row.summary as string);
      expect(stored).toEqual({
        username: 'zhang',
        password: '[redacted]',
        nested: { accessToken: '[redacted]', apiKey: '[redacted]', note: '保留 kept' },
        list: [{ totpCode: '[redacted]', clientSecret: '[redacted]' }],
        Authorization: '[redacted]',
      });
      const everything = JSON.stringify(await p.database.db.selectFrom('audit_records').selectAll().execute());
      for (const secret of ['hunter2-password', 'tok-123456', 'key-abcdef', '123456', 's3cr3t', 'Bearer xyz', PASSWORD]) {
        expect(everything).not.toContain(secret);
      }
      expect((await verifyAuditChain(p.database.db)).ok).toBe(true);
    });

    it('hashes text exactly as stored: lone surrogates and NUL (valid in JSON bodies) do not break the chain', async () => {
      const seq = await p.audit.record({
        actor: { type: 'citizen', id: 'u-odd', name: 'bad\ud800name', roles: [] },
        action: 'test.odd-text',
        subject: { type: 'user', id: 'nul\u0000id' },
        summary: { raw: 'lone \udc00 and nul \u0000', ['key\ud800']: 1 },
        purpose: 'pair 😀 kept',
      });
      const [stored] = await p.audit.search({ action: 'test.odd-text', limit: 1 });
      expect(stored).toMatchObject({ seq, actor: { name: 'bad\ufffdname' }, subject: { id: 'nul\ufffdid' }, purpose: 'pair 😀 kept' });
      expect(stored!.summary).toEqual({ raw: 'lone \udc00 and nul \u0000', ['key\ud800']: 1 });
      expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: true, records: seq });
    });

    it('never forks the chain under many concurrent writers', async () => {
      const before = await headSeq(p);
      const seqs = await Promise.all([
        ...Array.from({ length: 150 }, (_, i) => p.audit.record(sample(i, { action: 'test.concurrent' }))),
        ...Array.from({ length: 10 }, (_, i) =>
          p.database.db.transaction().execute((trx) => p.audit.appendMany(trx, [sample(1000 + i), sample(2000 + i), sample(3000 + i)])),
        ),
      ]);
      const flat = seqs.flat().sort((a, b) => a - b);
      expect(flat).toEqual(Array.from({ length: 180 }, (_, i) => before + 1 + i));
      expect(await headSeq(p)).toBe(before + 180);
      expectLinked(await allRecords(p), 'sha256');
      expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: true, records: before + 180 });
    });

    it('verifies a live chain while writers keep appending (no false alarm)', async () => {
      await appendSamples(p, 40);
      const writes: Array<Promise<number>> = [];
      // Each page read lets a writer in: the chain grows while it is being verified.
      const onProgress = (): void => {
        writes.push(p.audit.record(sample(writes.length, { action: 'test.live' })));
      };
      const result = await verifyAuditChain(p.database.db, { pageSize: 4, onProgress });
      await Promise.all(writes);
      expect(writes.length).toBeGreaterThan(5);
      expect(result).toMatchObject({ ok: true });
      expect(await verifyAuditChain(p.database.db)).toMatchObject({ ok: true, records: await headSeq(p) });
    });

    it.runIf(dialect === 'postgres')('never forks the chain with two platform instances on one database', async () => {
      const before = await headSeq(p);
      const other = await openDatabase(p.testDb.url, { poolSize: 8 });
      try {
        const second = new AuditLog(other.db, other.dialect, p.clock);
        expect(await second.init('sha256')).toBe('sha256');
        const seqs = await Promise.all(
          Array.from({ length: 200 }, (_, i) => {
            const log = i % 2 === 0 ? p.audit : second;
            const db = i % 2 === 0 ? p.database.db : other.db;
            return i % 10 === 9
              ? db.transaction().execute((trx) => log.appendMany(trx, [sample(i), sample(i + 0.5)]))
              : db.transaction().execute(async (trx) => [await log.append(trx, sample(i, { action: 'test.two-instances' }))]);
          }),
        );
        const flat = seqs.flat().sort((a, b) => a - b);
        expect(new Set(flat).size).toBe(220);
        expect(flat).toEqual(Array.from({ length: 220 }, (_, i) => before + 1 + i));
        expectLinked(await allRecords(p), 'sha256');
        expect(await verifyAuditChain(other.db)).toMatchObject({ ok: true, records: before + 220 });
      } finally {
        await other.close();
      }
    });
  });

  describe('tampering', () => {
    let p: TestPlatform;
    let db: Db;
    let n: number;
    beforeEach(async () => {
      p = await createTestPlatform(dialect);
      db = p.database.db;
      await appendSamples(p, 12);
      n = await headSeq(p);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });
    afterEach(async () => p.destroy());

    it.each([
      ['summary', 'summary', '{"i":5,"note":"改过了"}'],
      ['actor name', 'actor_name', '另一个人'],
      ['outcome', 'outcome', 'failure'],
      ['time', 'occurred_at', '2026-01-01T00:00:00.000Z'],
      ['data subject', 'data_subject', 'citizen:350102199005171234'],
    ])('finds an edited %s at that record', async (_name, column, value) => {
      const target = n - 6;
      await raw.edit(db, target, { [column]: value });
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, firstBadSeq: target, records: target - 1 });
      expect(result.reason).toContain('edited');
    });

    it('finds an edit even when the attacker rewrites the record hash (the next link breaks)', async () => {
      const target = n - 6;
      const row = await raw.row(db, target);
      const fields = { ...toFieldsOfRow(row), actorName: '另一个人' };
      await raw.edit(db, target, { actor_name: '另一个人' }, hashRecord('sha256', fields));
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadSeq: target + 1 });
    });

    it('refuses to edit a searchable column apart from the text the hash covers', async () => {
      for (const column of ['action', 'actor_name', 'summary', 'prev_hash']) {
        await expect(sql`update audit_records set ${sql.ref(column)} = ${'x'} where seq = 3`.execute(db)).rejects.toThrow();
      }
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('finds a record deleted in the middle', async () => {
      await db.deleteFrom('audit_records').where('seq', '=', 5).execute();
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, firstBadSeq: 5, records: 4 });
      expect(result.reason).toContain('deleted');
    });

    it('finds the last records deleted (truncation) by the head row', async () => {
      await db
        .deleteFrom('audit_records')
        .where('seq', '>', n - 2)
        .execute();
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, firstBadSeq: n - 1, records: n - 2 });
      expect(result.reason).toContain('truncated');
    });

    it('finds truncation below the signed checkpoint even when the attacker also fixes the head row', async () => {
      expect(await p.checkpoint()).toBe(n);
      await appendSamples(p, 3);
      await db
        .deleteFrom('audit_records')
        .where('seq', '>', n - 3)
        .execute();
      const last = await raw.row(db, n - 3);
      await raw.setHead(db, n - 3, last.hash as string);
      const result = await verifyAuditChain(db, { verifyCheckpoint: await offlineVerifier(p) });
      expect(result).toMatchObject({ ok: false, firstBadSeq: n - 2, records: n - 3 });
      expect(result.reason).toContain(`checkpoint ${n}`);
    });

    it('finds a head row whose hash disagrees with the last record', async () => {
      await raw.setHead(db, n, 'f'.repeat(64));
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadSeq: n });
    });

    it('finds a forged record inserted in the middle (the later records renumbered)', async () => {
      const k = 6;
      await raw.shiftUp(db, k);
      const prev = await raw.row(db, k - 1);
      const forged = {
        ...toFieldsOfRow(await raw.row(db, k + 1)),
        seq: k,
        actorName: '伪造者',
        summary: '{"forged":true}',
        prevHash: prev.hash as string,
      };
      await raw.insert(db, forged, hashRecord('sha256', forged));
      const last = await raw.row(db, n + 1);
      await raw.setHead(db, n + 1, last.hash as string);
      // The forged record itself is well formed; the renumbered original after it no longer links.
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, firstBadSeq: k + 1, records: k });
      expect(result.reason).toContain('reordered or inserted');
    });

    it('finds two records whose contents were swapped (reordering)', async () => {
      const [i, j] = [4, 9];
      const a = await raw.row(db, i);
      const b = await raw.row(db, j);
      const swap = (r: Record<string, unknown>, seq: number) =>
        sql`update audit_records set body = ${r.body as string}, hash = ${r.hash as string} where seq = ${seq}`;
      await swap(b, i).execute(db);
      await swap(a, j).execute(db);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadSeq: i });
    });

    it('finds two neighbours swapped with their seqs (the whole rows moved)', async () => {
      await sql`update audit_records set seq = -1 where seq = 7`.execute(db);
      await sql`update audit_records set seq = 7 where seq = 8`.execute(db);
      await sql`update audit_records set seq = 8 where seq = -1`.execute(db);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBadSeq: 7 });
    });

    it('gives the same verdict from worker threads checking ranges side by side', async () => {
      const parallel = { dbUrl: p.testDb.url, workers: 2, minRecords: 0 };
      const both = async () => {
        const one = await verifyAuditChain(db);
        expect(await verifyAuditChain(db, { pageSize: 2, parallel })).toEqual(one);
        return one;
      };
      expect(await both()).toMatchObject({ ok: true, records: n });
      const size = Math.ceil(n / 2); // the ranges: 1..size | size+1..n
      const saved = await raw.row(db, size);
      const restore = () => sql`update audit_records set body = ${saved.body as string}, hash = ${saved.hash as string} where seq = ${size}`.execute(db);
      await raw.edit(db, size, { actor_name: '另一个人' });
      expect(await both()).toMatchObject({ ok: false, firstBadSeq: size });
      await restore();
      await db.deleteFrom('audit_records').where('seq', '=', size).execute(); // the first range ends early
      expect(await both()).toMatchObject({ ok: false, firstBadSeq: size, records: size - 1 });
      await sql`insert into audit_records (seq, body, hash) values (${size}, ${saved.body as string}, ${saved.hash as string})`.execute(db);
      expect(await both()).toMatchObject({ ok: true, records: n });
      await db
        .deleteFrom('audit_records')
        .where('seq', '>', n - 2)
        .execute(); // truncation
      expect(await both()).toMatchObject({ ok: false, firstBadSeq: n - 1, records: n - 2 });
    }, 120_000);

    it('reads in keyset pages: the result does not depend on the page size', async () => {
      await db.deleteFrom('audit_records').where('seq', '=', 7).execute();
      for (const pageSize of [1, 2, 3, 6, 7, 100]) {
        expect(await verifyAuditChain(db, { pageSize })).toMatchObject({ ok: false, firstBadSeq: 7, records: 6 });
      }
    });
  });

  it('0004-audit-body keeps a chain written in the 0002 layout: same hashes, same search columns', async () => {
    const testDb = await createTestDatabase(dialect);
    const database = await openDatabase(testDb.url);
    try {
      const before = MIGRATIONS.slice(
        0,
        MIGRATIONS.findIndex((m) => m.name === '0004-audit-body'),
      );
      await migrateToLatest(database.db, database.dialect, before);
      let prevHash = GENESIS_HASH;
      const legacy = [];
      for (let seq = 1; seq <= 30; seq++) {
        const fields = {
          seq,
          occurredAt: `2026-03-0${1 + (seq % 9)}T08:00:00.000Z`,
          actorType: 'staff',
          actorId: `u-${seq % 3}`,
          actorName: seq % 2 ? '窗口办事员' : null,
          orgId: 'org-hall',
          action: seq % 4 ? 'identity.user.update' : 'registry.person.read',
          subjectType: 'user',
          subjectId: `u-${seq}`,
          outcome: 'success',
          requestId: null,
          clientIp: '10.0.0.1',
          summary: JSON.stringify({ seq, note: '引号 " 与反斜杠 \\' }),
          dataSubject: seq % 4 ? null : 'citizen:350102199005171234',
          purpose: seq % 4 ? null : '户籍核验',
          prevHash,
        };
        prevHash = hashRecord('sha256', fields);
        legacy.push({ ...fields, hash: prevHash });
        await sql`insert into audit_records (seq, occurred_at, actor_type, actor_id, actor_name, org_id, action, subject_type, subject_id, outcome,
          request_id, client_ip, summary, data_subject, purpose, prev_hash, hash) values (${seq}, ${fields.occurredAt}, ${fields.actorType},
          ${fields.actorId}, ${fields.actorName}, ${fields.orgId}, ${fields.action}, ${fields.subjectType}, ${fields.subjectId}, ${fields.outcome},
          ${fields.requestId}, ${fields.clientIp}, ${fields.summary}, ${fields.dataSubject}, ${fields.purpose}, ${fields.prevHash}, ${prevHash})`.execute(
          database.db,
        );
      }
      await sql`insert into audit_head (id, seq, hash, hash_alg) values (1, 30, ${prevHash}, 'sha256')`.execute(database.db);

      await migrateToLatest(database.db, database.dialect, MIGRATIONS);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, records: 30 });
      const log = new AuditLog(database.db, database.dialect, systemClock);
      const found = await log.search({ dataSubject: 'citizen:350102199005171234', limit: 100 });
      expect(found.map((r) => r.seq)).toEqual([28, 24, 20, 16, 12, 8, 4]);
      expect(found[0]).toMatchObject({ action: 'registry.person.read', purpose: '户籍核验', actor: { name: null, id: 'u-1' }, hash: legacy[27]!.hash });
      expect(found[0]!.summary).toEqual({ seq: 28, note: '引号 " 与反斜杠 \\' });
      expect(found[0]!.prevHash).toBe(legacy[26]!.hash);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });

  describe('checkpoints', () => {
    let p: TestPlatform;
    let db: Db;
    let n: number;
    beforeEach(async () => {
      p = await createTestPlatform(dialect);
      db = p.database.db;
      await appendSamples(p, 10);
      n = await headSeq(p);
    });
    afterEach(async () => p.destroy());

    it('signs the head; verification with the public key checks every signature', async () => {
      expect(await p.checkpoint()).toBe(n);
      expect(await p.checkpoint()).toBeUndefined();
      await appendSamples(p, 4);
      p.clock.advance(60_000);
      expect(await p.checkpoint()).toBe(n + 4);

      const status = await p.audit.status();
      expect(status.lastCheckpoint).toMatchObject({ seq: n + 4, hash: status.headHash, suite: 'ed25519', key_fingerprint: p.keys.fingerprint });

      let calls = 0;
      const verifier = await offlineVerifier(p);
      const counting: CheckpointVerifier = (message, signature, cp) => {
        calls++;
        return verifier(message, signature, cp);
      };
      const result = await verifyAuditChain(db, { verifyCheckpoint: counting });
      expect(result).toEqual({ ok: true, records: n + 4, checkpoints: 2, checkpointSignaturesChecked: true, hashAlg: 'sha256', lastCheckpointSeq: n + 4 });
      expect(calls).toBe(2);
    });

    it('says so when no verifier is given: signatures are not checked', async () => {
      await p.checkpoint();
      await db
        .updateTable('audit_checkpoints')
        .set({ signature: Buffer.alloc(64, 7).toString('base64') })
        .execute();
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checkpoints: 1, checkpointSignaturesChecked: false });
      expect(await verifyAuditChain(db, { verifyCheckpoint: await offlineVerifier(p) })).toMatchObject({
        ok: false,
        firstBadSeq: n,
        checkpointSignaturesChecked: true,
      });
    });

    it('refuses a checkpoint signed with another key', async () => {
      await p.checkpoint();
      const cp = (await p.audit.status()).lastCheckpoint!;
      const attacker = p.keys.suite.generateKeyPair();
      const forged = p.keys.suite.sign(attacker.privateKey, checkpointMessage(cp.seq, cp.hash, cp.signed_at)).toString('base64');
      await db.updateTable('audit_checkpoints').set({ signature: forged }).where('seq', '=', cp.seq).execute();
      const result = await verifyAuditChain(db, { verifyCheckpoint: await offlineVerifier(p) });
      expect(result).toMatchObject({ ok: false, firstBadSeq: n });
      expect(result.reason).toContain('signature');
    });

    it('refuses a checkpoint whose hash was altered', async () => {
      await p.checkpoint();
      await db
        .updateTable('audit_checkpoints')
        .set({ hash: 'a'.repeat(64) })
        .where('seq', '=', n)
        .execute();
      expect(await verifyAuditChain(db, { verifyCheckpoint: await offlineVerifier(p) })).toMatchObject({ ok: false, firstBadSeq: n });
    });

    it('refuses a consistently rewritten chain: records, hashes and head all recomputed after an edit', async () => {
      await p.checkpoint();
      const rows = (await db.selectFrom('audit_records').selectAll().orderBy('seq').execute()) as Array<Record<string, unknown>>;
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const fields = { ...toFieldsOfRow(row), prevHash: prev };
        if (fields.seq === 3) fields.summary = '{"rewritten":true}';
        prev = hashRecord('sha256', fields);
        await raw.edit(db, fields.seq, { summary: fields.summary, prev_hash: fields.prevHash }, prev);
      }
      await raw.setHead(db, n, prev);
      // Without the checkpoint the rewrite would be self-consistent; the signed hash of seq n catches it.
      const result = await verifyAuditChain(db, { verifyCheckpoint: await offlineVerifier(p) });
      expect(result).toMatchObject({ ok: false, firstBadSeq: n });
      expect(result.reason).toContain('checkpoint');

      // Moving the checkpoint's hash along with the rewrite breaks its signature instead.
      await db.updateTable('audit_checkpoints').set({ hash: prev }).where('seq', '=', n).execute();
      const again = await verifyAuditChain(db, { verifyCheckpoint: await offlineVerifier(p) });
      expect(again).toMatchObject({ ok: false, firstBadSeq: n });
      expect(again.reason).toContain('signature');
    });
  });

  describe('the SM2 suite', () => {
    let p: TestPlatform;
    beforeAll(async () => {
      p = await createTestPlatform(dialect, { cryptoSuite: 'sm2' });
    });
    afterAll(async () => p.destroy());

    it('hashes the chain with SM3 and signs checkpoints with SM2', async () => {
      await appendSamples(p, 6);
      const status = await p.audit.status();
      expect(status.hashAlg).toBe('sm3');
      expectLinked(await allRecords(p), 'sm3');
      expect(await p.checkpoint()).toBe(status.headSeq);
      expect((await p.audit.status()).lastCheckpoint).toMatchObject({ seq: status.headSeq, suite: 'sm2' });

      const verifier = await offlineVerifier(p);
      expect(await verifyAuditChain(p.database.db, { verifyCheckpoint: verifier })).toMatchObject({
        ok: true,
        hashAlg: 'sm3',
        records: status.headSeq,
        checkpointSignaturesChecked: true,
      });

      await raw.edit(p.database.db, 2, { actor_name: '别人' });
      expect(await verifyAuditChain(p.database.db, { verifyCheckpoint: verifier })).toMatchObject({ ok: false, firstBadSeq: 2, hashAlg: 'sm3' });
    });
  });

  describe('HTTP: the audit administrator', () => {
    let p: TestPlatform;
    let audit: Browser;
    let sys: Browser;
    let sysadminId: string;
    beforeAll(async () => {
      p = await createTestPlatform(dialect);
      await seedBasics(p);
      audit = (await staffBrowser(p, 'auditadmin')).browser;
      sys = (await staffBrowser(p, 'sysadmin')).browser;
      sysadminId = (await sys.request('GET', '/api/v1/auth/session')).json().user.id;
      await p.audit.record(sample(1, { summary: { note: '唯一标记 marker-7731' } }));
      await p.audit.record(sample(2, { summary: { note: '完成率 50% done' } }));
    });
    afterAll(async () => p.destroy());

    it('allows only the audit administrator to read the log (三员分立)', async () => {
      const anonymous = await p.app.inject('/api/v1/audit/records');
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error.code).toBe('AUTH_REQUIRED');
      for (const url of ['/api/v1/audit/records', '/api/v1/audit/status']) {
        const res = await sys.request('GET', url);
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('AUTH_FORBIDDEN');
      }
      expect((await sys.request('POST', '/api/v1/audit/verify')).statusCode).toBe(403);
      expect((await audit.request('GET', '/api/v1/audit/records')).statusCode).toBe(200);
    });

    it('filters by action prefix, actor and text', async () => {
      const auth = (await audit.request('GET', '/api/v1/audit/records?action=auth.*&limit=500')).json();
      expect(auth.items.length).toBeGreaterThan(0);
      expect(auth.items.every((r: AuditRecord) => r.action.startsWith('auth.'))).toBe(true);
      expect(auth.items.map((r: AuditRecord) => r.action)).toEqual(expect.arrayContaining(['auth.login', 'auth.totp.enrol']));

      const exact = (await audit.request('GET', '/api/v1/audit/records?action=auth.login')).json();
      expect(exact.items.length).toBeGreaterThan(0);
      expect(exact.items.every((r: AuditRecord) => r.action === 'auth.login')).toBe(true);

      const bySys = (await audit.request('GET', `/api/v1/audit/records?actorId=${sysadminId}`)).json();
      expect(bySys.items.length).toBeGreaterThan(0);
      expect(bySys.items.every((r: AuditRecord) => r.actor.id === sysadminId && r.actor.name === '系统管理员')).toBe(true);
      expect(bySys.items.map((r: AuditRecord) => r.action)).toContain('auth.login');

      const text = (await audit.request('GET', `/api/v1/audit/records?q=${encodeURIComponent('MARKER-7731')}`)).json();
      expect(text.items).toHaveLength(1);
      expect(text.items[0].summary).toEqual({ note: '唯一标记 marker-7731' });
      const byName = (await audit.request('GET', `/api/v1/audit/records?q=${encodeURIComponent('审计管理')}`)).json();
      expect(byName.items.length).toBeGreaterThan(0);
      expect(byName.items.every((r: AuditRecord) => r.actor.name === '审计管理员')).toBe(true);
      // LIKE wildcards in q are literal characters.
      const percent = (await audit.request('GET', `/api/v1/audit/records?q=${encodeURIComponent('%')}`)).json();
      expect(percent.items.map((r: AuditRecord) => r.summary.note)).toEqual(['完成率 50% done']);
    });

    it('pages newest first with beforeSeq until the first record', async () => {
      const head = (await audit.request('GET', '/api/v1/audit/status')).json().headSeq as number;
      const seen: number[] = [];
      let url = '/api/v1/audit/records?limit=7';
      for (let guard = 0; guard < 100; guard++) {
        const page = (await audit.request('GET', url)).json();
        seen.push(...page.items.map((r: AuditRecord) => r.seq));
        if (page.nextBeforeSeq === null) break;
        expect(page.items).toHaveLength(7);
        expect(page.nextBeforeSeq).toBe(page.items[6].seq);
        url = `/api/v1/audit/records?limit=7&beforeSeq=${page.nextBeforeSeq}`;
      }
      expect(seen).toEqual(Array.from({ length: head }, (_, i) => head - i));
    });

    it('shows the chain head and the last checkpoint', async () => {
      const before = (await audit.request('GET', '/api/v1/audit/status')).json();
      expect(before).toMatchObject({ hashAlg: 'sha256', lastCheckpoint: null });
      const seq = await p.checkpoint();
      const status = (await audit.request('GET', '/api/v1/audit/status')).json();
      expect(status.headSeq).toBe(seq);
      expect(status.lastCheckpoint).toMatchObject({ seq, hash: status.headHash, suite: 'ed25519', keyFingerprint: p.keys.fingerprint });
      expect(status.lastCheckpoint.signedAt).toBe(p.clock.now().toISOString());
    });

    it('verifies the chain on request, records that it did, and reports a break', async () => {
      const ok = await audit.request('POST', '/api/v1/audit/verify');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ ok: true, checkpointSignaturesChecked: true, hashAlg: 'sha256' });
      const [logged] = await p.audit.search({ action: 'audit.verify', limit: 1 });
      expect(logged).toMatchObject({ outcome: 'success', actor: { name: '审计管理员' }, summary: { records: ok.json().records } });

      const original = (await raw.row(p.database.db, 3)).summary as string;
      await raw.edit(p.database.db, 3, { summary: '{"changed":1}' });
      const broken = (await audit.request('POST', '/api/v1/audit/verify')).json();
      expect(broken).toMatchObject({ ok: false, firstBadSeq: 3 });
      const [failed] = await p.audit.search({ action: 'audit.verify', limit: 1 });
      expect(failed).toMatchObject({ outcome: 'failure', summary: { firstBadSeq: 3 } });

      await raw.edit(p.database.db, 3, { summary: original });
      expect((await audit.request('POST', '/api/v1/audit/verify')).json().ok).toBe(true);
    });
  });

  describe('HTTP: who accessed my data', () => {
    let p: TestPlatform;
    let policeId: string;
    beforeAll(async () => {
      p = await createTestPlatform(dialect);
      ({ policeId } = await seedBasics(p));
    });
    afterAll(async () => p.destroy());

    async function citizen(idNumber: string, name: string): Promise<Browser> {
      const b = new Browser(p);
      const signUp = await b.request('POST', '/api/v1/auth/citizens', { idNumber, name, password: PASSWORD });
      expect(signUp.statusCode).toBe(201);
      const login = await b.request('POST', '/api/v1/auth/login', { username: idNumber, password: PASSWORD });
      expect(login.statusCode).toBe(200);
      return b;
    }

    it('shows a citizen who read their data, for which organisation, when and why; and nobody else', async () => {
      const aId = makeCitizenId('350102', '1990-05-17', 123);
      const bId = makeCitizenId('350103', '1985-11-02', 456);
      const a = await citizen(aId, '林小明');
      const b = await citizen(bId, '陈小红');

      p.clock.advance(5 * 60_000);
      const readAt = p.clock.now().toISOString();
      const officer: Actor = { type: 'staff', id: 'u-officer', name: '公安民警', orgId: policeId, roles: ['dept-staff'] };
      const seq = await p.database.db.transaction().execute((trx) =>
        p.audit.append(trx, {
          actor: officer,
          action: 'registry.person.read',
          subject: { type: 'person', id: aId },
          dataSubject: `citizen:${aId}`,
          purpose: '户籍业务核验 (household registration check)',
        }),
      );
      await p.audit.record({
        actor: officer,
        action: 'registry.person.read',
        dataSubject: `citizen:${makeCitizenId('350104', '1970-01-01', 7)}`,
        purpose: '其他人',
      });

      const mine = await a.request('GET', '/api/v1/me/data-access');
      expect(mine.statusCode).toBe(200);
      const items = mine.json().items;
      expect(items[0]).toEqual({
        seq,
        occurredAt: readAt,
        accessor: '公安民警',
        accessorType: 'staff',
        orgId: policeId,
        action: 'registry.person.read',
        purpose: '户籍业务核验 (household registration check)',
      });
      // Their own sign-up touched their data too; nothing else does.
      expect(items.map((i: { action: string }) => i.action)).toEqual(['registry.person.read', 'identity.citizen.signup']);

      const theirs = (await b.request('GET', '/api/v1/me/data-access')).json().items;
      expect(theirs.map((i: { action: string }) => i.action)).toEqual(['identity.citizen.signup']);
      expect(JSON.stringify(theirs)).not.toContain('公安民警');

      const paged = (await a.request('GET', `/api/v1/me/data-access?limit=1&beforeSeq=${seq}`)).json().items;
      expect(paged.map((i: { action: string }) => i.action)).toEqual(['identity.citizen.signup']);
    });

    it('is for citizens only', async () => {
      expect((await p.app.inject('/api/v1/me/data-access')).statusCode).toBe(401);
      const { browser } = await staffBrowser(p, 'auditadmin');
      expect((await browser.request('GET', '/api/v1/me/data-access')).statusCode).toBe(403);
    });
  });
});

describe('zhengtong audit verify (CLI)', () => {
  const cliTimeout = 120_000;

  it.runIf(DIALECTS.includes('sqlite'))(
    'exits 0 when intact, 1 with the first bad seq after tampering, 2 when it cannot run (SQLite)',
    async () => {
      const p = await createTestPlatform('sqlite');
      try {
        await appendSamples(p, 8);
        const n = await headSeq(p);
        await p.checkpoint();
        const key = p.keys.publicKeyPath;

        const intact = await runCli(['audit', 'verify', '--db', p.testDb.url, '--public-key', key]);
        expect(intact.stderr).not.toContain('错误 error');
        expect(intact.code).toBe(0);
        expect(intact.stdout).toContain(`${n} 条记录 records, 1 个检查点 checkpoints，签名已校验 signatures verified`);

        // Someone else's key: the checkpoint does not verify.
        const other = await createTestPlatform('sqlite');
        try {
          const wrongKey = await runCli(['audit', 'verify', '--db', p.testDb.url, '--public-key', other.keys.publicKeyPath, '--json']);
          expect(wrongKey.code).toBe(1);
          expect(JSON.parse(wrongKey.stdout)).toMatchObject({ ok: false, firstBadSeq: n });
        } finally {
          await other.destroy();
        }

        await raw.edit(p.database.db, 4, { summary: '{"i":0}' });
        const broken = await runCli(['audit', 'verify', '--db', p.testDb.url, '--public-key', key]);
        expect(broken.code).toBe(1);
        expect(broken.stdout).toContain('chain broken at seq 4');

        const missing = await runCli(['audit', 'verify', '--db', path.join(p.testDb.dataDir, 'nope.db'), '--public-key', key]);
        expect(missing.code).toBe(2);
        expect(missing.stderr).toContain('no database');
        expect(fs.existsSync(path.join(p.testDb.dataDir, 'nope.db'))).toBe(false);

        fs.writeFileSync(path.join(p.testDb.dataDir, 'bad.pub.json'), '{"not":"a key"}');
        const badKey = await runCli(['audit', 'verify', '--db', p.testDb.url, '--public-key', path.join(p.testDb.dataDir, 'bad.pub.json')]);
        expect(badKey.code).toBe(2);
        expect(badKey.stderr).toContain('cannot read the public key');

        // A database without audit tables cannot be verified: that is not a broken chain.
        const empty = path.join(p.testDb.dataDir, 'empty.db');
        fs.writeFileSync(empty, '');
        const noTables = await runCli(['audit', 'verify', '--db', empty]);
        expect(noTables.code).toBe(2);
        expect(noTables.stderr).toContain('cannot verify');
      } finally {
        await p.destroy();
      }
    },
    cliTimeout,
  );

  it.runIf(DIALECTS.includes('postgres'))(
    'verifies a PostgreSQL database: 0 intact, 1 tampered',
    async () => {
      const p = await createTestPlatform('postgres');
      try {
        await appendSamples(p, 5);
        await p.checkpoint();
        const intact = await runCli(['audit', 'verify', '--db', p.testDb.url, '--public-key', p.keys.publicKeyPath, '--json']);
        expect(intact.code).toBe(0);
        expect(JSON.parse(intact.stdout)).toMatchObject({ ok: true, checkpointSignaturesChecked: true });

        await sql`delete from audit_records where seq = 2`.execute(p.database.db);
        const broken = await runCli(['audit', 'verify', '--db', p.testDb.url, '--public-key', p.keys.publicKeyPath, '--json']);
        expect(broken.code).toBe(1);
        expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, firstBadSeq: 2 });
      } finally {
        await p.destroy();
      }
    },
    cliTimeout,
  );
});
