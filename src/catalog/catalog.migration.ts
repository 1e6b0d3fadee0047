import type { PlatformMigration } from '../core/db/migrate.js';

/**
 * Classification, thesaurus, resources, the search token index and sharing applications.
 * Lists and nested parts (data items, keywords, links) are JSON text on both dialects so both
 * read back byte-identical values; times are ISO-8601 UTC text.
 */
export const catalogMigration: PlatformMigration = {
  name: '0006-catalog',
  async up(db) {
    await db.schema
      .createTable('catalog_classes')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('parent_code', 'text', (c) => c.references('catalog_classes.code'))
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('catalog_classes_parent_idx').on('catalog_classes').column('parent_code').execute();

    await db.schema
      .createTable('catalog_terms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('preferred', 'text', (c) => c.notNull().unique())
      .addColumn('synonyms', 'text', (c) => c.notNull()) // JSON array of strings
      .addColumn('broader_id', 'text', (c) => c.references('catalog_terms.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('catalog_resources')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('code', 'text', (c) => c.notNull().unique())
      .addColumn('class_code', 'text', (c) => c.notNull().references('catalog_classes.code'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('provider_org_id', 'text', (c) => c.notNull())
      .addColumn('provider_name', 'text', (c) => c.notNull())
      .addColumn('provider_code', 'text', (c) => c.notNull())
      .addColumn('region_code', 'text', (c) => c.notNull())
      .addColumn('abstract', 'text', (c) => c.notNull())
      .addColumn('format_type', 'text', (c) => c.notNull())
      .addColumn('format_detail', 'text')
      .addColumn('items', 'text', (c) => c.notNull())
      .addColumn('share_type', 'text', (c) => c.notNull())
      .addColumn('share_condition', 'text')
      .addColumn('share_basis', 'text')
      .addColumn('share_methods', 'text', (c) => c.notNull())
      .addColumn('open_type', 'text', (c) => c.notNull())
      .addColumn('open_condition', 'text')
      .addColumn('update_cycle', 'text', (c) => c.notNull())
      .addColumn('published_on', 'text')
      .addColumn('related_codes', 'text', (c) => c.notNull())
      .addColumn('keywords', 'text', (c) => c.notNull())
      .addColumn('maintainer', 'text', (c) => c.notNull())
      .addColumn('links', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('review_note', 'text')
      .addColumn('base_registry', 'integer', (c) => c.notNull())
      .addColumn('data_updated_at', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('catalog_resources_class_seq_uq', ['class_code', 'seq'])
      .execute();
    await db.schema.createIndex('catalog_resources_provider_idx').on('catalog_resources').columns(['provider_org_id', 'status']).execute();
    await db.schema.createIndex('catalog_resources_status_idx').on('catalog_resources').columns(['status', 'updated_at']).execute();

    // The search index: one row per (token, resource), weight = sum of the field weights it occurs in.
    await db.schema
      .createTable('catalog_search_tokens')
      .addColumn('token', 'text', (c) => c.notNull())
      .addColumn('resource_id', 'text', (c) => c.notNull().references('catalog_resources.id').onDelete('cascade'))
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('catalog_search_tokens_pk', ['token', 'resource_id'])
      .execute();
    await db.schema.createIndex('catalog_search_tokens_resource_idx').on('catalog_search_tokens').column('resource_id').execute();

    await db.schema
      .createTable('catalog_applications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('resource_id', 'text', (c) => c.notNull().references('catalog_resources.id'))
      .addColumn('provider_org_id', 'text', (c) => c.notNull())
      .addColumn('consumer_org_id', 'text', (c) => c.notNull())
      .addColumn('consumer_subsystem', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('legal_basis', 'text', (c) => c.notNull())
      .addColumn('items', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_until', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text')
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('reason', 'text')
      .addColumn('approved_items', 'text')
      .addColumn('access_right_ids', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('catalog_applications_provider_idx').on('catalog_applications').columns(['provider_org_id', 'status']).execute();
    await db.schema.createIndex('catalog_applications_consumer_idx').on('catalog_applications').columns(['consumer_org_id', 'status']).execute();
  },
};
