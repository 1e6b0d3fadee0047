import type { PlatformMigration } from '../db/migrate.js';

/** The working-day calendar's exceptions to the ordinary week, one row per date (`YYYY-MM-DD` text). */
export const calendarMigration: PlatformMigration = {
  name: '0003-calendar',
  async up(db) {
    await db.schema
      .createTable('calendar_entries')
      .addColumn('date', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
