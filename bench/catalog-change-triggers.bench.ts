/**
 * What the search change triggers (migration 0015) cost the bulk import, measured in ONE run:
 * the corpus is imported in batches that alternate (ABBA) between the triggers present and
 * dropped, so both halves see the same machine load and database size.
 *
 *   npx tsx bench/catalog-change-triggers.bench.ts [resources=40000] [--batch 2500]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { importResources, type ImportRow } from '../src/catalog/index.js';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { findOrgByUscc, seedIdentity } from '../src/identity/index.js';
import { createPlatform } from '../src/platform.js';
import { makeUscc } from '../src/standards/index.js';
import { corpusDepartments, scaleCorpus } from './catalog-corpus.js';

const args = process.argv.slice(2);
const resources = Number((args.find((a) => /^\d[\d_]*$/.test(a)) ?? '40000').replaceAll('_', ''));
const bi = args.indexOf('--batch');
const batch = bi >= 0 ? Number(args[bi + 1]) : 2500;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-triggers-'));
const platform = await createPlatform(
  loadConfig(
    {},
    { dataDir, keyDir: path.join(dataDir, 'keys'), dbUrl: path.join(dataDir, 'platform.db'), logLevel: 'silent', passwordCost: 1024, checkpointIntervalMs: 0 },
  ),
);
try {
  const db = platform.catalog.db;
  const depts = corpusDepartments();
  const usccOf = new Map(depts.map((d, i) => [d.key, makeUscc('1', '1', d.regionCode, String(10000000 + i))]));
  await seedIdentity(platform.identity, {
    orgs: depts.map((d) => ({ key: d.key, kind: 'department' as const, name: d.name, uscc: usccOf.get(d.key)!, regionCode: d.regionCode })),
    staff: [],
    citizens: [],
    agents: [],
  });
  const orgIdOf = new Map<string, string>();
  for (const d of depts) orgIdOf.set(d.key, (await findOrgByUscc(platform.identity, usccOf.get(d.key)!))!.id);
  const triggers = (
    await sql<{
      name: string;
      sql: string;
    }>`select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'catalog_resources' and name like 'catalog_search_changes%'`.execute(db)
  ).rows;
  for (const t of triggers) await sql.raw(`drop trigger ${t.name}`).execute(db);
  const ms = { with: 0, without: 0 };
  let rows: ImportRow[] = [];
  let n = 0;
  for (const rec of scaleCorpus(resources)) {
    rows.push({ row: rows.length + 1, input: rec.input, providerOrgId: orgIdOf.get(rec.department)! });
    if (rows.length < batch) continue;
    const on = [0, 3].includes(n++ % 4); // with, without, without, with: neither side always comes later (the database grows)
    if (on) for (const t of triggers) await sql.raw(t.sql).execute(db);
    const t0 = performance.now();
    await importResources(platform.catalog, SYSTEM_ACTOR, { requestId: 'bench' }, rows, { publish: true });
    ms[on ? 'with' : 'without'] += performance.now() - t0;
    if (on) for (const t of triggers) await sql.raw(`drop trigger ${t.name}`).execute(db);
    rows = [];
  }
  const rows0 = await sql<{ n: number }>`select count(*) as n from catalog_search_changes`.execute(db);
  const per = (x: number) => (((n / 2) * batch) / x) * 1000;
  console.log(`change rows written: ${rows0.rows[0]!.n} (triggers: ${triggers.map((t) => t.name).join(', ')})`);
  console.log(
    `${resources} resources in batches of ${batch}, alternating (load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}):`,
  );
  console.log(`  with the change triggers:    ${per(ms.with).toFixed(0)} resources/s`);
  console.log(`  without the change triggers: ${per(ms.without).toFixed(0)} resources/s  (with/without ${(ms.without / ms.with).toFixed(3)})`);
} finally {
  await platform.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
