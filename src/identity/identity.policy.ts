import { SEPARATED_ADMIN_ROLES, type Actor } from '../core/actor.js';
import { definePolicy, type PolicySubject } from '../core/policy.js';

const ownOrg = (a: Actor, s: PolicySubject): boolean => !!a.orgId && s.orgId === a.orgId;
const self = (a: Actor, s: PolicySubject): boolean => !!a.id && s.ownerId === a.id;
const notAdminRole = (_a: Actor, s: PolicySubject): boolean => !!s.role && !SEPARATED_ADMIN_ROLES.includes(s.role) && s.role !== 'dept-admin';

/**
 * Identity rules. 三员分立: the system admin runs organisations and accounts; the security admin
 * grants roles, unlocks accounts and resets second factors; department admins manage their own
 * department's staff (but grant no admin roles).
 */
export const IDENTITY_RULES = definePolicy([
  { action: 'identity.org.read', actorTypes: ['staff'] },
  { action: 'identity.org.create', roles: ['system-admin'] },
  { action: 'identity.org.update', roles: ['system-admin'] },

  { action: 'identity.user.read', roles: ['system-admin', 'security-admin'] },
  { action: 'identity.user.read', roles: ['dept-admin'], when: ownOrg },
  { action: 'identity.user.read', actorTypes: ['staff', 'citizen', 'agent'], when: self },
  { action: 'identity.user.create', roles: ['system-admin'] },
  { action: 'identity.user.create', roles: ['dept-admin'], when: ownOrg },
  { action: 'identity.user.update', roles: ['system-admin'] },
  { action: 'identity.user.update', roles: ['dept-admin'], when: ownOrg },
  { action: 'identity.user.assign-role', roles: ['security-admin'] },
  {
    action: 'identity.user.assign-role',
    roles: ['system-admin', 'dept-admin'],
    when: (a, s) => notAdminRole(a, s) && (a.roles.includes('system-admin') || ownOrg(a, s)),
  },
  { action: 'identity.user.unlock', roles: ['security-admin', 'system-admin'] },
  { action: 'identity.user.unlock', roles: ['dept-admin'], when: ownOrg },
  { action: 'identity.user.reset-totp', roles: ['security-admin'] },
  { action: 'identity.apikey.manage', actorTypes: ['staff'], when: self },
]);
