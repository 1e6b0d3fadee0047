import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';

import { dialectOf, sqlitePathOf, type Dialect } from './db-url.js';

// URL parsing lives apart so light modules (the audit verification worker) need not load the drivers.
export { dialectOf, sqlitePathOf, type Dialect };

/**
 * The database as seen by the platform's core. Each module narrows it to its own tables with
 * `tablesOf<ModuleTables>(db)`; no module names another module's tables.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the union of all modules' tables is not known to the core
export type Db = Kysely<any>;

export interface Database {
  db: Db;
  dialect: Dialect;
  /** A printable form of the URL with any password removed. */
  displayUrl: string;
  close(): Promise<void>;
}

/** Gives a module a typed view on the shared database (or an open transaction). */
export function tablesOf<T>(db: Db): Kysely<T> {
  return db as Kysely<T>;
}

// pg returns int8 and numeric as strings; counts in this code base stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * Kysely's SQLite driver prepares (compiles) every statement anew; compiling costs more than
 * running most of our queries. This keeps the last `size` compiled statements by SQL text and
 * hands out a fresh one only while a cached one is still busy (an unfinished iterator).
 */
function withStatementCache(sqlite: SQLite.Database, size = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string): SQLite.Statement {
      const hit = cache.get(text);
      if (hit && !hit.busy) {
        cache.delete(text); // re-insert: Map order is the LRU order
        cache.set(text, hit);
        return hit;
      }
      const stmt = sqlite.prepare(text);
      if (!hit) {
        cache.set(text, stmt);
        if (cache.size > size) cache.delete(cache.keys().next().value as string);
      }
      return stmt;
    },
  };
}

const sqliteHandles = new WeakMap<Db, SQLite.Database>();

/**
 * The better-sqlite3 connection under a SQLite database opened by `openDatabase` (undefined for
 * PostgreSQL or a transaction): for the few hot loops where Kysely's row objects cost more than
 * the query, such as reading the audit chain for verification.
 */
export function sqliteHandleOf(db: Db): SQLite.Database | undefined {
  return sqliteHandles.get(db);
}

/**
 * Opens the database a URL names. SQLite runs in WAL mode with foreign keys on and a busy
 * timeout, so several processes can share one file; PostgreSQL uses a pool.
 *
 * @example const { db, close } = await openDatabase('sqlite:./data/platform.db');
 */
export async function openDatabase(url: string, options: { poolSize?: number } = {}): Promise<Database> {
  if (dialectOf(url) === 'postgres') {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    const display = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
    // An idle connection the server ends (restart, failover, an administrator's terminate, a
    // database dropped while the pool closes) makes the pool emit 'error'; without a listener that
    // is an uncaught exception that kills the process. The pool has already discarded the client
    // and opens a new one on the next query, so it is only worth a line while the pool is in use.
    let closing = false;
    pool.on('error', (err: Error & { code?: string }) => {
      if (!closing)
        process.stderr.write(`PostgreSQL: an idle connection to ${display} was closed (${err.code ?? err.name}: ${err.message}); the pool opens a new one\n`);
    });
    const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      dialect: 'postgres',
      displayUrl: display,
      close: () => {
        closing = true;
        return db.destroy();
      },
    };
  }
  const file = sqlitePathOf(url);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  // 64 MB of page cache (the default is 2 MB): index-heavy reads such as catalog search stop re-reading pages from the OS.
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  sqliteHandles.set(db, sqlite);
  return { db, dialect: 'sqlite', displayUrl: `sqlite:${file}`, close: () => db.destroy() };
}

/** True when the database answers a trivial query; used by `/readyz`. */
export async function pingDatabase(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** True when the URL names PostgreSQL, or an SQLite file that exists (opening would create it). */
export function databaseExists(url: string): boolean {
  if (dialectOf(url) === 'postgres') return true;
  const file = sqlitePathOf(url);
  return file === ':memory:' || fs.existsSync(file);
}

/** True when a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
