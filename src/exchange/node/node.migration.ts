import type { PlatformMigration } from '../../core/db/migrate.js';
import { pubsubMigration } from '../pubsub/pubsub.migration.js';

/**
 * A node's own database (not the platform's): the message log, hash-chained through
 * `message_log_head` (one row; every append updates it first, taking its write lock, so
 * concurrent appends queue instead of forking the chain), and the message ids seen, which make
 * replays fail on a primary key.
 */
export const nodeMigrations: readonly PlatformMigration[] = [
  {
    name: 'node-0001-message-log',
    async up(db) {
      await db.schema
        .createTable('message_ids')
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_ids_pk', ['role', 'sender', 'message_id'])
        .execute();
      await db.schema
        .createTable('message_log')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull()) // consumer | provider
        .addColumn('client', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('issue', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('consumer_node', 'text', (c) => c.notNull())
        .addColumn('provider_node', 'text', (c) => c.notNull())
        .addColumn('request_timestamp', 'text', (c) => c.notNull())
        .addColumn('request_content_type', 'text', (c) => c.notNull())
        .addColumn('request_body_hash', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('request_signature', 'text', (c) => c.notNull())
        .addColumn('response_timestamp', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer', (c) => c.notNull())
        .addColumn('response_content_type', 'text', (c) => c.notNull())
        .addColumn('response_error', 'text', (c) => c.notNull())
        .addColumn('response_body_hash', 'text', (c) => c.notNull())
        .addColumn('response_signature', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull()) // ok | denied | error
        .addColumn('bodies', 'text', (c) => c.notNull()) // full | metadata
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('message_log_id_idx').on('message_log').columns(['message_id', 'role']).execute();
      await db.schema
        .createTable('message_log_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db
        .insertInto('message_log_head')
        .values({ id: 1, seq: 0, hash: '0'.repeat(64) })
        .execute();
    },
  },
  {
    // Bodies move from one file per message into the database, written in the same transaction
    // as their record (creating two files per message cost more than the rest of the logging).
    name: 'node-0002-message-bodies',
    async up(db, dialect) {
      await db.schema
        .createTable('message_bodies')
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('part', 'text', (c) => c.notNull()) // request | response
        .addColumn('body', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('message_bodies_pk', ['seq', 'part'])
        .execute();
    },
  },
  {
    // One row per archive file: the live chain then verifies from the last archived hash.
    name: 'node-0003-message-log-archives',
    async up(db) {
      await db.schema
        .createTable('message_log_archives')
        .addColumn('first_seq', 'integer', (c) => c.notNull())
        .addColumn('last_seq', 'integer', (c) => c.primaryKey())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('file_hash', 'text', (c) => c.notNull())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  {
    // File transfer (src/exchange/transfer): one row per transfer on each side, one per verified
    // chunk on the receiving side (what a resumed transfer skips). The bytes live on disk.
    name: 'node-0005-file-transfer',
    async up(db) {
      await db.schema
        .createTable('transfers')
        .addColumn('role', 'text', (c) => c.notNull()) // consumer | provider
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('envelope', 'text', (c) => c.notNull()) // the signed opening request (JSON)
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('chunk_size', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull()) // open | verifying | complete | failed
        .addColumn('result', 'text') // the signed result (JSON), once complete or failed
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addPrimaryKeyConstraint('transfers_pk', ['role', 'id'])
        .execute();
      await db.schema
        .createTable('transfer_chunks')
        .addColumn('transfer_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('transfer_chunks_pk', ['transfer_id', 'idx'])
        .execute();
    },
  },
  pubsubMigration,
  {
    // Bodies encrypted at rest (node.json messageLog.encryptBodies, see body-encryption.ts): the id
    // of the data key a body is encrypted with; null for a body kept in plaintext, as every body
    // written before.
    name: 'node-0006-message-body-encryption',
    async up(db) {
      await db.schema.alterTable('message_bodies').addColumn('key_id', 'text').execute();
    },
  },
];
