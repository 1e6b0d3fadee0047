/**
 * Bulk import of a population file through `importRegistryFile` (what `zhengtong registry import`
 * runs), with full validation, beside a baseline measured in the same run (STYLE.md §13).
 *
 *   npx tsx bench/registry-import.bench.ts [--rows=1000000] [--bad=1000] [--chunk=2000] [--one-thread] [--profile]
 *
 * - (a) baseline: the same CSV through csv-parse alone (header-keyed records, as the importer reads them);
 * - (b) a file with `--bad` bad rows spread through it (wrong check character, unknown code, a
 *   birth date that disagrees with the identity number, a date in the future): refused, every bad
 *   row reported, nothing written;
 * - (c) the clean file imported: every row validated (identity number check character, GB/T 2260
 *   division, code tables, dates, key parts), sensitive attributes sealed, one Merkle log entry per
 *   record, all in one transaction; progress on stderr. Then the log's size, a signed tree head
 *   over it and the record count are checked.
 * `--profile` samples the CPU during (c) and prints where the time went (the importing thread only).
 * `--one-thread`: parse and seal on the importing thread (`readInWorker`, `sealInWorker` off; by
 * default files of 4 MiB and more are parsed and sealed in worker threads). Compare with a run
 * without it, one after the other. The CPU figures count every thread of the process.
 * Figures move with machine load (2 cores shared here): compare figures of one run. Rows per CPU
 * second move less than rows per second on a busy machine (other processes take the cores, not the
 * CPU time), so (c) is also given as a share of (a) per CPU second.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { AppError } from '../src/core/errors.js';
import { createPlatform } from '../src/platform.js';
import { currentTreeHead, importRegistryFile } from '../src/registries/index.js';
import { makeCitizenId } from '../src/standards/index.js';
import { startCpuProfile } from './lib/cpu-profile.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    bad: { type: 'string', default: '1000' },
    chunk: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'one-thread': { type: 'boolean', default: false },
  },
});
const rows = Number(args.rows);
const badRows = Number(args.bad);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-import-'));
const platform = await createPlatform(
  loadConfig({}, { dataDir: dir, keyDir: path.join(dir, 'keys'), dbUrl: path.join(dir, 'platform.db'), logLevel: 'silent', checkpointIntervalMs: 0 }),
);
try {
  const service = platform.registries.service;
  const orgId = 'bench-police';
  await platform.database.db
    .insertInto('registry_source_bindings')
    .values({ source: 'public-security', org_id: orgId, org_name: '基准测试公安局', org_uscc: '11350100003100017X', updated_at: new Date().toISOString() })
    .execute();
  const actor = { ...SYSTEM_ACTOR, name: '导入基准', orgId };

  const districts = ['350102', '350103', '350104', '350105', '350111', '350112'];
  const ethnicities = ['01', '02', '03', '04', '05'];
  const idOf = (i: number) =>
    makeCitizenId(
      districts[Math.floor(i / 20160) % 6]!,
      `${1940 + (Math.floor(i / 336) % 60)}-${String((Math.floor(i / 28) % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`,
      Math.floor(i / 120960) % 1000,
    );
  const header = 'idNumber,name,sex,birthDate,ethnicity,householdAddress,householdDivision,residenceAddress\n';
  const line = (j: number, bad: boolean) => {
    const id = idOf(j);
    const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
    const sex = Number(id[16]) % 2 === 1 ? '1' : '2';
    const d = districts[j % 6]!;
    const cells = [id, `测试${j}`, sex, birth, ethnicities[j % 5]!, `福建省福州市鼓楼区五四路${j}号`, d, `福建省福州市台江区工业路${j % 997}号`];
    if (bad)
      switch (j % 4) {
        case 0:
          cells[0] = id.slice(0, 17) + (id[17] === '0' ? '1' : '0'); // wrong check character
          break;
        case 1:
          cells[4] = '99'; // not in GB 3304
          break;
        case 2:
          cells[3] = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14) === '01' ? '02' : '01'}`; // disagrees with the identity number
          break;
        default:
          cells[6] = '359999'; // not a GB/T 2260 division
      }
    return cells.join(',') + '\n';
  };
  const writeCsv = async (file: string, badEvery: number) => {
    const out = fs.createWriteStream(file);
    out.write(header);
    for (let j = 0; j < rows; j++)
      if (!out.write(line(j, badEvery > 0 && j % badEvery === badEvery - 1))) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((r) => out.end(() => r()));
  };
  const clean = path.join(dir, 'population.csv');
  const dirty = path.join(dir, 'population-bad.csv');
  await writeCsv(clean, 0);
  if (badRows > 0) await writeCsv(dirty, Math.floor(rows / badRows));
  console.log(
    `zhengtong registry import bench — node ${process.version}, ${os.cpus().length} CPU(s), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`  ${fmt(rows)} rows, ${fmt(fs.statSync(clean).size / 2 ** 20, 1)} MiB CSV; SQLite, suite ${platform.keys.suite.name}`);

  // (a) baseline: csv-parse alone
  const cpuSeconds = (since: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(since);
    return (c.user + c.system) / 1e6;
  };
  let cpu = process.cpuUsage();
  let t = performance.now();
  let parsed = 0;
  for await (const _ of fs
    .createReadStream(clean)
    .pipe(parse({ columns: (h: string[]) => h.map((x) => x.trim()), bom: true, trim: true, skip_empty_lines: true, relax_column_count: true })))
    parsed++;
  const parseRate = parsed / ((performance.now() - t) / 1000);
  const parseCpuRate = parsed / cpuSeconds(cpu);
  console.log(`  (a) baseline csv-parse only:  ${fmt(parseRate).padStart(9)} rows/s (${fmt(parseCpuRate)} rows per CPU second)`);

  const progress = (label: string) => {
    let last = 0;
    return (phase: 'validate' | 'write', n: number) => {
      const now = performance.now();
      if (now - last < 5000 && n < rows) return;
      last = now;
      process.stderr.write(`      ${label} ${phase} ${fmt(n)}/${fmt(rows)} (${fmt((n / rows) * 100, 0)}%)\n`);
    };
  };

  // (b) a file with bad rows: refused whole
  if (badRows > 0) {
    let reported = 0;
    const reportedRows = new Set<number>();
    t = performance.now();
    let refused = false;
    try {
      await importRegistryFile(service, {
        registry: 'population',
        file: dirty,
        actor,
        reason: '基准测试导入（含错误行）',
        onError: (e) => {
          reported++;
          reportedRows.add(e.row);
        },
        onProgress: progress('(b)'),
      });
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'REGISTRY_IMPORT_INVALID') throw e;
      refused = true;
    }
    const secs = (performance.now() - t) / 1000;
    const written = await platform.database.db
      .selectFrom('registry_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    console.log(
      `  (b) file with ${fmt(badRows)} bad rows: ${refused ? 'refused' : 'NOT REFUSED'} in ${fmt(secs, 1)} s (${fmt(rows / secs)} rows/s); ${fmt(reportedRows.size)} rows reported (${fmt(reported)} problems), ${fmt(Number(written.n))} records written`,
    );
    if (!refused || reportedRows.size !== badRows || Number(written.n) !== 0) process.exitCode = 1;
  }

  // (c) the clean file
  const profiler = args.profile ? await startCpuProfile(500) : undefined;
  cpu = process.cpuUsage();
  t = performance.now();
  const show = progress('(c)');
  const result = await importRegistryFile(service, {
    registry: 'population',
    file: clean,
    actor,
    reason: '基准测试导入',
    onProgress: show,
    ...(args.chunk ? { chunkSize: Number(args.chunk) } : {}),
    ...(args['one-thread'] ? { readInWorker: false, sealInWorker: false } : {}),
  });
  const total = performance.now() - t;
  const importCpuRate = rows / cpuSeconds(cpu);
  const importRate = rows / (total / 1000);
  console.log(
    `  (c) import, validated${args['one-thread'] ? ', one thread' : ''}:         ${fmt(importRate).padStart(9)} rows/s (${fmt(importCpuRate)} rows per CPU second; ${fmt(total / 1000, 1)} s; ${((importRate / parseRate) * 100).toFixed(0)}% of (a), ${((importCpuRate / parseCpuRate) * 100).toFixed(1)}% per CPU second); created ${fmt(result.created)}; load average now ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  if (profiler) {
    const p = await profiler.stop();
    console.log('      by origin: ' + p.byOrigin.map((o) => `${o.name} ${fmt(o.share * 100, 1)}%`).join(' · '));
    for (const f of p.byFunction) console.log(`      ${fmt(f.share * 100, 1).padStart(5)}%  ${f.name}`);
  }
  const head = await currentTreeHead(platform.database.db, 'population', platform.keys.suite.hash, service.deps.signer, new Date());
  console.log(
    `      log: ${fmt(head.treeSize)} entries, signed tree head ${head.rootHash.slice(0, 16)}…; goal 20,000 rows/s: ${importRate >= 20_000 ? 'met' : 'NOT met'}`,
  );
  if (head.treeSize !== rows || result.created !== rows) process.exitCode = 1;
} finally {
  await platform.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
