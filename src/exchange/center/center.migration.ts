import type { PlatformMigration } from '../../core/db/migrate.js';

/**
 * The exchange center's registry: members (departments, by instance/class/USCC), their
 * subsystems, nodes and their registration requests, services, access rights, the trust root and
 * the versions of the global configuration. Times are ISO-8601 UTC text; lists are JSON text.
 */
export const exchangeMigration: PlatformMigration = {
  name: '0007-exchange',
  async up(db) {
    await db.schema
      .createTable('exchange_members')
      .addColumn('id', 'text', (c) => c.primaryKey()) // INSTANCE/CLASS/CODE
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('member_class', 'text', (c) => c.notNull())
      .addColumn('member_code', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('exchange_subsystems')
      .addColumn('id', 'text', (c) => c.primaryKey()) // INSTANCE/CLASS/CODE/SUBSYSTEM
      .addColumn('member_id', 'text', (c) => c.notNull().references('exchange_members.id'))
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('node_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('exchange_nodes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('subsystems', 'text', (c) => c.notNull()) // JSON array of subsystem codes
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('tls_public_key', 'text', (c) => c.notNull()) // SPKI PEM (ECDSA P-256 or Ed25519)
      .addColumn('sign_suite', 'text', (c) => c.notNull())
      .addColumn('sign_public_key', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull()) // pending | approved | rejected | revoked
      .addColumn('cert_pem', 'text')
      .addColumn('cert_fingerprint', 'text')
      .addColumn('cert_not_after', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .execute();
    await db.schema.createIndex('exchange_nodes_status_idx').on('exchange_nodes').columns(['status', 'created_at']).execute();

    await db.schema
      .createTable('exchange_services')
      .addColumn('id', 'text', (c) => c.primaryKey()) // subsystem id + /CODE
      .addColumn('subsystem_id', 'text', (c) => c.notNull().references('exchange_subsystems.id'))
      .addColumn('code', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('openapi', 'text')
      .addColumn('catalog_resource_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('exchange_access_rights')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('consumer', 'text', (c) => c.notNull())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('endpoints', 'text', (c) => c.notNull()) // JSON [{method, path}]
      .addColumn('fields', 'text') // JSON array, null = every field
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('valid_from', 'text', (c) => c.notNull())
      .addColumn('valid_until', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('revoke_reason', 'text')
      .execute();
    await db.schema.createIndex('exchange_rights_service_idx').on('exchange_access_rights').columns(['service', 'consumer']).execute();
    await db.schema.createIndex('exchange_rights_consumer_idx').on('exchange_access_rights').column('consumer').execute();

    // The trust root: one row; the CA private key is sealed with the platform's data key.
    await db.schema
      .createTable('exchange_ca')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('cert_pem', 'text', (c) => c.notNull())
      .addColumn('sealed_key', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('exchange_globalconf_versions')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
