/** The audit module's public surface: the tamper-evident log, its verification and its routes. */
export { AuditLog, presentRecord, type AuditEntry, type AuditOutcome, type AuditRecord, type CheckpointSigner } from './audit.service.js';
export { verifyAuditChain, type VerifyOptions, type VerifyResult, type CheckpointVerifier } from './audit-verify.js';
export {
  GENESIS_HASH,
  CHAIN_COLUMNS,
  canonicalRecord,
  chainDigest,
  hashRecord,
  hashText,
  checkpointMessage,
  redactSummary,
  type AuditHashAlg,
} from './audit-chain.js';
export { auditMigration } from './audit.migration.js';
export { auditBodyMigration } from './audit-body.migration.js';
export { auditRoutes, type AuditRouteDeps } from './audit.routes.js';
export type { AuditRecordRow, AuditChainRow } from './audit.repository.js';
