import type { PlatformMigration } from '../../core/db/migrate.js';

/**
 * Pub/sub tables of a node's own database. A provider node keeps the events its local systems
 * published (`pubsub_events`, unless a NATS JetStream store is configured) and, per subscriber,
 * how far the subscriber has acknowledged (`pubsub_subscriptions.cursor_seq`). A consumer node keeps
 * its subscriptions and an inbox of received events, unique per subscription and event id (the
 * deduplication of at-least-once delivery), with `delivered_seq`: how far its backend (push) or
 * local system (pull) has taken them. Sequence numbers are given by the node's single writer.
 */
export const pubsubMigration: PlatformMigration = {
  name: 'node-0004-pubsub',
  async up(db) {
    await db.schema
      .createTable('pubsub_events')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull().unique())
      .addColumn('service', 'text', (c) => c.notNull()) // INSTANCE/CLASS/MEMBER/SUBSYSTEM/eventType
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pubsub_events_service_idx').on('pubsub_events').columns(['service', 'seq']).execute();
    await db.schema
      .createTable('pubsub_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('consumer_node', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('cursor_seq', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('pubsub_subscriptions_consumer_uq', ['consumer', 'service'])
      .execute();
    await db.schema
      .createTable('pubsub_local_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('delivery', 'text', (c) => c.notNull()) // PUSH | PULL
      .addColumn('push_url', 'text', (c) => c.notNull())
      .addColumn('provider_node', 'text', (c) => c.notNull())
      .addColumn('delivered_seq', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('pubsub_local_subscriptions_uq', ['client', 'service'])
      .execute();
    await db.schema
      .createTable('pubsub_inbox')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('subscription_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('publisher', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('pubsub_inbox_event_uq', ['subscription_id', 'event_id'])
      .execute();
    await db.schema.createIndex('pubsub_inbox_sub_idx').on('pubsub_inbox').columns(['subscription_id', 'seq']).execute();
  },
};
