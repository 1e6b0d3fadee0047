import SQLite from 'better-sqlite3';

/**
 * Runs `fn` and returns the SQL statements better-sqlite3 prepared meanwhile (Kysely's SQLite
 * driver prepares every statement on every query). Only for a quiet moment: it counts whatever
 * else runs at the same time.
 */
export async function sqlStatementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const proto = SQLite.prototype as unknown as { prepare: (sql: string) => unknown };
  const original = proto.prepare;
  const seen: string[] = [];
  proto.prepare = function (this: unknown, sql: string) {
    seen.push(sql);
    return original.call(this, sql);
  };
  try {
    await fn();
  } finally {
    proto.prepare = original;
  }
  return seen;
}
