import path from 'node:path';

/** The two storage engines. */
export type Dialect = 'sqlite' | 'postgres';

/** The dialect a database URL names: `postgres://…` / `postgresql://…`, anything else SQLite. */
export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite';
}

/** The SQLite file a URL names: `sqlite:/abs/path`, `sqlite://rel/path`, `file.db` or `:memory:`. */
export function sqlitePathOf(url: string): string {
  const p = url.replace(/^sqlite:(\/\/)?/i, '');
  return p === ':memory:' ? p : path.resolve(p);
}
