/**
 * The base registries module (基础信息库): registries defined by configuration, one data one
 * source, an append-only Merkle log per registry with signed tree heads and proofs,
 * verification (核验), access records and masking, bulk import, discrepancy reports and the
 * GovStack Digital Registries data API. This file is the module's only public surface.
 */
import type { AuditLog } from '../audit/index.js';
import type { CalendarService } from '../core/calendar/index.js';
import type { Clock } from '../core/clock.js';
import type { Db, Dialect } from '../core/db/database.js';
import type { HttpApp } from '../core/http/app.js';
import { findOrgById, findOrgByUscc, type IdentityDeps } from '../identity/index.js';
import { secretBoxOf, type PlatformKeys } from '../core/keys.js';
import { DiscrepancyService } from './discrepancy.service.js';
import { changeNoticeRoutes, type RightsWithServiceCode } from './exchange/change-notices.routes.js';
import { registryExchangeRoutes } from './exchange/registry-exchange.routes.js';
import { govstackRoutes } from './govstack.routes.js';
import { logVerifyRoutes } from './log-verify.routes.js';
import { myDataRoutes } from './my-data.routes.js';
import { registryFileRoutes } from './registry-files.routes.js';
import { SHIPPED_REGISTRIES } from './registries.config.js';
import type { RegistryDeps } from './registries.deps.js';
import { registryRoutes } from './registries.routes.js';
import { RegistryService } from './registries.service.js';
import type { RegistryDefinition } from './registry-definition.js';

export { registriesMigration } from './registries.migration.js';
export { registryLogNodesMigration } from './registry-log-nodes.migration.js';
export { RegistryService, claimMatches, type RegistryRecord, type HistoryEntry, type ClaimResult } from './registries.service.js';
export { DiscrepancyService, type Discrepancy } from './discrepancy.service.js';
export { SHIPPED_REGISTRIES, SOURCE_DEPARTMENTS, POPULATION, LEGAL_ENTITIES, LAND_PARCELS } from './registries.config.js';
export type { RegistryDefinition, AttributeDefinition, Attributes, AttributeValue } from './registry-definition.js';
export type { RegistryDeps, OrgRef, TreeHeadSigner } from './registries.deps.js';
export { verifyRegistryLog, currentTreeHead, treeHeadMessage, type RegistryVerifyResult, type SignedTreeHead } from './registry-proofs.js';
export { verifyInclusion, verifyConsistency, rootOfLeafHashes, leafHash } from './merkle-log.js';
export { geometryArea, geometryProblem, geometryContains } from './geometry.js';
export { importRegistryFile, type ImportOptions, type ImportResult, type ImportRowError } from './registry-import.js';
export { verifyBatch, type VerifyBatchOptions, type VerifyBatchCounts } from './registry-verify-batch.js';
export { seedDemoRegistries } from './registry-seed.js';
export { createRegistryAdapter, type RegistryAdapterOptions } from './exchange/registry-adapter.js';
export {
  startRegistryEventPublisher,
  registryChangeEventSchema,
  registryEventType,
  RegistryChangeSchema,
  type RegistryChange,
  type RegistryEventPublisher,
  type PublisherLog,
} from './exchange/registry-events.js';

/** The purpose string the registry seals its sensitive attributes with (AAD). */
export const REGISTRY_SEAL_PURPOSE = 'zhengtong/registry/1';

/** The registry module wired on the platform's database, keys and services. */
export interface RegistryModule {
  service: RegistryService;
  discrepancies: DiscrepancyService;
  routes(app: HttpApp): Promise<void>;
}

/**
 * Builds the registry services from the platform's parts and creates each registry's log head.
 *
 * @example const registries = await createRegistries({ db, dialect, audit, clock, calendar, keys, identity });
 */
export async function createRegistries(parts: {
  db: Db;
  dialect: Dialect;
  audit: AuditLog;
  clock: Clock;
  calendar: CalendarService;
  keys: PlatformKeys;
  /** Resolves organisations (source department bindings). */
  identity: IdentityDeps;
  definitions?: readonly RegistryDefinition[];
  /** The exchange center's access rights by service code, for who receives a registry's change events (none without a center). */
  rightsWithServiceCode?: RightsWithServiceCode;
}): Promise<RegistryModule> {
  const { keys } = parts;
  const deps: RegistryDeps = {
    db: parts.db,
    dialect: parts.dialect,
    audit: parts.audit,
    clock: parts.clock,
    calendar: parts.calendar,
    hash: keys.suite.hash,
    // `portable` is a function so that logging or serialising the sealer never prints the data key.
    sealer: {
      ...secretBoxOf(keys, REGISTRY_SEAL_PURPOSE),
      portable: () => ({ suite: keys.suite.name, dataKey: keys.dataKey, purpose: REGISTRY_SEAL_PURPOSE }),
    },
    signer: {
      suite: keys.suite.name,
      fingerprint: keys.fingerprint,
      sign: (m) => keys.suite.sign(keys.signing.privateKey, m),
      verify: (m, s) => keys.suite.verify(keys.signing.publicKey, m, s),
    },
    findOrgByUscc: async (uscc) => findOrgByUscc(parts.identity, uscc),
    definitions: parts.definitions ?? SHIPPED_REGISTRIES,
  };
  const service = new RegistryService(deps);
  await service.init();
  const discrepancies = new DiscrepancyService(service);
  return {
    service,
    discrepancies,
    routes: async (app) => {
      await registryRoutes(app, { registries: service, discrepancies });
      await govstackRoutes(app, service, async (id) => {
        const org = await findOrgById(parts.identity, id);
        return org ? { name: org.name, uscc: org.uscc } : undefined;
      });
      await myDataRoutes(app, service, async (id) => (await findOrgById(parts.identity, id))?.name);
      await logVerifyRoutes(app, service);
      await registryExchangeRoutes(app, service);
      await changeNoticeRoutes(app, service, parts.rightsWithServiceCode ?? (async () => []));
      await registryFileRoutes(app, service);
    },
  };
}
