import type { PlatformMigration } from '../core/db/migrate.js';

/**
 * Harvesting (目录汇聚): the sources a higher-level catalog harvests, the record of each run, and
 * the provenance columns of harvested resources. A harvested resource is identified by
 * (source, original IRI), so a re-harvest updates it instead of adding a second one.
 */
export const catalogHarvestMigration: PlatformMigration = {
  name: '0012-catalog-harvest',
  async up(db) {
    await db.schema
      .createTable('catalog_harvest_sources')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull().unique())
      .addColumn('kind', 'text', (c) => c.notNull()) // zhengtong | dcat
      .addColumn('region_code', 'text')
      .addColumn('interval_minutes', 'integer') // null: only on demand
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('high_water', 'text') // the latest dct:modified seen at the source (its clock)
      .addColumn('lease_until', 'text') // a run in progress holds the source until then
      .addColumn('last_run_at', 'text')
      .addColumn('last_status', 'text')
      .addColumn('last_message', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('catalog_harvest_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('source_id', 'text', (c) => c.notNull())
      .addColumn('mode', 'text', (c) => c.notNull()) // full | incremental
      .addColumn('status', 'text', (c) => c.notNull()) // succeeded | failed
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text', (c) => c.notNull())
      .addColumn('pages', 'integer', (c) => c.notNull())
      .addColumn('created', 'integer', (c) => c.notNull())
      .addColumn('updated', 'integer', (c) => c.notNull())
      .addColumn('unchanged', 'integer', (c) => c.notNull())
      .addColumn('withdrawn', 'integer', (c) => c.notNull())
      .addColumn('skipped', 'integer', (c) => c.notNull())
      .addColumn('errors', 'text', (c) => c.notNull()) // JSON [{uri, reason}]
      .addColumn('message', 'text')
      .addColumn('triggered_by', 'text')
      .execute();
    await db.schema.createIndex('catalog_harvest_runs_source_idx').on('catalog_harvest_runs').columns(['source_id', 'started_at']).execute();

    for (const column of ['harvest_source_id', 'source_uri', 'source_code', 'source_modified', 'harvested_at'])
      await db.schema.alterTable('catalog_resources').addColumn(column, 'text').execute();
    await db.schema.createIndex('catalog_resources_harvest_uq').on('catalog_resources').columns(['harvest_source_id', 'source_uri']).unique().execute();
  },
};
