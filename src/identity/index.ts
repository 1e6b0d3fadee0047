/** The identity module's public surface: organisations, people, sessions, second factor, API keys. */
export { identityMigration } from './identity.migration.js';
export { DEFAULT_IDENTITY_SETTINGS, type IdentityDeps, type IdentitySettings, type SecretBox } from './identity.deps.js';
export { registerAuthHook, SESSION_COOKIE } from './auth-hook.js';
export { authRoutes } from './auth.routes.js';
export { identityRoutes } from './identity.routes.js';
export { createOrg, updateOrg, getOrg, listOrgs, findOrgByUscc, findOrgById, presentOrg, type Org, type CreateOrgInput } from './org.service.js';
export {
  createStaff,
  signUpCitizen,
  signUpAgent,
  getUser,
  listUsers,
  setUserRoles,
  updateUser,
  unlockUser,
  resetUserTotp,
  maskIdNumber,
  checkRoleSet,
  type User,
} from './user.service.js';
export {
  login,
  logout,
  authenticateSession,
  authenticateApiKey,
  beginTotpEnrolment,
  activateTotp,
  verifyTotp,
  createApiKey,
  purgeExpiredSessions,
  type Authenticated,
  type MfaState,
} from './auth.service.js';
export { hashPassword, verifyPassword, checkPasswordStrength } from './password.js';
export { currentTotp } from './totp.js';
export { seedIdentity, type SeedIdentityInput } from './identity.seed.js';
