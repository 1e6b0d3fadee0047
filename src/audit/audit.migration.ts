import type { PlatformMigration } from '../core/db/migrate.js';

/**
 * The audit chain. `audit_head` is a single row (id = 1) holding the last sequence number and hash;
 * every append updates it first, which takes the row's write lock on both dialects, so concurrent
 * writers queue instead of forking the chain.
 */
export const auditMigration: PlatformMigration = {
  name: '0002-audit',
  async up(db) {
    await db.schema
      .createTable('audit_records')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('org_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject_type', 'text')
      .addColumn('subject_id', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('request_id', 'text')
      .addColumn('client_ip', 'text')
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('data_subject', 'text')
      .addColumn('purpose', 'text')
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_action_idx').on('audit_records').columns(['action', 'seq']).execute();
    await db.schema.createIndex('audit_actor_idx').on('audit_records').columns(['actor_id', 'seq']).execute();
    await db.schema.createIndex('audit_org_idx').on('audit_records').columns(['org_id', 'seq']).execute();
    await db.schema.createIndex('audit_time_idx').on('audit_records').column('occurred_at').execute();
    await db.schema.createIndex('audit_subject_idx').on('audit_records').columns(['subject_type', 'subject_id']).execute();
    await db.schema.createIndex('audit_data_subject_idx').on('audit_records').columns(['data_subject', 'seq']).execute();

    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('hash_alg', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'text', (c) => c.notNull())
      .addColumn('suite', 'text', (c) => c.notNull())
      .addColumn('key_fingerprint', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .execute();
  },
};
