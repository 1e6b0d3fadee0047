import { auditBodyMigration, auditMigration } from './audit/index.js';
import { catalogHarvestMigration, catalogMigration, catalogSearchChangesMigration, catalogSearchScaleMigration } from './catalog/index.js';
import { calendarMigration } from './core/calendar/index.js';
import type { PlatformMigration } from './core/db/migrate.js';
import { exchangeMigration } from './exchange/index.js';
import { identityMigration } from './identity/index.js';
import { registriesMigration, registryLogNodesMigration } from './registries/index.js';

/** Every module's migrations, in the global order they apply. Add new ones at the end. */
export const MIGRATIONS: readonly PlatformMigration[] = [
  identityMigration,
  auditMigration,
  calendarMigration,
  auditBodyMigration,
  exchangeMigration,
  catalogMigration,
  registriesMigration,
  catalogHarvestMigration,
  catalogSearchScaleMigration,
  registryLogNodesMigration,
  catalogSearchChangesMigration,
];
