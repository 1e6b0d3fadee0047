import type { PlatformMigration } from '../core/db/migrate.js';

/** Organisations, users, roles, sessions and API keys. Times are ISO-8601 UTC text on both dialects. */
export const identityMigration: PlatformMigration = {
  name: '0001-identity',
  async up(db) {
    await db.schema
      .createTable('orgs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('uscc', 'text', (c) => c.notNull().unique())
      .addColumn('region_code', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text', (c) => c.references('orgs.id'))
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('orgs_kind_idx').on('orgs').columns(['kind', 'name']).execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.unique())
      .addColumn('id_number', 'text')
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('phone', 'text')
      .addColumn('org_id', 'text', (c) => c.references('orgs.id'))
      .addColumn('password_hash', 'text')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'text')
      .addColumn('totp_secret', 'text')
      .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('totp_last_step', 'integer') // last accepted TOTP time step: a code is never accepted twice
      .addColumn('last_login_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Citizens sign in with their identity number as username, so `username` being unique makes
    // one citizen account per number; agents keep their own number here too.
    await db.schema.createIndex('users_id_number_idx').on('users').column('id_number').execute();
    await db.schema.createIndex('users_org_idx').on('users').columns(['org_id', 'kind']).execute();

    await db.schema
      .createTable('user_roles')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('granted_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
      .execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey()) // SHA-256 of the token; the token itself is never stored
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('mfa_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('client_ip', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull().unique())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
  },
};
