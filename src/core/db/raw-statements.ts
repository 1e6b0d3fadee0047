/**
 * Hot statements run as compiled SQL text rather than through the query builder: the point
 * lookups of every request (session check, registry reads) and the appends of every change (audit),
 * where building and compiling a Kysely query costs more than the query. Parameters are always
 * bound, never spliced into the text.
 */
import type SQLite from 'better-sqlite3';
import { sqliteHandleOf, tablesOf, type Db } from './database.js';

const numberedOf = new WeakMap<Db, boolean>();

/** True when the database numbers its parameters (`$1`, PostgreSQL), false for `?` (SQLite); asked once per database or transaction. */
export function numberedParameters(db: Db): boolean {
  let n = numberedOf.get(db);
  if (n === undefined) {
    n = tablesOf<{ t: { c: string } }>(db).selectFrom('t').select('c').where('c', '=', '').compile().sql.includes('$1');
    numberedOf.set(db, n);
  }
  return n;
}

/** `count` parameter placeholders from number `from` + 1: `?, ?` or `$3, $4`. */
export function placeholders(db: Db, count: number, from = 0): string {
  const n = numberedParameters(db);
  return Array.from({ length: count }, (_, i) => (n ? `$${from + i + 1}` : '?')).join(', ');
}

const idleStatements = new WeakMap<SQLite.Database, Map<string, SQLite.Statement>>();

/**
 * The prepared statement of `text` straight on the SQLite connection under `db`, when `db` is the
 * database itself (not a transaction) and no transaction is open on the connection; otherwise
 * undefined, and the caller goes through Kysely, which queues behind the open transaction. A
 * statement run this way skips the query builder's connection queue and promise chain; run
 * synchronously with no transaction open, a read sees committed rows only. Statements are
 * prepared once per connection and text.
 *
 * @example
 * const idle = idleSqliteStatement(db, 'select * from t where id = ?');
 * const row = idle ? idle.get(id) : (await db.executeQuery(CompiledQuery.raw(text, [id]))).rows[0];
 */
export function idleSqliteStatement<R = unknown>(db: Db, text: string): SQLite.Statement<unknown[], R> | undefined {
  const sqlite = sqliteHandleOf(db);
  if (!sqlite || sqlite.inTransaction) return undefined;
  let statements = idleStatements.get(sqlite);
  if (!statements) idleStatements.set(sqlite, (statements = new Map()));
  let stmt = statements.get(text);
  if (!stmt) {
    // Bounded by the shapes the code builds; a runaway caller must not grow it without end.
    if (statements.size > 512) statements.clear();
    statements.set(text, (stmt = sqlite.prepare(text)));
  }
  return stmt as SQLite.Statement<unknown[], R>;
}
