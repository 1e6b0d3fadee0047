import SQLite from 'better-sqlite3';

type Prepare = (this: object, sql: string) => unknown;
const proto = SQLite.prototype as unknown as { prepare: Prepare };

/**
 * Runs `fn` and returns the SQL statements better-sqlite3 prepared meanwhile (Kysely's SQLite
 * driver prepares every statement on every query). Only for a quiet moment: it counts whatever
 * else runs at the same time.
 */
export async function sqlStatementsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const original = proto.prepare;
  const seen: string[] = [];
  proto.prepare = function (sql) {
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

/**
 * EXPERIMENT, not the platform as shipped: makes better-sqlite3's `prepare()` return a cached
 * statement per connection and SQL text (up to `max` per connection, oldest dropped first), to
 * show what a prepared-statement cache in `src/core/db/database.ts` would gain. Safe for Kysely's
 * `executeQuery` (each statement runs to completion synchronously); not for two interleaved
 * `iterate()` streams of the same SQL, which the platform does not use.
 */
export function enableStatementCache(max = 500): void {
  const original = proto.prepare;
  const caches = new WeakMap<object, Map<string, unknown>>();
  proto.prepare = function (sql) {
    let cache = caches.get(this);
    if (!cache) caches.set(this, (cache = new Map()));
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      stmt = original.call(this, sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}
