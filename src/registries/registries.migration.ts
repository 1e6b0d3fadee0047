import type { PlatformMigration } from '../core/db/migrate.js';

/**
 * Base registries. `registry_records` holds each record's current values (a projection of the
 * log); `registry_entries` is the append-only log every change goes to, one Merkle leaf per
 * entry; `registry_heads` (one row per registry) is bumped first by every write, which takes its
 * row lock on both dialects so entries of one registry never fork.
 */
export const registriesMigration: PlatformMigration = {
  name: '0005-registries',
  async up(db, dialect) {
    const real = dialect === 'postgres' ? 'double precision' : 'real';
    await db.schema
      .createTable('registry_records')
      .addColumn('registry', 'text', (c) => c.notNull())
      .addColumn('record_key', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('last_seq', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('holder', 'text')
      .addColumn('min_lon', real)
      .addColumn('min_lat', real)
      .addColumn('max_lon', real)
      .addColumn('max_lat', real)
      .addPrimaryKeyConstraint('registry_records_pk', ['registry', 'record_key'])
      .execute();
    await db.schema.createIndex('registry_records_holder_idx').on('registry_records').columns(['registry', 'holder']).execute();
    await db.schema.createIndex('registry_records_bbox_idx').on('registry_records').columns(['registry', 'min_lon', 'max_lon']).execute();

    await db.schema
      .createTable('registry_entries')
      .addColumn('registry', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('record_key', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('org_id', 'text')
      .addColumn('sources', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('changes', 'text', (c) => c.notNull())
      .addColumn('sealed_changes', 'text')
      .addColumn('leaf_hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('registry_entries_pk', ['registry', 'seq'])
      .execute();
    await db.schema.createIndex('registry_entries_record_idx').on('registry_entries').columns(['registry', 'record_key', 'seq']).execute();

    await db.schema
      .createTable('registry_heads')
      .addColumn('registry', 'text', (c) => c.primaryKey())
      .addColumn('size', 'integer', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('registry_tree_heads')
      .addColumn('registry', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('root_hash', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'text', (c) => c.notNull())
      .addColumn('suite', 'text', (c) => c.notNull())
      .addColumn('key_fingerprint', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('registry_tree_heads_pk', ['registry', 'size'])
      .execute();

    await db.schema
      .createTable('registry_source_bindings')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('org_name', 'text', (c) => c.notNull())
      .addColumn('org_uscc', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('registry_discrepancies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('registry', 'text', (c) => c.notNull())
      .addColumn('record_key', 'text', (c) => c.notNull())
      .addColumn('attribute', 'text', (c) => c.notNull())
      .addColumn('believed_value', 'text', (c) => c.notNull())
      .addColumn('evidence', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_org_id', 'text', (c) => c.notNull())
      .addColumn('filed_by_org', 'text', (c) => c.notNull())
      .addColumn('filed_by_user', 'text', (c) => c.notNull())
      .addColumn('filed_at', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('resolution_note', 'text')
      .addColumn('resolved_by', 'text')
      .addColumn('resolved_at', 'text')
      .addColumn('resolved_seq', 'integer')
      .execute();
    await db.schema.createIndex('registry_discrepancies_source_idx').on('registry_discrepancies').columns(['source_org_id', 'status']).execute();
    await db.schema.createIndex('registry_discrepancies_filer_idx').on('registry_discrepancies').columns(['filed_by_org', 'status']).execute();
  },
};
