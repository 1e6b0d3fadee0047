/**
 * Base registry benchmark: bulk load and batch verification (核验), each beside a baseline.
 *
 *   npx tsx bench/registry-verify.bench.ts [rows]      (default 200,000; the goal is 1,000,000)
 *
 * - (a) load `rows` population records through RegistryService.bulkWriteIn (validation skipped:
 *   the import's pass 2 — log entries with leaf hashes, sealed attributes, record rows), 10,000
 *   per transaction, on SQLite;
 * - (b) baseline: parse the verification CSV with csv-parse alone (no lookups), in the same run;
 * - (c) verifyBatch over the same CSV (name + birth date claimed per row), with peak RSS
 *   sampled during the run to show memory stays flat.
 * Figures move with machine load: compare figures of one run, not across runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { createPlatform } from '../src/platform.js';
import { POPULATION, verifyBatch, type Attributes } from '../src/registries/index.js';
import { makeCitizenId } from '../src/standards/index.js';

const rows = Number(process.argv[2] ?? 200_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-registry-'));
const platform = await createPlatform(
  loadConfig({}, { dataDir: dir, keyDir: path.join(dir, 'keys'), dbUrl: path.join(dir, 'platform.db'), logLevel: 'silent', checkpointIntervalMs: 0 }),
);
const service = platform.registries.service;
const orgId = 'bench-police';
await platform.database.db
  .insertInto('registry_source_bindings')
  .values({ source: 'public-security', org_id: orgId, org_name: '基准测试公安局', org_uscc: '11350100003100017X', updated_at: new Date().toISOString() })
  .execute();
const actor = { ...SYSTEM_ACTOR, orgId, roles: ['dept-staff' as const] };

const districts = ['350102', '350103', '350104', '350105', '350111', '350112'];
const idOf = (i: number) => {
  const day = i % 28;
  const month = Math.floor(i / 28) % 12;
  const year = 1940 + (Math.floor(i / 336) % 60);
  return makeCitizenId(
    districts[Math.floor(i / 20160) % 6]!,
    `${year}-${String(month + 1).padStart(2, '0')}-${String(day + 1).padStart(2, '0')}`,
    Math.floor(i / 120960) % 1000,
  );
};

// (a) load
let t = performance.now();
for (let i = 0; i < rows; i += 10_000) {
  const batch: Array<{ key: string; attrs: Attributes }> = [];
  for (let j = i; j < Math.min(rows, i + 10_000); j++) {
    const id = idOf(j);
    batch.push({
      key: id,
      attrs: {
        name: `测试${j}`,
        sex: Number(id[16]) % 2 === 1 ? '1' : '2',
        birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
        householdAddress: `福州市鼓楼区${j}号`,
      },
    });
  }
  await platform.database.db.transaction().execute((trx) => service.bulkWriteIn(trx, actor, POPULATION, batch, 'bench', ['public-security']));
}
const loadRate = rows / ((performance.now() - t) / 1000);

const csv = path.join(dir, 'verify.csv');
const out = fs.createWriteStream(csv);
out.write('idNumber,name,birthDate\n');
for (let j = 0; j < rows; j++) {
  const id = idOf(j);
  if (!out.write(`${id},测试${j},${id.slice(6, 10)}-${id.slice(10, 12)}-${j % 10 === 0 ? '01' : id.slice(12, 14)}\n`))
    await new Promise<void>((r) => out.once('drain', () => r()));
}
await new Promise<void>((r) => out.end(() => r()));

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};
const loadAverage = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');

// (b) baseline: csv-parse alone
let cpu = process.cpuUsage();
t = performance.now();
let parsed = 0;
for await (const _ of fs.createReadStream(csv).pipe(parse({ bom: true, trim: true, skip_empty_lines: true }))) parsed++;
const parseRate = parsed / ((performance.now() - t) / 1000);
const parseCpuRate = parsed / cpuSeconds(cpu);

// (c) verifyBatch, peak RSS sampled
let peak = process.memoryUsage().rss;
const rssBefore = peak;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const sink = new Writable({ write: (_c, _e, cb) => cb() });
cpu = process.cpuUsage();
t = performance.now();
const counts = await verifyBatch(service, {
  registry: 'population',
  input: fs.createReadStream(csv),
  output: sink,
  actor,
  purpose: '基准测试 bench',
});
const verifyRate = counts.rows / ((performance.now() - t) / 1000);
const verifyCpuRate = counts.rows / cpuSeconds(cpu);
clearInterval(sampler);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`rows: ${fmt(rows)} (SQLite, suite ${platform.keys.suite.name}); node ${process.version}, ${os.cpus().length} CPU(s), load average ${loadAverage}`);
console.log(`(a) load via bulkWriteIn:        ${fmt(loadRate)} rows/s`);
console.log(`(b) baseline csv-parse only:     ${fmt(parseRate)} rows/s (${fmt(parseCpuRate)} rows per CPU second)`);
console.log(
  `(c) verifyBatch:                 ${fmt(verifyRate)} rows/s (${fmt(verifyCpuRate)} rows per CPU second; ${((verifyRate / parseRate) * 100).toFixed(0)}% of (b)); found ${fmt(counts.found)}, all match ${fmt(counts.allMatch)}; goal 50,000 rows/s: ${verifyRate >= 50_000 ? 'met' : 'NOT met'}`,
);
console.log(`    RSS before ${fmt(rssBefore / 2 ** 20)} MiB, peak during (c) ${fmt(peak / 2 ** 20)} MiB`);
await platform.close();
fs.rmSync(dir, { recursive: true, force: true });
