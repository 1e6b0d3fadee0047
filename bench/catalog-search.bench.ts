/**
 * Catalog search benchmark: ingest and mixed Chinese queries with facets, beside baselines
 * measured in the same run.
 *
 *   npx tsx bench/catalog-search.bench.ts [resources] [--queries N] [--pg [url]] [--sqlite-cache-kb N]
 *
 * - ingest: `resources` (default 10,000) demo-like records through `importResources` (validation,
 *   code assignment, jieba tokens, audit record, one transaction), resources/s;
 * - search: `--queries` (default 1,000) mixed queries — one or two words, half with a facet
 *   filter, both orders, pages 1–3 — through `searchCatalog` with all seven facet counts, and
 *   again without facets; p50/p95 latency and queries/s;
 * - baseline: the same number of plain indexed lookups of one resource by its code (the cheapest
 *   query the catalog has), and jieba segmentation of the query texts alone.
 *
 * SQLite always; PostgreSQL too with `--pg [url]` or ZT_BENCH_PG_URL (a throw-away database).
 * Figures move with machine load: compare figures of one run, not across runs.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { importResources, queryGroups, sampleCatalog, searchCatalog, type SearchParams } from '../src/catalog/index.js';
import { SYSTEM_ACTOR, type Actor } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { seedDemoCity } from '../src/demo/index.js';
import { createPlatform, type Platform } from '../src/platform.js';
import { buildDemoCity } from '../src/demo/index.js';
import { findOrgByUscc } from '../src/identity/index.js';

const args = process.argv.slice(2);
const num = (flag: string, dflt: number) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]?.replaceAll('_', '')) : dflt;
};
const resources = Number((args.find((a) => /^\d[\d_]*$/.test(a)) ?? '10000').replaceAll('_', ''));
const queries = num('--queries', 1000);
/** `--sqlite-cache-kb N`: override the platform's SQLite page cache, to see what the cache buys. */
const cacheKb = args.includes('--sqlite-cache-kb') ? num('--sqlite-cache-kb', 2000) : undefined;
const pgIndex = args.indexOf('--pg');
const pgUrl =
  pgIndex >= 0 ? (args[pgIndex + 1] && !args[pgIndex + 1]!.startsWith('--') ? args[pgIndex + 1] : process.env.ZT_BENCH_PG_URL) : process.env.ZT_BENCH_PG_URL;

const WORDS = [
  '户籍',
  '人口',
  '企业',
  '登记',
  '身份证',
  '社保',
  '许可',
  '不动产',
  '医疗',
  '学籍',
  '纳税',
  '低保',
  '施工',
  '出生',
  '食品',
  '信用',
  '居住',
  '鼓楼区',
  '明细',
  '统计',
];
const FACETS: Array<Partial<SearchParams>> = [
  {},
  { shareType: 'conditional' },
  { classCode: '1' },
  { formatType: 'api' },
  { updateCycle: 'daily' },
  { openType: 'open' },
];

/** A deterministic mix of queries (LCG, not for secrets). */
function mixedQueries(n: number): SearchParams[] {
  let s = 12345;
  const r = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => {
    const words = [WORDS[Math.floor(r() * WORDS.length)]!];
    if (r() < 0.3) words.push(WORDS[Math.floor(r() * WORDS.length)]!);
    return {
      view: 'sharing',
      q: words.join(' '),
      ...(r() < 0.5 ? FACETS[Math.floor(r() * FACETS.length)] : {}),
      order: r() < 0.8 ? 'relevance' : 'recency',
      limit: 20,
      offset: Math.floor(r() * 3) * 20,
    } as SearchParams;
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number; qps: number }> {
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95), qps: (n / total) * 1000 };
}
const fmt = (x: { p50: number; p95: number; qps: number }) => `p50 ${x.p50.toFixed(2)} ms  p95 ${x.p95.toFixed(2)} ms  ${x.qps.toFixed(0)} q/s`;

async function benchOn(name: string, dbUrl: string, dataDir: string): Promise<void> {
  const config = loadConfig({}, { dataDir, keyDir: path.join(dataDir, 'keys'), dbUrl, logLevel: 'silent', passwordCost: 1024, checkpointIntervalMs: 0 });
  const platform: Platform = await createPlatform(config);
  let label = name;
  try {
    if (cacheKb !== undefined && platform.database.dialect === 'sqlite') {
      await sql.raw(`pragma cache_size = -${Math.floor(cacheKb)}`).execute(platform.database.db);
      label += ` cache ${cacheKb} KB`;
    }
    await seedDemoCity(platform, { citizens: 5, enterprises: 2 });
    const { seed } = buildDemoCity({ citizens: 5, enterprises: 2 });
    const depts = new Map<string, { orgId: string; uscc: string }>();
    for (const o of seed.orgs.filter((x) => x.kind === 'department'))
      depts.set(o.key, { uscc: o.uscc, orgId: (await findOrgByUscc(platform.identity, o.uscc))!.id });
    const rows = sampleCatalog(resources, (k) => depts.get(k)?.uscc ?? '')
      .filter((s) => depts.has(s.department))
      .map((s, i) => ({ row: i + 1, input: s.input, providerOrgId: depts.get(s.department)!.orgId }));

    const t0 = performance.now();
    await importResources(platform.catalog, SYSTEM_ACTOR, { requestId: 'bench' }, rows, { publish: true });
    const ingestMs = performance.now() - t0;
    console.log(`[${label}] ingest ${rows.length} resources: ${(ingestMs / 1000).toFixed(1)} s = ${((rows.length / ingestMs) * 1000).toFixed(0)} resources/s`);

    const staff: Actor = { type: 'staff', id: 'bench', roles: ['dept-staff'], orgId: 'none' };
    const mix = mixedQueries(queries);
    for (let i = 0; i < 20; i++) await searchCatalog(platform.catalog, staff, mix[i]!); // warm up
    const withFacets = await timeEach(mix.length, (i) => searchCatalog(platform.catalog, staff, mix[i]!));
    const noFacets = await timeEach(mix.length, (i) => searchCatalog(platform.catalog, staff, { ...mix[i]!, facets: false }));
    const codes = (await platform.database.db.selectFrom('catalog_resources').select('code').limit(mix.length).execute()).map((r) => r.code as string);
    const lookup = await timeEach(mix.length, (i) =>
      platform.database.db
        .selectFrom('catalog_resources')
        .selectAll()
        .where('code', '=', codes[i % codes.length]!)
        .executeTakeFirst(),
    );
    const segment = await timeEach(mix.length, async (i) => queryGroups(mix[i]!.q ?? ''));
    console.log(`[${label}] search + 7 facets        ${fmt(withFacets)}`);
    console.log(`[${label}] search, no facets        ${fmt(noFacets)}`);
    console.log(`[${label}] baseline: lookup by code ${fmt(lookup)}`);
    console.log(`[${label}] baseline: jieba segment  ${fmt(segment)}`);
  } finally {
    await platform.close();
  }
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-catalog-'));
console.log(`catalog search benchmark: ${resources} resources, ${queries} mixed queries (node ${process.version}, ${os.cpus().length} CPUs)`);
try {
  await benchOn('sqlite', path.join(dataDir, 'platform.db'), dataDir);
  if (pgUrl) {
    const name = `zt_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    try {
      await benchOn('postgres', url.toString(), fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-catalog-pg-')));
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
