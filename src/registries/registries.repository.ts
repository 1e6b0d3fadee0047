/** All SQL of the registries module. Functions take the database or an open transaction. */
import { CompiledQuery, type Kysely } from 'kysely';
import { tablesOf, type Db } from '../core/db/database.js';
import { idleSqliteStatement, numberedParameters as numbered, placeholders } from '../core/db/raw-statements.js';

export interface RecordRow {
  registry: string;
  record_key: string;
  data: string;
  sealed: string | null;
  version: number;
  last_seq: number;
  created_at: string;
  updated_at: string;
  holder: string | null;
  min_lon: number | null;
  min_lat: number | null;
  max_lon: number | null;
  max_lat: number | null;
}

export interface EntryRow {
  registry: string;
  seq: number;
  record_key: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  sources: string;
  reason: string;
  changes: string;
  sealed_changes: string | null;
  leaf_hash: string;
}

export interface TreeHeadRow {
  registry: string;
  size: number;
  root_hash: string;
  signed_at: string;
  suite: string;
  key_fingerprint: string;
  signature: string;
}

export interface BindingRow {
  source: string;
  org_id: string;
  org_name: string;
  org_uscc: string;
  updated_at: string;
}

export interface DiscrepancyRow {
  id: string;
  registry: string;
  record_key: string;
  attribute: string;
  believed_value: string;
  evidence: string;
  source: string;
  source_org_id: string;
  filed_by_org: string;
  filed_by_user: string;
  filed_at: string;
  due_at: string;
  status: string;
  resolution_note: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  resolved_seq: number | null;
}

/** A stored complete subtree of a registry's Merkle log (see registry-log-tree.ts). */
export interface LogNodeRow {
  registry: string;
  level: number;
  idx: number;
  hash: string;
}

interface RegistryTables {
  registry_log_nodes: LogNodeRow;
  registry_records: RecordRow;
  registry_entries: EntryRow;
  registry_heads: { registry: string; size: number };
  registry_tree_heads: TreeHeadRow;
  registry_source_bindings: BindingRow;
  registry_discrepancies: DiscrepancyRow;
}

const q = (db: Db): Kysely<RegistryTables> => tablesOf<RegistryTables>(db);

export async function ensureHead(db: Db, registry: string): Promise<void> {
  await q(db)
    .insertInto('registry_heads')
    .values({ registry, size: 0 })
    .onConflict((oc) => oc.column('registry').doNothing())
    .execute();
}

/**
 * Claims `n` consecutive entry numbers of `registry`. The UPDATE holds the head row's lock (the
 * database write lock on SQLite) until the caller's transaction ends: writers of one registry queue.
 */
export async function claimSeqs(trx: Db, registry: string, n: number): Promise<number> {
  const row = await q(trx)
    .updateTable('registry_heads')
    .set((eb) => ({ size: eb('size', '+', n) }))
    .where('registry', '=', registry)
    .returning(['size'])
    .executeTakeFirstOrThrow();
  return row.size - n + 1;
}

export async function headSize(db: Db, registry: string): Promise<number> {
  const row = await q(db).selectFrom('registry_heads').select('size').where('registry', '=', registry).executeTakeFirst();
  return row?.size ?? 0;
}

const statementTexts = new Map<string, string>();

/**
 * The text of a hot statement, built once per shape: the point and keyed lookups of every read,
 * verification and import chunk run as compiled statements rather than through the query
 * builder, whose building and compiling costs more than the lookup itself. Parameters are
 * bound, never spliced.
 */
function statementText(db: Db, shape: string, build: () => string): string {
  const cacheKey = `${shape}|${numbered(db)}`;
  let text = statementTexts.get(cacheKey);
  if (!text) {
    text = build();
    if (statementTexts.size > 256) statementTexts.clear();
    statementTexts.set(cacheKey, text);
  }
  return text;
}

export async function findRecord(db: Db, registry: string, key: string): Promise<RecordRow | undefined> {
  const text = statementText(
    db,
    'findRecord',
    () => `select * from "registry_records" where "registry" = ${placeholders(db, 1)} and "record_key" = ${placeholders(db, 1, 1)}`,
  );
  const idle = idleSqliteStatement(db, text);
  if (idle) return idle.get(registry, key) as RecordRow | undefined;
  return (await db.executeQuery<RecordRow>(CompiledQuery.raw(text, [registry, key]))).rows[0];
}

/** `columns` of the stored records of `keys` (in no particular order); one statement per 1,000 keys. */
async function selectByKeys<R>(db: Db, registry: string, keys: readonly string[], columns: string): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const part = keys.slice(i, i + 1000);
    const text = statementText(
      db,
      `selectByKeys/${columns}/${part.length}`,
      () => `select ${columns} from "registry_records" where "registry" = ${placeholders(db, 1)} and "record_key" in (${placeholders(db, part.length, 1)})`,
    );
    const { rows } = await db.executeQuery<R>(CompiledQuery.raw(text, [registry, ...part]));
    for (const r of rows) out.push(r);
  }
  return out;
}

/** The stored records of `keys`, in no particular order. */
export async function findRecords(db: Db, registry: string, keys: readonly string[]): Promise<RecordRow[]> {
  return selectByKeys<RecordRow>(db, registry, keys, '*');
}

/** Only the key and values of the stored records of `keys` (sealed values when `withSealed`): what a verification compares. */
export async function findRecordValues(
  db: Db,
  registry: string,
  keys: readonly string[],
  withSealed: boolean,
): Promise<Array<Pick<RecordRow, 'record_key' | 'data' | 'sealed'>>> {
  return selectByKeys(db, registry, keys, withSealed ? '"record_key", "data", "sealed"' : '"record_key", "data", null as "sealed"');
}

const RECORD_COLUMNS = [
  'registry',
  'record_key',
  'data',
  'sealed',
  'version',
  'last_seq',
  'created_at',
  'updated_at',
  'holder',
  'min_lon',
  'min_lat',
  'max_lon',
  'max_lat',
] as const satisfies ReadonlyArray<keyof RecordRow>;

const ENTRY_COLUMNS = [
  'registry',
  'seq',
  'record_key',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'org_id',
  'sources',
  'reason',
  'changes',
  'sealed_changes',
  'leaf_hash',
] as const satisfies ReadonlyArray<keyof EntryRow>;

/**
 * Multi-row INSERT of `rows`, `perStatement` rows a statement, as statements compiled here
 * rather than by the query builder: building and compiling a Kysely query costs more per row
 * than SQLite spends inserting it, and bulk import writes millions. Parameters are bound, never
 * spliced; the text depends only on the table, the column list and the row count, so SQLite's
 * statement cache reuses it.
 */
async function insertMany<T, C extends keyof T & string>(
  trx: Db,
  table: string,
  columns: readonly C[],
  rows: readonly T[],
  perStatement = 1000,
): Promise<void> {
  if (rows.length === 0) return;
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    const text = statementText(trx, `insert/${table}/${part.length}`, () => {
      const tuples = part.map((_, r) => `(${placeholders(trx, columns.length, r * columns.length)})`);
      return `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')}`;
    });
    const params: unknown[] = new Array(part.length * columns.length);
    let p = 0;
    for (const row of part) for (const c of columns) params[p++] = row[c] ?? null;
    await trx.executeQuery(CompiledQuery.raw(text, params));
  }
}

export async function insertRecords(trx: Db, rows: RecordRow[]): Promise<void> {
  await insertMany(trx, 'registry_records', RECORD_COLUMNS, rows);
}

export async function updateRecord(trx: Db, row: RecordRow): Promise<void> {
  const { registry, record_key, created_at: _created, ...rest } = row;
  await q(trx).updateTable('registry_records').set(rest).where('registry', '=', registry).where('record_key', '=', record_key).execute();
}

export async function insertEntries(trx: Db, rows: EntryRow[]): Promise<void> {
  await insertMany(trx, 'registry_entries', ENTRY_COLUMNS, rows);
}

export async function entriesOf(db: Db, registry: string, key: string, uptoAt?: string): Promise<EntryRow[]> {
  let query = q(db).selectFrom('registry_entries').selectAll().where('registry', '=', registry).where('record_key', '=', key);
  if (uptoAt) query = query.where('occurred_at', '<=', uptoAt);
  return query.orderBy('seq').execute();
}

export async function findEntry(db: Db, registry: string, seq: number): Promise<EntryRow | undefined> {
  return q(db).selectFrom('registry_entries').selectAll().where('registry', '=', registry).where('seq', '=', seq).executeTakeFirst();
}

/** Entries with seq > after, in order, at most `limit`: the verifier's keyset page. */
export async function entryPage(db: Db, registry: string, after: number, limit: number): Promise<EntryRow[]> {
  return q(db).selectFrom('registry_entries').selectAll().where('registry', '=', registry).where('seq', '>', after).orderBy('seq').limit(limit).execute();
}

/** Leaf hashes of entries 1..size, in order. */
export async function leafHashes(db: Db, registry: string, size: number): Promise<string[]> {
  const rows = await q(db)
    .selectFrom('registry_entries')
    .select('leaf_hash')
    .where('registry', '=', registry)
    .where('seq', '<=', size)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.leaf_hash);
}

/** Leaf hashes of entries fromSeq..toSeq (inclusive), in order. */
export async function leafHashRange(db: Db, registry: string, fromSeq: number, toSeq: number): Promise<string[]> {
  const rows = await q(db)
    .selectFrom('registry_entries')
    .select('leaf_hash')
    .where('registry', '=', registry)
    .where('seq', '>=', fromSeq)
    .where('seq', '<=', toSeq)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.leaf_hash);
}

/** The highest entry number at or below `size` (the committed part of a head's count). */
export async function lastSeqUpTo(db: Db, registry: string, size: number): Promise<number> {
  const row = await q(db)
    .selectFrom('registry_entries')
    .select((eb) => eb.fn.max('seq').as('m'))
    .where('registry', '=', registry)
    .where('seq', '<=', size)
    .executeTakeFirst();
  return Number(row?.m ?? 0);
}

export async function findLogNode(db: Db, registry: string, level: number, idx: number): Promise<string | undefined> {
  const row = await q(db)
    .selectFrom('registry_log_nodes')
    .select('hash')
    .where('registry', '=', registry)
    .where('level', '=', level)
    .where('idx', '=', idx)
    .executeTakeFirst();
  return row?.hash;
}

export async function insertLogNodes(trx: Db, rows: LogNodeRow[]): Promise<void> {
  if (rows.length > 0)
    await q(trx)
      .insertInto('registry_log_nodes')
      .values(rows)
      .onConflict((oc) => oc.columns(['registry', 'level', 'idx']).doNothing())
      .execute();
}

/** Every stored node of a registry's log (about one per 128 entries). */
export async function logNodes(db: Db, registry: string): Promise<LogNodeRow[]> {
  return q(db).selectFrom('registry_log_nodes').selectAll().where('registry', '=', registry).execute();
}

export async function recordPage(db: Db, registry: string, afterKey: string, limit: number): Promise<RecordRow[]> {
  return q(db)
    .selectFrom('registry_records')
    .selectAll()
    .where('registry', '=', registry)
    .where('record_key', '>', afterKey)
    .orderBy('record_key')
    .limit(limit)
    .execute();
}

export async function countRecords(db: Db, registry: string): Promise<number> {
  const row = await q(db)
    .selectFrom('registry_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('registry', '=', registry)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function recordsByHolder(db: Db, registry: string, holder: string, limit: number): Promise<RecordRow[]> {
  return q(db)
    .selectFrom('registry_records')
    .selectAll()
    .where('registry', '=', registry)
    .where('holder', '=', holder)
    .orderBy('record_key')
    .limit(limit)
    .execute();
}

/** Records whose bounding box meets the given box (candidates; the caller tests the exact geometry). */
export async function recordsInBox(
  db: Db,
  registry: string,
  box: { minLon: number; minLat: number; maxLon: number; maxLat: number },
  limit: number,
): Promise<RecordRow[]> {
  return q(db)
    .selectFrom('registry_records')
    .selectAll()
    .where('registry', '=', registry)
    .where('min_lon', '<=', box.maxLon)
    .where('max_lon', '>=', box.minLon)
    .where('min_lat', '<=', box.maxLat)
    .where('max_lat', '>=', box.minLat)
    .orderBy('record_key')
    .limit(limit)
    .execute();
}

export async function latestTreeHead(db: Db, registry: string): Promise<TreeHeadRow | undefined> {
  return q(db).selectFrom('registry_tree_heads').selectAll().where('registry', '=', registry).orderBy('size', 'desc').limit(1).executeTakeFirst();
}

export async function treeHeads(db: Db, registry: string): Promise<TreeHeadRow[]> {
  return q(db).selectFrom('registry_tree_heads').selectAll().where('registry', '=', registry).orderBy('size').execute();
}

export async function insertTreeHead(db: Db, row: TreeHeadRow): Promise<void> {
  await q(db)
    .insertInto('registry_tree_heads')
    .values(row)
    .onConflict((oc) => oc.columns(['registry', 'size']).doNothing())
    .execute();
}

export async function listBindings(db: Db): Promise<BindingRow[]> {
  const text = statementText(db, 'listBindings', () => 'select * from "registry_source_bindings" order by "source"');
  const idle = idleSqliteStatement(db, text);
  if (idle) return idle.all() as BindingRow[];
  return (await db.executeQuery<BindingRow>(CompiledQuery.raw(text, []))).rows;
}

export async function upsertBinding(trx: Db, row: BindingRow): Promise<void> {
  await q(trx)
    .insertInto('registry_source_bindings')
    .values(row)
    .onConflict((oc) => oc.column('source').doUpdateSet({ org_id: row.org_id, org_name: row.org_name, org_uscc: row.org_uscc, updated_at: row.updated_at }))
    .execute();
}

export async function insertDiscrepancy(trx: Db, row: DiscrepancyRow): Promise<void> {
  await q(trx).insertInto('registry_discrepancies').values(row).execute();
}

export async function findDiscrepancy(db: Db, id: string): Promise<DiscrepancyRow | undefined> {
  return q(db).selectFrom('registry_discrepancies').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reports filed by or addressed to `orgId`, newest first. */
export async function discrepanciesOf(db: Db, orgId: string, status: string | undefined, limit: number): Promise<DiscrepancyRow[]> {
  let query = q(db)
    .selectFrom('registry_discrepancies')
    .selectAll()
    .where((eb) => eb.or([eb('source_org_id', '=', orgId), eb('filed_by_org', '=', orgId)]));
  if (status) query = query.where('status', '=', status);
  return query.orderBy('filed_at', 'desc').limit(limit).execute();
}

/** Closes an open report; false when it was no longer open (a concurrent resolution). */
export async function closeDiscrepancy(
  trx: Db,
  id: string,
  set: Pick<DiscrepancyRow, 'status' | 'resolution_note' | 'resolved_by' | 'resolved_at' | 'resolved_seq'>,
): Promise<boolean> {
  const res = await q(trx).updateTable('registry_discrepancies').set(set).where('id', '=', id).where('status', '=', 'open').executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}
