import { sql, type Kysely } from 'kysely';
import { tablesOf, type Db } from '../core/db/database.js';
import type { ResourceRow } from './catalog.repository.js';

export interface HarvestSourceRow {
  id: string;
  name: string;
  url: string;
  kind: string;
  region_code: string | null;
  interval_minutes: number | null;
  enabled: number;
  high_water: string | null;
  lease_until: string | null;
  last_run_at: string | null;
  last_status: string | null;
  last_message: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface HarvestRunRow {
  id: string;
  source_id: string;
  mode: string;
  status: string;
  started_at: string;
  finished_at: string;
  pages: number;
  created: number;
  updated: number;
  unchanged: number;
  withdrawn: number;
  skipped: number;
  errors: string;
  message: string | null;
  triggered_by: string | null;
}

interface HarvestTables {
  catalog_harvest_sources: HarvestSourceRow;
  catalog_harvest_runs: HarvestRunRow;
  catalog_resources: ResourceRow;
}

const q = (db: Db): Kysely<HarvestTables> => tablesOf<HarvestTables>(db);

export async function insertSource(db: Db, row: HarvestSourceRow): Promise<void> {
  await q(db).insertInto('catalog_harvest_sources').values(row).execute();
}

export async function findSource(db: Db, id: string): Promise<HarvestSourceRow | undefined> {
  return q(db).selectFrom('catalog_harvest_sources').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findSourceByUrl(db: Db, url: string): Promise<HarvestSourceRow | undefined> {
  return q(db).selectFrom('catalog_harvest_sources').selectAll().where('url', '=', url).executeTakeFirst();
}

export async function listSources(db: Db): Promise<HarvestSourceRow[]> {
  return q(db).selectFrom('catalog_harvest_sources').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function updateSource(db: Db, id: string, patch: Partial<Omit<HarvestSourceRow, 'id' | 'created_at'>>): Promise<void> {
  await q(db).updateTable('catalog_harvest_sources').set(patch).where('id', '=', id).execute();
}

export async function deleteSource(db: Db, id: string): Promise<void> {
  await q(db).deleteFrom('catalog_harvest_runs').where('source_id', '=', id).execute();
  await q(db).deleteFrom('catalog_harvest_sources').where('id', '=', id).execute();
}

/**
 * Takes the source for one run until `until`, unless another run holds it: one conditional UPDATE,
 * atomic on both dialects, so two instances (or the scheduler and a person) never run it at once.
 */
export async function claimSource(db: Db, id: string, now: string, until: string): Promise<boolean> {
  const r = await q(db)
    .updateTable('catalog_harvest_sources')
    .set({ lease_until: until })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Enabled sources with an interval whose last run is older than it (or that never ran). */
export async function dueSources(db: Db, now: Date): Promise<HarvestSourceRow[]> {
  const rows = await q(db)
    .selectFrom('catalog_harvest_sources')
    .selectAll()
    .where('enabled', '=', 1)
    .where('interval_minutes', 'is not', null)
    .orderBy('last_run_at')
    .execute();
  return rows.filter((r) => !r.last_run_at || Date.parse(r.last_run_at) + r.interval_minutes! * 60_000 <= now.getTime());
}

export async function insertRun(db: Db, row: HarvestRunRow): Promise<void> {
  await q(db).insertInto('catalog_harvest_runs').values(row).execute();
}

export async function listRuns(db: Db, sourceId: string, limit: number): Promise<HarvestRunRow[]> {
  return q(db).selectFrom('catalog_harvest_runs').selectAll().where('source_id', '=', sourceId).orderBy('started_at', 'desc').limit(limit).execute();
}

/** The source's harvested resources with these original IRIs. */
export async function harvestedByUri(db: Db, sourceId: string, uris: string[]): Promise<ResourceRow[]> {
  if (!uris.length) return [];
  const out: ResourceRow[] = [];
  for (let i = 0; i < uris.length; i += 500)
    out.push(
      ...(await q(db)
        .selectFrom('catalog_resources')
        .selectAll()
        .where('harvest_source_id', '=', sourceId)
        .where('source_uri', 'in', uris.slice(i, i + 500))
        .execute()),
    );
  return out;
}

/** The source's resources still published here: original IRI → local id and code. */
export async function publishedOfSource(db: Db, sourceId: string): Promise<Array<{ id: string; code: string; source_uri: string }>> {
  const rows = await q(db)
    .selectFrom('catalog_resources')
    .select(['id', 'code', 'source_uri'])
    .where('harvest_source_id', '=', sourceId)
    .where('status', '=', 'published')
    .execute();
  return rows.map((r) => ({ id: r.id, code: r.code, source_uri: r.source_uri ?? '' }));
}

export async function countPublishedOfSource(db: Db, sourceId: string): Promise<number> {
  const { n } = await q(db)
    .selectFrom('catalog_resources')
    .select(sql<number>`count(*)`.as('n'))
    .where('harvest_source_id', '=', sourceId)
    .where('status', '=', 'published')
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Counts of a source's resources by status (for the source list). */
export async function resourceCountsBySource(db: Db): Promise<Map<string, { published: number; offline: number }>> {
  const rows = await q(db)
    .selectFrom('catalog_resources')
    .select(['harvest_source_id', 'status', sql<number>`count(*)`.as('n')])
    .where('harvest_source_id', 'is not', null)
    .groupBy(['harvest_source_id', 'status'])
    .execute();
  const out = new Map<string, { published: number; offline: number }>();
  for (const r of rows) {
    const c = out.get(r.harvest_source_id!) ?? { published: 0, offline: 0 };
    if (r.status === 'published') c.published += Number(r.n);
    else c.offline += Number(r.n);
    out.set(r.harvest_source_id!, c);
  }
  return out;
}
