import type { Db } from './db/database.js';

/**
 * The seam between the catalog (which decides who may use what) and the exchange center (which
 * enforces it): an approved sharing application becomes an access right in the center's global
 * configuration. The exchange module owns the table and implements `AccessRightStore`; the catalog
 * only sees this interface, so neither module imports the other.
 *
 * Identifiers follow X-Road: a subsystem is `INSTANCE/CLASS/MEMBER/SUBSYSTEM`
 * (`CN-DEMO/GOV/11350100MB2C92731X/hukou`), a service is that plus `/SERVICECODE`.
 */
export interface AccessRightInput {
  /** The consuming subsystem. */
  consumer: string;
  /** The service being granted. */
  service: string;
  /** Endpoints the right covers (`{ method: 'GET', path: '/persons/*' }`); empty means the whole service. */
  endpoints: { method: string; path: string }[];
  /** JSON field paths that may leave the provider's node; `null` means every field. */
  fields: string[] | null;
  /** The legal purpose the consumer must state (`X-Road-Purpose`). */
  purpose: string;
  /** ISO instants; `validUntil` null means no end. */
  validFrom: string;
  validUntil: string | null;
  /** Where the right came from: `manual`, or `catalog:<application id>`. */
  source: string;
}

export interface AccessRight extends AccessRightInput {
  id: string;
  createdAt: string;
  revokedAt: string | null;
  revokeReason: string | null;
}

/** Grants and revokes access rights inside the caller's transaction (so the audit record and the right commit together). */
export interface AccessRightStore {
  grant(trx: Db, right: AccessRightInput): Promise<AccessRight>;
  revoke(trx: Db, id: string, reason: string): Promise<void>;
  /** Rights in force at `at` (ISO instant), for the global configuration. */
  inForce(db: Db, at: string): Promise<AccessRight[]>;
  /** Every right (revoked ones too) on a service with this code, whoever provides it: who may receive an event type. */
  withServiceCode(db: Db, code: string): Promise<AccessRight[]>;
}
