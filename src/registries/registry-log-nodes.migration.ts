import type { PlatformMigration } from '../core/db/migrate.js';

/**
 * Stored hashes of the complete subtrees of each registry's Merkle log (RFC 6962), from
 * `NODE_BASE_LEVEL` (256 leaves) up: node (`level`, `idx`) is MTH of entries
 * idx·2^level + 1 … (idx + 1)·2^level. A complete subtree never changes in an append-only log,
 * so nodes are written once, in the transaction that completes them, and proofs and tree heads
 * read O(log n) of them instead of every leaf.
 */
export const registryLogNodesMigration: PlatformMigration = {
  name: '0014-registry-log-nodes',
  async up(db) {
    await db.schema
      .createTable('registry_log_nodes')
      .addColumn('registry', 'text', (c) => c.notNull())
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('idx', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('registry_log_nodes_pk', ['registry', 'level', 'idx'])
      .execute();
  },
};
