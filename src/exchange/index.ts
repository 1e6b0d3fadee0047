/**
 * The exchange module's public surface: the center (registry, trust root, access rights, signed
 * global configuration) inside the platform, and the department node (`zhengtong node`).
 */
export { exchangeMigration } from './center/center.migration.js';
export { CenterAccessRightStore, presentAccessRight } from './center/access-rights.js';
export { ExchangeCenter, type CenterDeps, type Member, type NodeRegistration, type Service } from './center/center.service.js';
export { exchangeCenterRoutes } from './center/center.routes.js';
export { certificateFingerprint } from './center/trust-root.js';
export { verifyGlobalConf, type GlobalConf, type SignedGlobalConf, type CenterKey } from './protocol/globalconf.js';
export { parseMemberId, parseServiceId, parseSubsystemId, type ServiceId, type SubsystemId } from './protocol/identifiers.js';
export { startNode, type ExchangeNode } from './node/node.js';
export { initNode, type InitNodeInput } from './node/node-init.js';
export { loadNodeConfig, parseNodeConfig, nodeFiles, type NodeConfig } from './node/node-config.js';
export { MessageLog, type MessageRecord } from './node/message-log.js';
export { XROAD_ERRORS, XRoadError, type XRoadErrorType } from './protocol/xroad-errors.js';
export { filterFields } from './protocol/field-filter.js';
export { exportEvidence, verifyEvidence, type EvidenceBundle, type EvidenceCheck } from './node/evidence.js';
export { nodeMigrations } from './node/node.migration.js';
export {
  archiveMessages,
  verifyArchive,
  verifyArchives,
  type ArchiveFileCheck,
  type ArchiveRow,
  type MessageArchive,
  type SignedArchive,
} from './node/archive.js';
export { createTransfers, type TransferOutcome, type TransferResult } from './transfer/transfer.js';
export { canonicalChunk, transferShape, type ChunkEnvelope } from './transfer/transfer-protocol.js';
export { startPubSub, type EventItem, type PubSub } from './pubsub/pubsub.js';
export { DatabaseEventStore, NatsEventStore, type EventStore, type StoredEvent } from './pubsub/event-store.js';
export { loadBodyCipher } from './node/body-encryption.js';
