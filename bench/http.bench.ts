/**
 * HTTP throughput and latency of the platform, beside a bare Fastify 5 baseline measured in the
 * same run (STYLE.md §13). Real sockets on 127.0.0.1; the load generator is a bounded closed loop
 * in a worker thread, so it does not share the server's event loop (it does share the machine's
 * cores: see the note printed at the top).
 *
 * Cases: the bare baseline; the platform's /healthz (its plugin stack, no auth, no DB); an
 * authenticated read through the whole stack (bearer session check → policy → DB read → response
 * schema) on two endpoints and via an API key; and an audited write (PATCH a user's name: session
 * check → policy → transaction with the change and its hash-chained audit record). Plain reads
 * write no audit record — only state changes and personal-data accesses do — and the run checks
 * that: the audit chain must grow by exactly one record per successful PATCH and not at all for
 * the reads, and must verify at the end. Every response must be a 200; anything else is counted,
 * printed, and makes the exit code 1.
 *
 * Usage: npx tsx bench/http.bench.ts [--duration=10] [--warmup=2] [--connections=16]
 *          [--cases=base,healthz,orgs,user,user-apikey,patch,base-again] [--client=raw|http]
 *          [--profile] [--profile-duration=3] [--breakdown=1 (s per item; 0 = skip)]
 *          [--experiment-statement-cache (memoizes better-sqlite3 prepare(): what a statement cache would gain)]
 * (or `npm run bench:http -- --duration=3`). Never part of the test suite.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../src/audit/index.js';
import { startBareFastify } from './lib/bare-server.js';
import { measureBreakdown } from './lib/breakdown.js';
import { startCpuProfile, type ProfileSummary } from './lib/cpu-profile.js';
import { runLoad, type LoadResult, type LoadSpec } from './lib/load.js';
import { startBenchPlatform, type BenchPlatform } from './lib/platform-fixture.js';
import { enableStatementCache, sqlStatementsDuring } from './lib/sqlite-prepare.js';

interface BenchCase {
  id: string;
  label: string;
  server: 'bare' | 'platform';
  method: LoadSpec['method'];
  path: string;
  headers: Record<string, string>;
  bodies?: string[];
  /** Each successful request must append exactly one audit record (otherwise none). */
  audited: boolean;
}

interface CaseOutcome {
  c: BenchCase;
  result: LoadResult;
  bodyBytes: number;
  statements: string[];
  auditDelta: number;
  auditExpected: number;
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '16' },
    cases: { type: 'string' },
    client: { type: 'string', default: 'raw' },
    'max-requests': { type: 'string', default: '5000000' },
    timeout: { type: 'string', default: '10' },
    profile: { type: 'boolean', default: false },
    'profile-duration': { type: 'string', default: '3' },
    breakdown: { type: 'string', default: '1' },
    'experiment-statement-cache': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function num(name: string, raw: string | undefined, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}–${max} (got ${raw})`);
  return n;
}

const shortSql = (sql: string): string => {
  const verb = sql.trim().split(/\s+/)[0]!.toLowerCase();
  const table = /(?:from|update|into)\s+"?(\w+)"?/i.exec(sql)?.[1] ?? '';
  return `${verb}${/count\(/i.test(sql) ? ' count' : ''} ${table}`.trim();
};

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';

function table(rows: string[][], align: Array<'l' | 'r'>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((cell, i) => (align[i] === 'l' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function printProfile(label: string, p: ProfileSummary): void {
  console.log(`\n  ${label} — server thread CPU ${fmt(p.totalMs)} ms (idle excluded)`);
  console.log('    by origin:   ' + p.byOrigin.map((o) => `${o.name} ${fmt(o.share * 100, 1)}%`).join(' · '));
  console.log('    top self time:');
  for (const f of p.byFunction.slice(0, 12)) console.log(`      ${fmt(f.share * 100, 1).padStart(5)}%  ${f.name}`);
}

async function main(): Promise<number> {
  if (args.help) {
    console.log(
      'npx tsx bench/http.bench.ts [--duration=s] [--warmup=s] [--connections=n] [--cases=a,b] [--client=raw|http] [--profile] [--profile-duration=s] [--breakdown=s] [--experiment-statement-cache]',
    );
    return 0;
  }
  const durationMs = num('duration', args.duration, 0.5, 600) * 1000;
  const warmupMs = num('warmup', args.warmup, 0, 60) * 1000;
  const connections = Math.round(num('connections', args.connections, 1, 256));
  const maxRequests = Math.round(num('max-requests', args['max-requests'], 1000, 20_000_000));
  const timeoutMs = num('timeout', args.timeout, 1, 60) * 1000;
  const profileMs = num('profile-duration', args['profile-duration'], 0.5, 60) * 1000;
  const breakdownMs = num('breakdown', args.breakdown, 0, 30) * 1000;
  if (args.client !== 'raw' && args.client !== 'http') throw new Error('--client must be raw or http');
  const client = args.client;
  if (args['experiment-statement-cache']) enableStatementCache();

  const cpus = os.cpus();
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `zhengtong HTTP bench — node ${process.version}, ${os.platform()}/${os.arch()}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? '?'}), load average ${load()}`,
  );
  console.log(
    `  ${connections} connections, closed loop, ${warmupMs / 1000} s warm-up + ${durationMs / 1000} s measured per case, client: ${client === 'raw' ? 'raw HTTP/1.1 over net (keep-alive)' : 'node:http keep-alive agent'}`,
  );
  console.log(
    `  Server and load generator run in one process on separate threads (main thread = server, worker = client).` +
      (cpus.length <= 2
        ? `\n  NOTE: only ${cpus.length} cores — the client, the server, GC and libuv share them, so absolute figures are lower than on a real server and the baseline may be client-bound (see client ELU).`
        : ''),
  );

  if (args['experiment-statement-cache'])
    console.log('  EXPERIMENT: better-sqlite3 prepare() is memoized in this run (a prepared-statement cache) — not the platform as shipped.');

  let bp: BenchPlatform | undefined;
  let bare: Awaited<ReturnType<typeof startBareFastify>> | undefined;
  const cleanup = async () => {
    await bare?.app.close().catch(() => undefined);
    bare = undefined;
    await bp?.close().catch(() => undefined);
    bp = undefined;
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const t0 = Date.now();
    bp = await startBenchPlatform();
    console.log(`  platform: SQLite in ${bp.dataDir}, signed in as bench.admin (bearer, TOTP done) in ${Date.now() - t0} ms`);

    // The baseline returns the same JSON the primary authenticated read returns.
    const orgsPath = '/api/v1/orgs?limit=20';
    const orgsRes = await fetch(bp.baseUrl + orgsPath, { headers: { authorization: `Bearer ${bp.token}` } });
    const orgsBody = (await orgsRes.json()) as { items: unknown[]; total: number };
    if (orgsRes.status !== 200 || orgsBody.items.length !== 20) throw new Error(`orgs preflight: ${orgsRes.status} ${JSON.stringify(orgsBody).slice(0, 200)}`);
    bare = await startBareFastify(orgsBody);

    const bearer = { authorization: `Bearer ${bp.token}` };
    const userPath = `/api/v1/users/${bp.targetUserId}`;
    const all: BenchCase[] = [
      { id: 'base', label: 'bare Fastify GET (same JSON as orgs)', server: 'bare', method: 'GET', path: '/bench', headers: {}, audited: false },
      { id: 'healthz', label: 'platform GET /healthz (no auth, no DB)', server: 'platform', method: 'GET', path: '/healthz', headers: {}, audited: false },
      { id: 'orgs', label: 'GET /orgs?limit=20 (bearer)', server: 'platform', method: 'GET', path: orgsPath, headers: bearer, audited: false },
      { id: 'user', label: 'GET /users/:id (bearer)', server: 'platform', method: 'GET', path: userPath, headers: bearer, audited: false },
      {
        id: 'user-apikey',
        label: 'GET /users/:id (API key)',
        server: 'platform',
        method: 'GET',
        path: userPath,
        headers: { 'x-api-key': bp.apiKey },
        audited: false,
      },
      {
        id: 'patch',
        label: 'PATCH /users/:id name (bearer, audited)',
        server: 'platform',
        method: 'PATCH',
        path: userPath,
        headers: bearer,
        bodies: [JSON.stringify({ displayName: '压测对象甲' }), JSON.stringify({ displayName: '压测对象乙' })],
        audited: true,
      },
      { id: 'base-again', label: 'bare Fastify again (drift check)', server: 'bare', method: 'GET', path: '/bench', headers: {}, audited: false },
    ];
    const wanted = args.cases?.split(',').map((s) => s.trim());
    const unknown = wanted?.filter((w) => !all.some((c) => c.id === w)) ?? [];
    if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; known: ${all.map((c) => c.id).join(', ')}`);
    const cases = wanted ? all.filter((c) => wanted.includes(c.id)) : all;

    const specOf = (c: BenchCase, duration: number, warmup: number): LoadSpec => ({
      host: '127.0.0.1',
      port: c.server === 'bare' ? bare!.port : bp!.port,
      method: c.method,
      path: c.path,
      headers: c.headers,
      ...(c.bodies ? { bodies: c.bodies } : {}),
      connections,
      warmupMs: warmup,
      durationMs: duration,
      maxRequests,
      timeoutMs,
      client,
    });
    const headSeq = async () => (await bp!.platform.audit.status()).headSeq;

    const outcomes: CaseOutcome[] = [];
    for (const c of cases) {
      // Preflight: one request by fetch, checked, with the SQL it runs.
      const port = c.server === 'bare' ? bare.port : bp.port;
      let status = 0;
      let bodyBytes = 0;
      const before = await headSeq();
      const statements = await sqlStatementsDuring(async () => {
        const res = await fetch(`http://127.0.0.1:${port}${c.path}`, {
          method: c.method,
          headers: { ...c.headers, ...(c.bodies ? { 'content-type': 'application/json' } : {}) },
          ...(c.bodies ? { body: c.bodies[0] } : {}),
        });
        status = res.status;
        bodyBytes = (await res.arrayBuffer()).byteLength;
      });
      if (status !== 200) throw new Error(`preflight ${c.id}: HTTP ${status}`);
      const afterPreflight = await headSeq();
      if (afterPreflight - before !== (c.audited ? 1 : 0)) throw new Error(`preflight ${c.id}: audit chain grew by ${afterPreflight - before}`);

      process.stdout.write(`  running ${c.id.padEnd(11)} ${c.label} … `);
      const result = await runLoad(specOf(c, durationMs, warmupMs));
      const auditDelta = (await headSeq()) - afterPreflight;
      const auditExpected = c.audited ? result.warmup.ok + result.ok : 0;
      outcomes.push({ c, result, bodyBytes, statements, auditDelta, auditExpected });
      console.log(`${fmt(result.rps)} req/s, ${result.errors + result.warmup.errors} errors`);
    }

    const base = outcomes.find((o) => o.c.id === 'base') ?? outcomes.find((o) => o.c.server === 'bare');
    console.log(`\nResults (${durationMs / 1000} s per case, ${connections} connections; ratios against "${base?.c.id ?? 'no baseline'}"):\n`);
    const rows = [
      ['case', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'req/s ÷ base', 'p50 × base', 'body B', 'errors', 'server ELU', 'client ELU', 'CPU %'],
    ];
    for (const o of outcomes) {
      const r = o.result;
      rows.push([
        `${o.c.id}: ${o.c.label}`,
        fmt(r.rps),
        fmt(r.latency.p50, 2),
        fmt(r.latency.p90, 2),
        fmt(r.latency.p99, 2),
        fmt(r.latency.max, 1),
        base ? fmt(r.rps / base.result.rps, 3) : '–',
        base ? `${fmt(r.latency.p50 / base.result.latency.p50, 1)}×` : '–',
        fmt(o.bodyBytes),
        fmt(r.errors + r.warmup.errors),
        fmt(r.serverElu, 2),
        fmt(r.clientElu, 2),
        fmt(r.cpuPercent),
      ]);
    }
    console.log(table(rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']));
    console.log(
      '\n  ELU = event-loop utilization over the measured window (1.00 = that thread was saturated); CPU % = whole process, 100 = one core.' +
        '\n  Latency is per request, from writing the request to the last byte of the response, as seen by the client.',
    );

    const again = outcomes.find((o) => o.c.id === 'base-again');
    if (base && again) {
      const drift = again.result.rps / base.result.rps - 1;
      console.log(
        `  Baseline drift between first and last case: ${drift >= 0 ? '+' : ''}${fmt(drift * 100, 1)}%` +
          (Math.abs(drift) > 0.15 ? ' — the machine was not steady (other load?); compare ratios with care or re-run.' : ' (steady).'),
      );
    }
    console.log(`  Load average now: ${load()} on ${cpus.length} CPU(s).`);

    console.log(
      `\nSQL per request (one preflight request each; ${args['experiment-statement-cache'] ? 'prepare() calls, served from the experimental cache' : 'Kysely prepares every statement anew on better-sqlite3'}; the session touch is at most once a minute):`,
    );
    for (const o of outcomes.filter((x) => x.c.server === 'platform'))
      console.log(`  ${o.c.id.padEnd(11)} ${String(o.statements.length).padStart(2)}: ${o.statements.map(shortSql).join(' · ') || '—'}`);

    let failed = false;
    console.log('\nCorrectness:');
    for (const o of outcomes) {
      const r = o.result;
      const total = r.ok + r.errors + r.warmup.ok + r.warmup.errors;
      const errs = r.errors + r.warmup.errors;
      const auditOk = o.auditDelta === o.auditExpected;
      if (errs > 0 || !auditOk) failed = true;
      console.log(
        `  ${o.c.id.padEnd(11)} ${fmt(total)} responses (${fmt(r.warmup.ok + r.warmup.errors)} warm-up), ${errs === 0 ? 'all 200' : `${fmt(errs)} NOT 200`}` +
          (o.c.server === 'platform' ? `; audit chain +${fmt(o.auditDelta)} (expected ${fmt(o.auditExpected)}${auditOk ? ', ok' : ', MISMATCH'})` : ''),
      );
      if (errs > 0) {
        for (const [kind, n] of Object.entries(r.errorsByKind)) console.log(`      ${kind}: ${fmt(n)}`);
        for (const s of r.errorSamples) console.log(`      e.g. ${s}`);
      }
    }
    const verify = await verifyAuditChain(bp.platform.database.db);
    if (!verify.ok) failed = true;
    console.log(`  audit chain verifies: ${verify.ok ? 'yes' : `NO — ${verify.reason ?? ''}`} (${fmt(verify.records)} records)`);
    console.log('  (reads write no audit record by design: only state changes and personal-data accesses are audited.)');

    if (breakdownMs > 0) {
      console.log(`\nServer-side cost per call, in-process, one call at a time (no HTTP, no concurrency; ~${breakdownMs / 1000} s each):`);
      for (const r of await measureBreakdown(bp, breakdownMs, { statementCacheOn: args['experiment-statement-cache'] }))
        console.log(`  ${fmt(r.us, 1).padStart(8)} µs  ${r.label}`);
    }

    if (args.profile) {
      console.log(`\nCPU profile of the server thread, ${profileMs / 1000} s per case (a separate pass; its figures are not the ones above):`);
      for (const c of cases.filter((x) => x.id !== 'base-again')) {
        let profiler: Awaited<ReturnType<typeof startCpuProfile>> | undefined;
        let summary: ProfileSummary | undefined;
        const r = await runLoad(specOf(c, profileMs, Math.min(warmupMs, 1000)), {
          onMeasureStart: async () => {
            profiler = await startCpuProfile();
          },
          onMeasureEnd: async () => {
            summary = await profiler?.stop();
          },
        });
        if (summary) printProfile(`${c.id} (${fmt(r.rps)} req/s while profiled)`, summary);
      }
    }

    console.log(failed ? '\nFAILED: see the correctness section.' : '\nOK.');
    return failed ? 1 : 0;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
