import { sql } from 'kysely';
import type { PlatformMigration } from '../core/db/migrate.js';

/**
 * Search at scale (bench/catalog-scale.bench.ts):
 * - a covering index with every column search filters, sorts and counts facets on, so matching
 *   resources are read from the index alone, never from their (wide) rows;
 * - on SQLite the token index becomes a WITHOUT ROWID table clustered on (token, resource_id): a
 *   token's postings are one contiguous range, and every posting is written to one B-tree fewer;
 *   it drops the foreign key too (a lookup per posting written): the tokens are derived data,
 *   rewritten with their resource (`replaceTokens`), and resources are never deleted, only taken offline;
 * - the harvest provenance index covers harvested resources only (a partial index).
 */
export const catalogSearchScaleMigration: PlatformMigration = {
  name: '0013-catalog-search-scale',
  async up(db, dialect) {
    await db.schema
      .createIndex('catalog_resources_search_cover')
      .on('catalog_resources')
      .columns([
        'id',
        'status',
        'share_type',
        'open_type',
        'format_type',
        'update_cycle',
        'region_code',
        'provider_org_id',
        'provider_name',
        'class_code',
        'seq',
        'updated_at',
      ])
      .execute();
    await db.schema.dropIndex('catalog_resources_harvest_uq').execute();
    await db.schema
      .createIndex('catalog_resources_harvest_uq')
      .on('catalog_resources')
      .columns(['harvest_source_id', 'source_uri'])
      .unique()
      .where(sql.ref('harvest_source_id'), 'is not', null)
      .execute();
    if (dialect === 'sqlite') {
      await sql`create table catalog_search_tokens_new (
        token text not null,
        resource_id text not null,
        weight integer not null,
        constraint catalog_search_tokens_pk primary key (token, resource_id)
      ) without rowid`.execute(db);
      await sql`insert into catalog_search_tokens_new (token, resource_id, weight) select token, resource_id, weight from catalog_search_tokens`.execute(db);
      await sql`drop table catalog_search_tokens`.execute(db);
      await sql`alter table catalog_search_tokens_new rename to catalog_search_tokens`.execute(db);
      await db.schema.createIndex('catalog_search_tokens_resource_idx').on('catalog_search_tokens').column('resource_id').execute();
    }
  },
};
