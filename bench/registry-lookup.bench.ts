/**
 * Base registry lookups over HTTP (a real server on 127.0.0.1, bearer session, purpose stated),
 * each recorded as a personal-data access in the hash-chained audit log, beside a raw database
 * point query measured in the same run (STYLE.md §13).
 *
 *   npx tsx bench/registry-lookup.bench.ts [--records=100000] [--connections=32] [--duration=10] [--warmup=2]
 *
 * - (a) raw point query: better-sqlite3 prepared statement on the same file, one after another
 *   (the floor under any lookup: no HTTP, no auth, no audit);
 * - (b) the same point query through the platform's Kysely database, `connections` callers at once;
 * - (h) `GET /healthz` and (s) `GET /api/v1/registries/sources` (bearer session check, policy, one
 *   query, no access record): the platform's own HTTP ceiling on this machine in this run;
 * - (c) GovStack read `POST /api/v1/govstack/data/population/1/read` (purpose in `X-Road-Purpose`):
 *   lookup by key, masked to the reader's right, access recorded;
 * - (d) 核验 `POST /api/v1/registries/population/verify`: claimed name and birth date per key,
 *   match / no-match answered, access recorded;
 * - (c1), (d1): (c) and (d) again with one transaction per access record (`maxBatch = 1`), as
 *   before group commit;
 * - (e) `GET /api/v1/registries/population/records/:key?purpose=…` (one key: the load generator
 *   sends one path).
 * The reader is a staff member of another department than the source (public security), so the
 * personal attributes are masked. Keys rotate over 10,000 records per case. The audit chain must
 * grow by exactly one access record per successful lookup (warm-up included) and verify at the
 * end; any non-200 response or a missing access record makes the exit code 1.
 * The load generator runs in a worker thread (bench/lib/load.ts): its own event loop and heap, so
 * it never shares the server's thread, but on a 2-core machine it takes CPU the server could use.
 * Each HTTP case prints the server thread's event-loop utilization (1 = the server was saturated),
 * the client thread's, and the process's CPU (both threads, % of one core): a case whose server
 * ELU is well under 1 was limited by the client or by the machine, not by the server, and one
 * whose CPU stays far under 100 % while the server ELU is 1 was starved by other processes.
 * `per CPU s`: lookups per second of process CPU (server and client threads together), which
 * moves less with the machine's load than lookups/s.
 * `--profile` samples the server thread's CPU during each HTTP case and splits it by layer
 * (session check, access record, hashing, SQL, Fastify, helmet, serialisation, logging, HTTP…)
 * and by function (slower: figures of such a run are not the ones to report).
 * Figures move with machine load (2 cores shared here): compare figures of one run.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { verifyAuditChain } from '../src/audit/index.js';
import { currentTotp, findOrgByUscc, seedIdentity } from '../src/identity/index.js';
import { POPULATION, type Attributes } from '../src/registries/index.js';
import { makeCitizenId, makeUscc } from '../src/standards/index.js';
import { startCpuProfile, type Frame, type ProfileLayer } from './lib/cpu-profile.js';
import { runLoad, type LoadResult, type LoadSpec } from './lib/load.js';
import { BENCH_PASSWORD, startBenchPlatform } from './lib/platform-fixture.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    cases: { type: 'string', default: 'raw,kysely,healthz,sources,read,verify,get,unbatched' },
    profile: { type: 'boolean', default: false },
  },
});
const records = Number(args.records);
const connections = Number(args.connections);
const durationMs = Number(args.duration) * 1000;
const warmupMs = Number(args.warmup) * 1000;
const cases = new Set(args.cases.split(','));

/**
 * Where a lookup's server time goes, for `--profile`: a sample counts for the first layer that
 * matches a frame of its stack. SQL that runs after an `await` has lost its caller's frames (V8
 * samples carry no async stack), so the queries of the session check, the lookup and the access
 * record's transaction share the SQL layer; only query building in the caller's turn counts there.
 */
const inFile = (re: RegExp) => (f: Frame) => re.test(f.url);
const named = (re: RegExp) => (f: Frame) => re.test(f.functionName);
const LAYERS: ProfileLayer[] = [
  { name: 'audit record: fields, canonical text, hash', match: (f) => inFile(/src\/audit\/audit-(chain|range)\.ts/)(f) || named(/^(toRow|toFields)$/)(f) },
  { name: 'decrypting sealed attributes', match: inFile(/src\/core\/(keys\.ts|crypto\/)/) },
  { name: 'logging (pino)', match: inFile(/node_modules\/(pino|sonic-boom|thread-stream)/) },
  { name: 'session / bearer check', match: (f) => inFile(/src\/identity\//)(f) },
  { name: 'access record write (recorder, audit append)', match: inFile(/src\/(registries\/access-recorder|audit\/)/) },
  { name: 'masking and presenting', match: named(/^(present|maskValue)$/) },
  { name: 'policy', match: inFile(/src\/core\/policy\.ts/) },
  { name: 'registry lookup (routes, service, query building)', match: inFile(/src\/registries\//) },
  {
    name: 'socket writes (node)',
    match: (f) =>
      /^node:(_http_outgoing|net|internal\/(stream_base_commons|streams\/))/.test(f.url) ||
      named(/^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/)(f),
  },
  { name: 'request body JSON parse', match: inFile(/node_modules\/(secure-json-parse|fastify\/lib\/contentTypeParser)/) },
  {
    name: 'response serialisation (fast-json-stringify)',
    match: (f) => inFile(/node_modules\/fast-json-stringify/)(f) || (f.url === '' && /^anonymous/.test(f.functionName)),
  },
  { name: 'schema validation (ajv)', match: (f) => inFile(/node_modules\/ajv/)(f) || (f.url === '' && /^validate/.test(f.functionName)) },
  { name: 'security headers (helmet)', match: inFile(/node_modules\/(@fastify\/)?helmet/) },
  {
    name: 'SQL (Kysely, better-sqlite3)',
    match: (f) => inFile(/node_modules\/(kysely|better-sqlite3)|src\/core\/db\//)(f) || named(/^(all|get|run|prepare)$/)(f),
  },
  { name: 'other Fastify plugins (compress, cookie, rate-limit)', match: inFile(/node_modules\/@fastify\//) },
  { name: 'Fastify core (routing, hooks, reply)', match: inFile(/node_modules\/(fastify|find-my-way|avvio|toad-cache)\//) },
  { name: 'HTTP parsing, other node internals', match: (f) => f.url.startsWith('node:') || named(/^execute$/)(f) },
  { name: 'garbage collector', match: named(/^\(garbage collector\)$/) },
];

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');

const districts = ['350102', '350103', '350104', '350105', '350111', '350112'];
const idOf = (i: number) =>
  makeCitizenId(
    districts[Math.floor(i / 20160) % 6]!,
    `${1940 + (Math.floor(i / 336) % 60)}-${String((Math.floor(i / 28) % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
    Math.floor(i / 120960) % 1000,
  );

async function call<T>(baseUrl: string, method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(baseUrl + url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Password, TOTP enrolment and activation over HTTP: a bearer token with the second factor done. */
async function signIn(baseUrl: string, username: string): Promise<string> {
  const login = await call<{ token: string; mfa: string }>(baseUrl, 'POST', '/api/v1/auth/login', { username, password: BENCH_PASSWORD, mode: 'bearer' });
  const { secret } = await call<{ secret: string }>(baseUrl, 'POST', '/api/v1/auth/totp/enroll', undefined, login.token);
  await call(baseUrl, 'POST', '/api/v1/auth/totp/activate', { code: currentTotp(secret, new Date()) }, login.token);
  return login.token;
}

function latencies(samples: number[]) {
  const s = Float64Array.from(samples).sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return { p50: at(50), p99: at(99) };
}

const bp = await startBenchPlatform({ departments: 2 });
let exit = 0;
try {
  const { platform, baseUrl, port } = bp;
  const admin = bp.token;
  const police = makeUscc('1', '1', '350100', '00310001');
  const other = makeUscc('1', '1', '350100', '00310002');
  await call(baseUrl, 'PUT', '/api/v1/registries/sources/public-security', { orgUscc: police }, admin);
  await seedIdentity(platform.identity, {
    orgs: [{ key: 'dept1', kind: 'department', name: '测试市第2局', uscc: other, regionCode: '350100' }],
    staff: [{ username: 'bench.reader', displayName: '压测核验员', orgKey: 'dept1', roles: ['dept-staff'], password: BENCH_PASSWORD }],
    citizens: [],
    agents: [],
  });
  const policeOrg = (await findOrgByUscc(platform.identity, police))!;
  const writer = { ...SYSTEM_ACTOR, orgId: policeOrg.id, roles: ['dept-staff' as const] };
  const t = performance.now();
  for (let i = 0; i < records; i += 10_000) {
    const batch: Array<{ key: string; attrs: Attributes }> = [];
    for (let j = i; j < Math.min(records, i + 10_000); j++) {
      const id = idOf(j);
      batch.push({
        key: id,
        attrs: { name: `测试${j}`, sex: Number(id[16]) % 2 === 1 ? '1' : '2', birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` },
      });
    }
    await platform.database.db
      .transaction()
      .execute((trx) => platform.registries.service.bulkWriteIn(trx, writer, POPULATION, batch, 'bench', ['public-security']));
  }
  const token = await signIn(baseUrl, 'bench.reader');
  const cpus = os.cpus();
  console.log(
    `zhengtong registry lookup bench — node ${process.version}, ${cpus.length} CPU(s), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `  ${fmt(records)} population records loaded in ${fmt((performance.now() - t) / 1000, 1)} s (SQLite ${bp.dbFile}); ${connections} connections, ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s per case`,
  );

  const picked = Array.from({ length: Math.min(records, 10_000) }, (_, i) => Math.floor((i * records) / Math.min(records, 10_000)));
  const keys = picked.map(idOf);
  const rows: string[][] = [['case', 'lookups/s', 'p50 ms', 'p99 ms', 'errors', 'access records', 'server ELU', 'client ELU', 'CPU %', 'per CPU s']];
  const print = () => {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const [n, r] of rows.entries()) {
      console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
      if (n === 0) console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
    }
  };

  // (a) raw point query on the same file
  if (cases.has('raw')) {
    const raw = new Database(bp.dbFile, { readonly: true });
    const stmt = raw.prepare('select * from registry_records where registry = ? and record_key = ?');
    const samples: number[] = [];
    const until = performance.now() + durationMs;
    let n = 0;
    const start = performance.now();
    while (performance.now() < until) {
      const t0 = performance.now();
      if (!stmt.get('population', keys[n++ % keys.length])) throw new Error('raw lookup missed');
      samples.push(performance.now() - t0);
    }
    const l = latencies(samples);
    rows.push([
      '(a) raw point query (better-sqlite3, 1 caller)',
      fmt((n / (performance.now() - start)) * 1000),
      fmt(l.p50, 3),
      fmt(l.p99, 3),
      '0',
      '–',
      '–',
      '–',
      '–',
      '–',
    ]);
    raw.close();
  }

  // (b) the same through Kysely, `connections` callers
  if (cases.has('kysely')) {
    const db = platform.database.db;
    const samples: number[] = [];
    let n = 0;
    const until = performance.now() + durationMs;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < until) {
          const t0 = performance.now();
          const row = (await db
            .selectFrom('registry_records')
            .selectAll()
            .where('registry', '=', 'population')
            .where('record_key', '=', keys[n++ % keys.length]!)
            .executeTakeFirst()) as unknown;
          if (!row) throw new Error('kysely lookup missed');
          samples.push(performance.now() - t0);
        }
      }),
    );
    const l = latencies(samples);
    rows.push([
      `(b) point query via Kysely (${connections} callers)`,
      fmt((n / (performance.now() - start)) * 1000),
      fmt(l.p50, 3),
      fmt(l.p99, 3),
      '0',
      '–',
      '–',
      '–',
      '–',
      '–',
    ]);
  }

  const audited = async (
    label: string,
    spec: Omit<LoadSpec, 'host' | 'port' | 'connections' | 'warmupMs' | 'durationMs' | 'maxRequests' | 'timeoutMs' | 'client'>,
    recorded = true,
  ) => {
    const before = (await platform.audit.status()).headSeq;
    let profiler: Awaited<ReturnType<typeof startCpuProfile>> | undefined;
    const r: LoadResult = await runLoad(
      {
        host: '127.0.0.1',
        port,
        connections,
        warmupMs,
        durationMs,
        maxRequests: 5_000_000,
        timeoutMs: 10_000,
        client: 'raw',
        ...spec,
      },
      {
        onMeasureStart: async () => {
          if (args.profile) profiler = await startCpuProfile(200, LAYERS);
        },
        onMeasureEnd: async () => {
          if (!profiler) return;
          const p = await profiler.stop();
          console.log(`  profile of ${label}: ${fmt(p.totalMs)} ms; ` + p.byOrigin.map((o) => `${o.name} ${fmt(o.share * 100, 1)}%`).join(' · '));
          console.log('    by layer:');
          for (const l of p.byLayer) console.log(`    ${fmt(l.share * 100, 1).padStart(5)}%  ${l.name}`);
          console.log('    by function (self time):');
          for (const f of p.byFunction.slice(0, 15)) console.log(`    ${fmt(f.share * 100, 1).padStart(5)}%  ${f.name}`);
        },
      },
    );
    const delta = (await platform.audit.status()).headSeq - before;
    const expected = recorded ? r.warmup.ok + r.ok : 0;
    const errors = r.errors + r.warmup.errors;
    if (errors > 0 || delta !== expected) {
      exit = 1;
      console.error(`  ${label}: ${errors} errors, ${delta} access records for ${expected} lookups`, r.errorsByKind, r.errorSamples);
    }
    const audit = !recorded && delta === 0 ? 'none, as designed' : delta === expected ? `${fmt(delta)} ✓` : `${fmt(delta)} ✗ (want ${fmt(expected)})`;
    rows.push([
      label,
      fmt(r.rps),
      fmt(r.latency.p50, 2),
      fmt(r.latency.p99, 2),
      String(errors),
      audit,
      fmt(r.serverElu, 2),
      fmt(r.clientElu, 2),
      fmt(r.cpuPercent),
      fmt(r.rps / (r.cpuPercent / 100)),
    ]);
  };
  const bearer = { authorization: `Bearer ${token}` };
  const recorder = platform.registries.service.accessRecords;
  const batchSize = recorder.maxBatch;
  const readSpec = {
    method: 'POST',
    path: '/api/v1/govstack/data/population/1/read',
    headers: { ...bearer, 'x-road-purpose': encodeURIComponent('社保资格核查 bench') },
    bodies: keys.map((k) => JSON.stringify({ query: { content: { idNumber: k } } })),
  } as const;
  const verifySpec = {
    method: 'POST',
    path: '/api/v1/registries/population/verify',
    headers: bearer,
    bodies: keys.map((k, i) =>
      JSON.stringify({
        key: k,
        purpose: '社保资格核查 bench',
        claims: { name: `测试${picked[i]}`, birthDate: `${k.slice(6, 10)}-${k.slice(10, 12)}-${k.slice(12, 14)}` },
      }),
    ),
  } as const;
  if (cases.has('healthz')) await audited('(h) platform GET /healthz (no auth, no DB)', { method: 'GET', path: '/healthz', headers: {} }, false);
  if (cases.has('sources'))
    await audited(
      '(s) GET /registries/sources (bearer, one query, not audited)',
      { method: 'GET', path: '/api/v1/registries/sources', headers: bearer },
      false,
    );
  if (cases.has('read')) await audited('(c) GovStack read by key (HTTP, audited)', readSpec);
  if (cases.has('verify')) await audited('(d) 核验 verify name+birthDate (HTTP, audited)', verifySpec);
  if (cases.has('unbatched')) {
    // Before group commit: one transaction per access record.
    recorder.maxBatch = 1;
    await audited('(c1) = (c), one transaction per access record', readSpec);
    await audited('(d1) = (d), one transaction per access record', verifySpec);
    recorder.maxBatch = batchSize;
  }
  if (cases.has('get'))
    await audited('(e) GET record by key, one key (HTTP, audited)', {
      method: 'GET',
      path: `/api/v1/registries/population/records/${keys[0]}?purpose=${encodeURIComponent('社保资格核查 bench')}`,
      headers: bearer,
    });

  print();
  const chain = await verifyAuditChain(platform.database.db);
  console.log(`  audit chain: ${chain.ok ? 'verified' : 'BROKEN'} (${fmt(chain.records)} records)`);
  if (!chain.ok) exit = 1;
} finally {
  await bp.close();
}
process.exit(exit);
