import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db, Dialect } from './database.js';

/**
 * A versioned migration. `name` orders migrations globally (`0001-identity`, `0002-audit`…);
 * `up` receives the dialect because a few column types differ between SQLite and PostgreSQL.
 */
export interface PlatformMigration {
  name: string;
  up(db: Db, dialect: Dialect): Promise<void>;
}

class ListProvider implements MigrationProvider {
  constructor(
    private readonly list: readonly PlatformMigration[],
    private readonly dialect: Dialect,
  ) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const m of this.list) out[m.name] = { up: (db) => m.up(db, this.dialect) };
    return out;
  }
}

function migratorOf(db: Db, dialect: Dialect, migrations: readonly PlatformMigration[]): Migrator {
  return new Migrator({
    db,
    provider: new ListProvider(migrations, dialect),
    migrationTableName: 'zt_migrations',
    migrationLockTableName: 'zt_migrations_lock',
    // Modules land their migrations independently: a database that already applied a later-numbered
    // one must still take an earlier-numbered newcomer (each migration touches only its own tables).
    allowUnorderedMigrations: true,
  });
}

/**
 * Applies every pending migration in name order, each in its own transaction, and returns the
 * names applied. Safe to run concurrently from several processes: Kysely takes a lock table.
 *
 * @throws the migration's error, after rolling that migration back.
 */
export async function migrateToLatest(db: Db, dialect: Dialect, migrations: readonly PlatformMigration[]): Promise<string[]> {
  const migrator = migratorOf(db, dialect, migrations);
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Lists migrations with whether each has been applied. */
export async function migrationStatus(
  db: Db,
  dialect: Dialect,
  migrations: readonly PlatformMigration[],
): Promise<Array<{ name: string; executedAt: Date | undefined }>> {
  const migrator = migratorOf(db, dialect, migrations);
  const infos = await migrator.getMigrations();
  return infos.map((i) => ({ name: i.name, executedAt: i.executedAt }));
}
