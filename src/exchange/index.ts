/**
 * The exchange module's public surface: the center (registry, trust root, access rights, signed
 * global configuration) inside the platform, and the department node (`zhengtong node`).
 */
export { exchangeMigration } from './center/center.migration.js';
export { CenterAccessRightStore, presentAccessRight } from './center/access-rights.js';
export { parseMemberId, parseServiceId, parseSubsystemId, type ServiceId, type SubsystemId } from './protocol/identifiers.js';
