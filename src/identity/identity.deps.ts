import type { AuditLog } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';

/** Encrypts small secrets at rest (TOTP seeds) with the platform's data key. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export interface IdentitySettings {
  /** scrypt cost N. */
  passwordCost: number;
  /** Failed sign-ins before the account locks (等保: ≤ 5). */
  maxFailures: number;
  /** How long a lock lasts. */
  lockMs: number;
  /** Sessions end after this long without a request. */
  sessionIdleMs: number;
  /** Sessions end this long after sign-in whatever happens. */
  sessionMaxMs: number;
}

export const DEFAULT_IDENTITY_SETTINGS: Omit<IdentitySettings, 'passwordCost'> = {
  maxFailures: 5,
  lockMs: 15 * 60_000,
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 12 * 3600_000,
};

/** What the identity services are built from; injected so tests control time and keys. */
export interface IdentityDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  secrets: SecretBox;
  settings: IdentitySettings;
}
