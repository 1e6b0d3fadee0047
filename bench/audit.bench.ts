/**
 * Audit chain benchmark: append rates and full-chain verification, each beside its baseline.
 *
 *   npx tsx bench/audit.bench.ts [records] [--pg [url]] [--sm3-records N] [--single N] [--batch N]
 *
 * - (a) append, one record per transaction (AuditLog.append);
 * - (b) append in batches of 100 (AuditLog.appendMany);
 * - (c) verifyAuditChain over `records` records (default 1,000,000; built with appendMany,
 *   10,000 per transaction);
 * - (d) the raw hash rate of the same bytes: the canonical text (`body`) of those records, hashed
 *   with the chain's algorithm in a tight loop (the digest function the verifier uses), measured
 *   in the same run. No verifier can beat it; the goal is verification ≥ 50 % of it;
 * - (e) reading the same rows through Kysely in the verifier's pages, without hashing: what the
 *   database driver alone costs, the other floor under (c);
 * - (f) SQLite only: reading them straight from better-sqlite3 as arrays, the fastest way any
 *   verifier could get the values into JavaScript.
 *
 * SQLite always; PostgreSQL too with `--pg [url]` or ZT_BENCH_PG_URL (a throw-away database is
 * created on that server and dropped afterwards). An SM3 chain (国密 suite) of
 * `--sm3-records` records (default 200,000; 0 skips it) is measured on SQLite too.
 * Figures move with machine load: compare figures of one run, not across runs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  AuditLog,
  auditBodyMigration,
  auditMigration,
  chainDigest,
  verifyAuditChain,
  type AuditEntry,
  type AuditHashAlg,
  type AuditChainRow,
} from '../src/audit/index.js';
import type { Actor } from '../src/core/actor.js';
import { systemClock } from '../src/core/clock.js';
import { openDatabase, type Database, type Dialect } from '../src/core/db/database.js';
import { migrateToLatest } from '../src/core/db/migrate.js';

interface Options {
  records: number;
  single: number;
  batch: number;
  pgUrl: string | undefined;
  sm3Records: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { records: 1_000_000, single: 5_000, batch: 100_000, pgUrl: process.env.ZT_BENCH_PG_URL, sm3Records: 200_000 };
  const count = (v: string | undefined, name: string): number => {
    const n = Number(v?.replaceAll('_', ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} should be a whole number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--pg') opts.pgUrl = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i] : (opts.pgUrl ?? 'postgres://zt:zt@127.0.0.1:5432/postgres');
    else if (a === '--sm3-records') opts.sm3Records = count(argv[++i], '--sm3-records');
    else if (a === '--single') opts.single = count(argv[++i], '--single');
    else if (a === '--batch') opts.batch = count(argv[++i], '--batch');
    else if (/^[\d_]+$/.test(a)) opts.records = count(a, 'records');
    else throw new Error(`unknown argument ${a}`);
  }
  if (opts.records < 1) throw new Error('records should be at least 1');
  opts.single = Math.min(opts.single, opts.records);
  opts.batch = Math.min(opts.batch, opts.records);
  return opts;
}

// Realistic records: a few hundred bytes each, Chinese text, varied actors and subjects.
const ACTORS: Actor[] = [
  { type: 'staff', id: 'u-0001', name: '窗口办事员', orgId: 'org-hall', roles: ['dept-staff'] },
  { type: 'staff', id: 'u-0002', name: '公安民警', orgId: 'org-police', roles: ['dept-staff'] },
  { type: 'citizen', id: 'u-0003', name: '林小明', roles: [] },
  { type: 'system', name: 'zhengtong', roles: [] },
];
const ACTIONS = ['auth.login', 'workflow.case.submit', 'registry.person.read', 'catalog.resource.update', 'exchange.call'];

function entryOf(i: number): AuditEntry {
  const actor = ACTORS[i % ACTORS.length]!;
  const personal = i % 5 === 2;
  return {
    actor,
    action: ACTIONS[i % ACTIONS.length]!,
    subject: { type: 'case', id: `case-${(i * 7919).toString(36).padStart(8, '0')}` },
    outcome: i % 50 === 0 ? 'failure' : 'success',
    summary: { step: i % 12, note: `办件第 ${i} 步：材料已核验`, fields: ['name', 'idNumber', 'address'] },
    context: {
      requestId: `0f8c${(i >>> 0).toString(16).padStart(8, '0')}-1d2e-4f3a-9b8c-7d6e5f4a3b2c`,
      clientIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    },
    ...(personal ? { dataSubject: `citizen:35010219900517${String(i % 1000).padStart(3, '0')}X`, purpose: '户籍业务核验' } : {}),
  };
}

interface Bench {
  database: Database;
  audit: AuditLog;
  label: string;
  /** The database URL (the parallel verifier's workers open their own connections). */
  url: string;
  /** The SQLite file, for the driver-only reading figure. */
  sqliteFile?: string;
  drop(): Promise<void>;
}

async function openBench(dialect: Dialect, alg: AuditHashAlg, pgUrl?: string): Promise<Bench> {
  let url: string;
  let drop: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-'));
    url = path.join(dir, 'audit.db');
    drop = async () => fs.rmSync(dir, { recursive: true, force: true });
  } else {
    const name = `zt_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(pgUrl!);
    u.pathname = `/${name}`;
    url = u.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const database = await openDatabase(url);
  await migrateToLatest(database.db, database.dialect, [auditMigration, auditBodyMigration]);
  const audit = new AuditLog(database.db, database.dialect, systemClock);
  await audit.init(alg);
  return {
    database,
    audit,
    url,
    label: `${dialect}/${alg}`,
    ...(dialect === 'sqlite' ? { sqliteFile: url } : {}),
    drop: async () => {
      await database.close();
      await drop();
    },
  };
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

interface Row {
  run: string;
  measure: string;
  records: number;
  seconds: number;
  rate: number;
}

async function appendSingle(b: Bench, n: number, offset: number): Promise<Row> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await b.database.db.transaction().execute((trx) => b.audit.append(trx, entryOf(offset + i)));
  const s = seconds(t);
  return { run: b.label, measure: '(a) append, 1 per transaction', records: n, seconds: s, rate: n / s };
}

async function appendBatches(b: Bench, n: number, offset: number, batch: number, measure: string): Promise<Row> {
  const t = process.hrtime.bigint();
  for (let done = 0; done < n;) {
    const size = Math.min(batch, n - done);
    const entries = Array.from({ length: size }, (_, i) => entryOf(offset + done + i));
    await b.database.db.transaction().execute((trx) => b.audit.appendMany(trx, entries));
    done += size;
  }
  const s = seconds(t);
  return { run: b.label, measure, records: n, seconds: s, rate: n / s };
}

async function verify(b: Bench, total: number, workers = 1): Promise<Row> {
  const t = process.hrtime.bigint();
  const result = await verifyAuditChain(b.database.db, workers > 1 ? { parallel: { dbUrl: b.url, workers } } : {});
  const s = seconds(t);
  if (!result.ok || result.records !== total) throw new Error(`verification failed: ${JSON.stringify(result)}`);
  const measure = workers > 1 ? `(c${workers}) verifyAuditChain, ${workers} worker threads` : '(c) verifyAuditChain, one thread';
  return { run: b.label, measure, records: total, seconds: s, rate: total / s };
}

/** Reads the chain in the verifier's keyset pages and hands each page to `each`. */
async function forEachPage(b: Bench, each: (rows: ChainRow[]) => void): Promise<number> {
  let n = 0;
  for (let after = 0; ;) {
    const rows = (await b.database.db
      .selectFrom('audit_records')
      .select(['seq', 'body', 'hash'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute()) as ChainRow[];
    if (rows.length === 0) return n;
    each(rows);
    n += rows.length;
    after = rows[rows.length - 1]!.seq;
  }
}

/** The verifier's default page size (audit-verify.ts). */
const PAGE = 2000;

type ChainRow = AuditChainRow;

/**
 * (d) The bytes the verifier hashes: each record's canonical text (`body`), read outside the
 * timed loop a page at a time (memory stays flat, the strings die young as the verifier's do),
 * then hashed with the chain's digest function, one digest per record, as any verifier must.
 */
async function rawHash(b: Bench, alg: AuditHashAlg): Promise<Row> {
  const digest = chainDigest(alg);
  let timed = 0n;
  let mismatches = 0;
  const n = await forEachPage(b, (rows) => {
    const strings = rows.map((r) => r.body);
    const hashes = new Array<string>(strings.length);
    const t = process.hrtime.bigint();
    for (let i = 0; i < strings.length; i++) hashes[i] = digest(strings[i]!);
    timed += process.hrtime.bigint() - t;
    for (let i = 0; i < rows.length; i++) if (hashes[i] !== rows[i]!.hash) mismatches++;
  });
  if (mismatches > 0) throw new Error(`${mismatches} hashes differ: the baseline is not hashing the chain's bytes`);
  const s = Number(timed) / 1e9;
  return { run: b.label, measure: '(d) raw hash of the same bytes', records: n, seconds: s, rate: n / s };
}

/**
 * (d2) SQLite/SHA-256 only: the raw hash rate with `threads` threads, the baseline for the
 * verifier's worker threads (c2): each thread loads its half of the bodies first (not timed), then
 * all hash at once; the figure is records over the wall time from the start signal to the last
 * thread's end.
 */
async function rawHashThreads(b: Bench, alg: AuditHashAlg, total: number, threads: number): Promise<Row | undefined> {
  if (!b.sqliteFile || alg !== 'sha256') return undefined;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const crypto = require('node:crypto');
    const SQLite = require(workerData.sqliteModule);
    const db = new SQLite(workerData.file, { readonly: true });
    const bodies = db.prepare('select body from audit_records where seq between ? and ? order by seq').pluck().all(workerData.from, workerData.to);
    db.close();
    parentPort.postMessage('loaded');
    parentPort.once('message', () => {
      let n = 0;
      for (const body of bodies) if (crypto.hash('sha256', body, 'hex').length === 64) n++;
      parentPort.postMessage(n);
    });`;
  const sqliteModule = createRequire(import.meta.url).resolve('better-sqlite3');
  const size = Math.ceil(total / threads);
  const workers = Array.from(
    { length: threads },
    (_, i) => new Worker(code, { eval: true, workerData: { file: b.sqliteFile, sqliteModule, from: i * size + 1, to: Math.min(total, (i + 1) * size) } }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))));
    const t = process.hrtime.bigint();
    const counts = await Promise.all(
      workers.map((w) => {
        const done = new Promise<number>((resolve, reject) => w.once('message', resolve).once('error', reject));
        w.postMessage('go');
        return done;
      }),
    );
    const s = seconds(t);
    const n = counts.reduce((a, c) => a + c, 0);
    if (n !== total) throw new Error(`the ${threads} hashing threads hashed ${n} of ${total} records`);
    return { run: b.label, measure: `(d${threads}) raw hash, ${threads} threads`, records: n, seconds: s, rate: n / s };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** (e) The rows alone: the same pages through Kysely, nothing computed. */
async function readOnly(b: Bench): Promise<Row> {
  const t = process.hrtime.bigint();
  const n = await forEachPage(b, () => undefined);
  const s = seconds(t);
  return { run: b.label, measure: '(e) read rows only (Kysely)', records: n, seconds: s, rate: n / s };
}

/**
 * (f) SQLite only: the same pages read straight from better-sqlite3 as arrays (`raw()` mode), no
 * Kysely and no row objects: the fastest any reader of this file can get the values into JS.
 */
function readRawArrays(b: Bench): Row | undefined {
  if (!b.sqliteFile) return undefined;
  const sqlite = new SQLite(b.sqliteFile, { readonly: true });
  try {
    const stmt = sqlite.prepare('select seq, body, hash from audit_records where seq > ? order by seq limit ?').raw(true);
    const t = process.hrtime.bigint();
    let n = 0;
    for (let after = 0; ;) {
      const rows = stmt.all(after, PAGE) as unknown[][];
      if (rows.length === 0) break;
      n += rows.length;
      after = rows[rows.length - 1]![0] as number;
    }
    const s = seconds(t);
    return { run: b.label, measure: '(f) read rows, better-sqlite3 arrays', records: n, seconds: s, rate: n / s };
  } finally {
    sqlite.close();
  }
}

async function runOne(dialect: Dialect, alg: AuditHashAlg, records: number, opts: Options, withAppends: boolean): Promise<Row[]> {
  const b = await openBench(dialect, alg, opts.pgUrl);
  const rows: Row[] = [];
  const progress = (text: string) => process.stderr.write(`[${b.label}] ${text}\n`);
  try {
    let n = 0;
    if (withAppends) {
      const single = Math.min(opts.single, records);
      progress(`(a) ${single} single appends…`);
      rows.push(await appendSingle(b, single, n));
      n += single;
      const batch = Math.min(opts.batch, records - n);
      if (batch > 0) {
        progress(`(b) ${batch} appends in batches of 100…`);
        rows.push(await appendBatches(b, batch, n, 100, '(b) append, batches of 100'));
        n += batch;
      }
    }
    if (records > n) {
      progress(`building the chain to ${records} records (10,000 per transaction)…`);
      rows.push(await appendBatches(b, records - n, n, 10_000, '    build, batches of 10,000'));
      n = records;
    }
    progress('(c) verifying…');
    rows.push(await verify(b, n));
    if (os.availableParallelism() > 1) {
      progress('(c2) verifying with 2 worker threads…');
      rows.push(await verify(b, n, 2));
    }
    progress('(d) raw hash…');
    rows.push(await rawHash(b, alg));
    if (os.availableParallelism() > 1) {
      progress('(d2) raw hash, 2 threads…');
      const two = await rawHashThreads(b, alg, n, 2);
      if (two) rows.push(two);
    }
    progress('(e) read only…');
    rows.push(await readOnly(b));
    const arrays = readRawArrays(b);
    if (arrays) rows.push(arrays);
    return rows;
  } finally {
    await b.drop();
  }
}

function printTable(rows: Row[]): void {
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const header = ['run', 'measure', 'records', 'seconds', 'records/s'];
  const body = rows.map((r) => [r.run, r.measure, fmt(r.records), r.seconds.toFixed(2), fmt(r.rate)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`audit chain benchmark — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load()}`);
  const runs: Array<[Dialect, AuditHashAlg, number, boolean]> = [['sqlite', 'sha256', opts.records, true]];
  if (opts.sm3Records > 0) runs.push(['sqlite', 'sm3', opts.sm3Records, false]);
  if (opts.pgUrl) runs.push(['postgres', 'sha256', opts.records, true]);
  const rows: Row[] = [];
  for (const [dialect, alg, records, withAppends] of runs) rows.push(...(await runOne(dialect, alg, records, opts, withAppends)));
  console.log();
  printTable(rows);
  console.log();
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  for (const label of [...new Set(rows.map((r) => r.run))]) {
    const rate = (prefix: string) => rows.find((r) => r.run === label && r.measure.startsWith(prefix))?.rate ?? NaN;
    const ratio = rate('(c)') / rate('(d)');
    console.log(
      `${label}: verification / raw hash = ${pct(ratio)} (goal ≥ 50 %: ${ratio >= 0.5 ? 'met' : 'NOT met'}); ` +
        `verification / reading alone (Kysely) = ${pct(rate('(c)') / rate('(e)'))}`,
    );
    const two = rate('(c2)') / rate('(d)');
    if (!Number.isNaN(two)) {
      console.log(`  with 2 worker threads: verification / raw hash (one thread) = ${pct(two)} (goal ≥ 50 %: ${two >= 0.5 ? 'met' : 'NOT met'})`);
      const twoByTwo = rate('(c2)') / rate('(d2)');
      if (!Number.isNaN(twoByTwo)) console.log(`  with 2 worker threads: verification / raw hash with 2 threads = ${pct(twoByTwo)}`);
    }
    // A one-thread verifier must both read and hash each record: 1 / (1/read + 1/hash) at best.
    const fastestRead = Math.max(rate('(e)'), rate('(f)') || 0);
    const ceiling = 1 / (1 / fastestRead + 1 / rate('(d)'));
    console.log(`  ceiling of any one-thread verifier (fastest read + raw hash) = ${pct(ceiling / rate('(d)'))} of raw hash`);
  }
  console.log(`\nload average at the end ${load()}. Figures move with machine load (other processes, CPU frequency): compare within one run.`);
}

await main();
