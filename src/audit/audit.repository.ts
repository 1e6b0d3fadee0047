import { CompiledQuery, sql, type ColumnType, type Kysely } from 'kysely';
import type SQLite from 'better-sqlite3';
import { sqliteHandleOf, tablesOf, type Db, type Dialect } from '../core/db/database.js';
import { idleSqliteStatement } from '../core/db/raw-statements.js';
import type { AuditHashAlg } from './audit-chain.js';
import { chainPageSql, type ChainTuple } from './audit-range.js';

/** A record as read: its canonical text, its hash, and the columns the database derives from the text. */
export interface AuditRecordRow {
  seq: number;
  body: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  outcome: string;
  request_id: string | null;
  client_ip: string | null;
  summary: string;
  data_subject: string | null;
  purpose: string | null;
  prev_hash: string;
  hash: string;
}

export interface AuditCheckpointRow {
  seq: number;
  hash: string;
  signed_at: string;
  suite: string;
  key_fingerprint: string;
  signature: string;
}

/** What the verifier reads of a record: nothing but what the chain covers. */
export interface AuditChainRow {
  seq: number;
  body: string;
  hash: string;
}

/** Generated from `body`: readable, never written. */
type Derived<T> = ColumnType<T, never, never>;
type AuditRecordTable = AuditChainRow & { [K in Exclude<keyof AuditRecordRow, keyof AuditChainRow>]: Derived<AuditRecordRow[K]> };

interface AuditTables {
  audit_records: AuditRecordTable;
  audit_head: { id: number; seq: number; hash: string; hash_alg: string };
  audit_checkpoints: AuditCheckpointRow;
}

const q = (db: Db): Kysely<AuditTables> => tablesOf<AuditTables>(db);

/** Creates the head row if the chain is new. Returns the chain's hash algorithm. */
export async function ensureHead(db: Db, alg: AuditHashAlg, genesis: string): Promise<AuditHashAlg> {
  const head = await q(db).selectFrom('audit_head').select(['hash_alg']).where('id', '=', 1).executeTakeFirst();
  if (head) return head.hash_alg as AuditHashAlg;
  await q(db)
    .insertInto('audit_head')
    .values({ id: 1, seq: 0, hash: genesis, hash_alg: alg })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const again = await q(db).selectFrom('audit_head').select(['hash_alg']).where('id', '=', 1).executeTakeFirstOrThrow();
  return again.hash_alg as AuditHashAlg;
}

/**
 * Claims the next sequence number: bumps the head row and returns the new seq with the previous
 * hash. The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until the caller's
 * transaction ends, so two writers can never link to the same previous record.
 */
export async function claimNextSeq(trx: Db): Promise<{ seq: number; prevHash: string; alg: AuditHashAlg }> {
  const row = await q(trx)
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', 1) }))
    .where('id', '=', 1)
    .returning(['seq', 'hash', 'hash_alg'])
    .executeTakeFirstOrThrow();
  return { seq: row.seq, prevHash: row.hash, alg: row.hash_alg as AuditHashAlg };
}

export async function insertRecord(trx: Db, row: AuditChainRow): Promise<void> {
  await q(trx).insertInto('audit_records').values(row).execute();
  await q(trx).updateTable('audit_head').set({ hash: row.hash }).where('id', '=', 1).execute();
}

const insertTexts = new Map<string, string>();

/**
 * `insert into audit_records (seq, body, hash) values (…), …` for `n` rows, built once per row
 * count and dialect: building and compiling a multi-row insert through the query builder cost
 * several times the insert itself (group commit writes tens of access records per statement).
 */
function insertText(dialect: Dialect, n: number): string {
  const key = `${dialect}|${n}`;
  let text = insertTexts.get(key);
  if (!text) {
    const tuples = Array.from({ length: n }, (_, r) => (dialect === 'postgres' ? `($${r * 3 + 1}, $${r * 3 + 2}, $${r * 3 + 3})` : '(?, ?, ?)'));
    text = `insert into "audit_records" ("seq", "body", "hash") values ${tuples.join(', ')}`;
    if (insertTexts.size > 256) insertTexts.clear();
    insertTexts.set(key, text);
  }
  return text;
}

/** Inserts many records whose seqs were claimed together; the head's hash moves to the last. */
export async function insertRecords(trx: Db, dialect: Dialect, rows: AuditChainRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const part = rows.slice(i, i + 200);
    const params: unknown[] = [];
    for (const r of part) params.push(r.seq, r.body, r.hash);
    await trx.executeQuery(CompiledQuery.raw(insertText(dialect, part.length), params));
  }
  const last = rows[rows.length - 1];
  if (last) await q(trx).updateTable('audit_head').set({ hash: last.hash }).where('id', '=', 1).execute();
}

const CLAIM_SQL = 'update "audit_head" set "seq" = "seq" + ? where "id" = 1 returning "seq", "hash", "hash_alg"';
const SET_HEAD_SQL = 'update "audit_head" set "hash" = ? where "id" = 1';

/**
 * Appends records in a transaction of their own run synchronously on better-sqlite3, when `db`
 * is a SQLite database (not a transaction) with no transaction open on its connection: claims
 * `n` seqs, lets `rowsOf` build the chained rows from the claim, inserts them and moves the head,
 * in one IMMEDIATE transaction that has committed when this returns (it rolls back if anything
 * throws). Returns undefined, having done nothing, otherwise (PostgreSQL, a transaction open):
 * the caller then goes through Kysely. Nothing else can run on the connection in between, so
 * no other query queues behind this transaction, as they do behind one held across awaits.
 */
export function appendNowOnSqlite(
  db: Db,
  n: number,
  rowsOf: (claim: { firstSeq: number; prevHash: string; alg: AuditHashAlg }) => AuditChainRow[],
): AuditChainRow[] | undefined {
  const sqlite = sqliteHandleOf(db);
  const claim = idleSqliteStatement<{ seq: number; hash: string; hash_alg: string }>(db, CLAIM_SQL);
  if (!sqlite || !claim) return undefined;
  const head = idleSqliteStatement(db, SET_HEAD_SQL)!;
  // Prepared before the transaction opens (inside it, the connection is no longer idle): `n` rows
  // go in statements of 200 and one of the rest.
  const inserts = new Map(
    [200, n % 200].filter((count) => count > 0 && count <= n).map((count) => [count, idleSqliteStatement(db, insertText('sqlite', count))!]),
  );
  const insert = (count: number) => inserts.get(count) ?? sqlite.prepare(insertText('sqlite', count));
  return sqlite
    .transaction(() => {
      const claimed = claim.get(n);
      if (!claimed) throw new Error('audit_head is missing');
      const rows = rowsOf({ firstSeq: claimed.seq - n + 1, prevHash: claimed.hash, alg: claimed.hash_alg as AuditHashAlg });
      for (let i = 0; i < rows.length; i += 200) {
        const part = rows.slice(i, i + 200);
        const params: unknown[] = [];
        for (const r of part) params.push(r.seq, r.body, r.hash);
        insert(part.length).run(params);
      }
      const last = rows[rows.length - 1];
      if (last) head.run(last.hash);
      return rows;
    })
    .immediate();
}

/** Claims `n` consecutive sequence numbers at once (batch append). */
export async function claimSeqRange(trx: Db, n: number): Promise<{ firstSeq: number; prevHash: string; alg: AuditHashAlg }> {
  const row = await q(trx)
    .updateTable('audit_head')
    .set((eb) => ({ seq: eb('seq', '+', n) }))
    .where('id', '=', 1)
    .returning(['seq', 'hash', 'hash_alg'])
    .executeTakeFirstOrThrow();
  return { firstSeq: row.seq - n + 1, prevHash: row.hash, alg: row.hash_alg as AuditHashAlg };
}

export async function readHead(db: Db): Promise<{ seq: number; hash: string; hash_alg: string } | undefined> {
  return q(db).selectFrom('audit_head').select(['seq', 'hash', 'hash_alg']).where('id', '=', 1).executeTakeFirst();
}

/** Records with afterSeq < seq <= uptoSeq, in seq order, at most `limit`: the verifier's keyset page (text and hash only). */
export type { ChainTuple };

const chainPageStatements = new WeakMap<SQLite.Database, SQLite.Statement<unknown[], ChainTuple>>();

/**
 * Up to `limit` records after `afterSeq` (and at most `uptoSeq`), in seq order. On SQLite it reads
 * straight from better-sqlite3 as arrays: for a long chain, building Kysely's row objects costs
 * more than the query (bench/audit.bench.ts, measures (e) and (f)).
 */
export async function readChainBetween(db: Db, afterSeq: number, uptoSeq: number, limit: number): Promise<ChainTuple[]> {
  const sqlite = sqliteHandleOf(db);
  if (sqlite) {
    let stmt = chainPageStatements.get(sqlite);
    if (!stmt) {
      stmt = sqlite.prepare<unknown[], ChainTuple>(chainPageSql).raw(true);
      chainPageStatements.set(sqlite, stmt);
    }
    return stmt.all(afterSeq, uptoSeq, limit);
  }
  const rows = await q(db)
    .selectFrom('audit_records')
    .select(['seq', 'body', 'hash'])
    .where('seq', '>', afterSeq)
    .where('seq', '<=', uptoSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => [r.seq, r.body, r.hash]);
}

export async function readRecordHash(db: Db, seq: number): Promise<string | undefined> {
  const r = await q(db).selectFrom('audit_records').select('hash').where('seq', '=', seq).executeTakeFirst();
  return r?.hash;
}

export async function countRecords(db: Db): Promise<number> {
  const r = await q(db)
    .selectFrom('audit_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function lastCheckpoint(db: Db): Promise<AuditCheckpointRow | undefined> {
  return q(db).selectFrom('audit_checkpoints').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

export async function listCheckpoints(db: Db): Promise<AuditCheckpointRow[]> {
  return q(db).selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
}

export async function insertCheckpoint(db: Db, row: AuditCheckpointRow): Promise<void> {
  await q(db)
    .insertInto('audit_checkpoints')
    .values(row)
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
}

export interface AuditSearchFilter {
  action?: string;
  actorId?: string;
  orgId?: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: string;
  dataSubject?: string;
  from?: string;
  to?: string;
  text?: string;
  beforeSeq?: number;
  limit: number;
}

/** Newest first, keyset-paged by seq. `action` ending in `.*` matches a prefix. */
export async function searchRecords(db: Db, dialect: Dialect, f: AuditSearchFilter): Promise<AuditRecordRow[]> {
  let query = q(db).selectFrom('audit_records').selectAll();
  if (f.action) {
    query = f.action.endsWith('.*') ? query.where('action', 'like', `${f.action.slice(0, -1)}%`) : query.where('action', '=', f.action);
  }
  if (f.actorId) query = query.where('actor_id', '=', f.actorId);
  if (f.orgId) query = query.where('org_id', '=', f.orgId);
  if (f.subjectType) query = query.where('subject_type', '=', f.subjectType);
  if (f.subjectId) query = query.where('subject_id', '=', f.subjectId);
  if (f.outcome) query = query.where('outcome', '=', f.outcome);
  if (f.dataSubject) query = query.where('data_subject', '=', f.dataSubject);
  if (f.from) query = query.where('occurred_at', '>=', f.from);
  if (f.to) query = query.where('occurred_at', '<', f.to);
  if (f.beforeSeq !== undefined) query = query.where('seq', '<', f.beforeSeq);
  if (f.text) {
    const like = `%${f.text.replace(/[%_\\]/g, (c) => '\\' + c)}%`;
    const op = dialect === 'postgres' ? sql`ilike` : sql`like`;
    query = query.where((eb) =>
      eb.or([
        eb(sql`summary`, op, sql`${like} escape '\\'`),
        eb(sql`actor_name`, op, sql`${like} escape '\\'`),
        eb(sql`subject_id`, op, sql`${like} escape '\\'`),
      ]),
    );
  }
  return query.orderBy('seq', 'desc').limit(f.limit).execute();
}
