import { sql } from 'kysely';
import type { PlatformMigration } from '../core/db/migrate.js';

/** Change rows kept for processes whose in-memory search index is behind; one older than that rebuilds. */
export const SEARCH_CHANGES_KEPT = 100_000;

/**
 * `catalog_search_changes`: one row per write to a resource's searchable state, in commit order on
 * SQLite (writers are serialized), read by every process's in-memory search index
 * (`search-index.ts`) to stay consistent with the database, also across processes (a CLI import
 * while the platform serves).
 * - Triggers on `catalog_resources` insert and update write the rows: one per resource written,
 *   none per token, so a bulk import pays one small insert per resource.
 * - Token rewrites without a resource write (`replaceTokens`, e.g. `reindexAll` after a thesaurus
 *   change) record their own row in the same statement batch (the repository does it).
 * - Every 10,000th row deletes the rows older than `SEARCH_CHANGES_KEPT`, in the writer's
 *   transaction: no reader ever writes. The newest row is never deleted, so a plain INTEGER
 *   PRIMARY KEY (max + 1) keeps growing; AUTOINCREMENT would cost the bulk import a
 *   `sqlite_sequence` write per resource (~4 % of its rate, bench/catalog-change-triggers.bench.ts).
 *   A reader whose cursor is beyond the newest row (the table emptied by hand) rebuilds.
 * PostgreSQL gets the same table and triggers, but its sequence values can commit out of order,
 * so an index reading `seq > cursor` could skip a late commit: PostgreSQL searches stay on the SQL
 * path (see `createCatalogSearchIndex`).
 */
export const catalogSearchChangesMigration: PlatformMigration = {
  name: '0015-catalog-search-changes',
  async up(db, dialect) {
    if (dialect === 'sqlite') {
      await sql`create table catalog_search_changes (seq integer primary key, resource_id text not null)`.execute(db);
      await sql`create trigger catalog_search_changes_insert after insert on catalog_resources
        begin insert into catalog_search_changes (resource_id) values (new.id); end`.execute(db);
      await sql`create trigger catalog_search_changes_update after update on catalog_resources
        begin insert into catalog_search_changes (resource_id) values (new.id); end`.execute(db);
      await sql`create trigger catalog_search_changes_prune after insert on catalog_search_changes when new.seq % 10000 = 0
        begin delete from catalog_search_changes where seq <= new.seq - ${sql.lit(SEARCH_CHANGES_KEPT)}; end`.execute(db);
    } else {
      await sql`create table catalog_search_changes (seq bigserial primary key, resource_id text not null)`.execute(db);
      await sql`create function catalog_search_change() returns trigger language plpgsql as $$
        begin insert into catalog_search_changes (resource_id) values (new.id); return null; end $$`.execute(db);
      await sql`create trigger catalog_search_changes_write after insert or update on catalog_resources
        for each row execute function catalog_search_change()`.execute(db);
      await sql`create function catalog_search_changes_prune() returns trigger language plpgsql as $$
        begin
          if new.seq % 10000 = 0 then delete from catalog_search_changes where seq <= new.seq - ${sql.lit(SEARCH_CHANGES_KEPT)}; end if;
          return null;
        end $$`.execute(db);
      await sql`create trigger catalog_search_changes_prune after insert on catalog_search_changes
        for each row execute function catalog_search_changes_prune()`.execute(db);
    }
  },
};
