import type { AuditLog } from '../audit/index.js';
import type { CalendarService } from '../core/calendar/index.js';
import type { Clock } from '../core/clock.js';
import type { CryptoSuite } from '../core/crypto/index.js';
import type { Db, Dialect } from '../core/db/database.js';
import type { RegistryDefinition } from './registry-definition.js';
import type { Sealer } from './registry-log.js';

/** Signs tree heads with the platform's key. */
export interface TreeHeadSigner {
  suite: string;
  fingerprint: string;
  sign(message: Uint8Array): Buffer;
  verify(message: Uint8Array, signature: Buffer): boolean;
}

/** An organisation as the registries need it (resolved through the identity module). */
export interface OrgRef {
  id: string;
  name: string;
  uscc: string;
}

/** What the registry services are built from; injected so tests control time and keys. */
export interface RegistryDeps {
  db: Db;
  dialect: Dialect;
  audit: AuditLog;
  clock: Clock;
  calendar: CalendarService;
  /** The platform suite's hash: Merkle leaves and nodes. */
  hash: CryptoSuite['hash'];
  /** Seals sensitive attributes at rest. */
  sealer: Sealer;
  signer: TreeHeadSigner;
  /** Finds an organisation by its USCC (identity module). */
  findOrgByUscc(uscc: string): Promise<OrgRef | undefined>;
  definitions: readonly RegistryDefinition[];
}
