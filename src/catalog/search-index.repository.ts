import { sql } from 'kysely';
import type { Db } from '../core/db/database.js';

/** The columns the in-memory search index keeps of a resource. */
export interface IndexedResourceRow {
  id: string;
  status: string;
  share_type: string;
  open_type: string;
  format_type: string;
  update_cycle: string;
  region_code: string;
  provider_org_id: string;
  provider_name: string;
  class_code: string;
  seq: number;
  updated_at: string;
}

const COLUMNS = sql`id, status, share_type, open_type, format_type, update_cycle, region_code, provider_org_id, provider_name, class_code, seq, updated_at`;

/** The newest change sequence number (0 when there is none). */
export async function lastChangeSeq(db: Db): Promise<number> {
  const r = await sql<{ m: number | null }>`select max(seq) as m from catalog_search_changes`.execute(db);
  return Number(r.rows[0]?.m ?? 0);
}

/**
 * The changes after `cursor`, oldest first, at most `limit`; and the oldest change still kept, so
 * a reader can tell whether rows it has not read were pruned (`oldest > cursor + 1`), or that the
 * table restarted below its cursor (`reset`). Two primary-key reads.
 */
export async function changesAfter(
  db: Db,
  cursor: number,
  limit: number,
): Promise<{ oldest: number; reset?: boolean; changes: Array<{ seq: number; resource_id: string }> }> {
  const rows = await sql<{
    seq: number;
    resource_id: string;
  }>`select seq, resource_id from catalog_search_changes where seq > ${cursor} order by seq limit ${limit}`.execute(db);
  if (!rows.rows.length) return { oldest: cursor + 1, reset: (await lastChangeSeq(db)) < cursor, changes: [] };
  const o = await sql<{ m: number }>`select min(seq) as m from catalog_search_changes`.execute(db);
  return { oldest: Number(o.rows[0]!.m), changes: rows.rows.map((r) => ({ seq: Number(r.seq), resource_id: r.resource_id })) };
}

/**
 * The next `limit` resources after id `after` in id order, with their SQLite rowid (the covering
 * index of migration 0013: no table reads).
 */
export async function indexedResourcesAfter(db: Db, after: string, limit: number): Promise<Array<IndexedResourceRow & { rid: number }>> {
  return (
    await sql<
      IndexedResourceRow & { rid: number }
    >`select rowid as rid, ${COLUMNS} from catalog_resources where id > ${after} order by id limit ${limit}`.execute(db)
  ).rows;
}

export async function indexedResourcesByIds(db: Db, ids: string[]): Promise<IndexedResourceRow[]> {
  if (!ids.length) return [];
  return (await sql<IndexedResourceRow>`select ${COLUMNS} from catalog_resources where id in (${sql.join(ids)})`.execute(db)).rows;
}

/**
 * The postings of the next `limit` tokens after `after` in token order, each as one string
 * `rowid weight,rowid weight,…` of the resources' SQLite rowids (the token primary key read in
 * order, each resource id looked up in the resources' id index, aggregated in the database: one
 * row per token instead of one per posting, and integers instead of 36-character ids).
 */
export async function postingsAfter(db: Db, after: string, limit: number): Promise<Array<{ token: string; postings: string }>> {
  return (
    await sql<{ token: string; postings: string }>`select t.token, group_concat(r.rowid || ' ' || t.weight, ',') as postings
      from catalog_search_tokens t cross join catalog_resources r
      where t.token > ${after} and r.id = t.resource_id group by t.token order by t.token limit ${limit}`.execute(db)
  ).rows;
}

export async function tokensOfResources(db: Db, ids: string[]): Promise<Array<{ resource_id: string; token: string; weight: number }>> {
  if (!ids.length) return [];
  return (
    await sql<{
      resource_id: string;
      token: string;
      weight: number;
    }>`select resource_id, token, weight from catalog_search_tokens where resource_id in (${sql.join(ids)})`.execute(db)
  ).rows;
}
