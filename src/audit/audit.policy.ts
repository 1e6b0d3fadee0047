import { definePolicy } from '../core/policy.js';

/** Audit rules: only the audit administrator reads and verifies the log (三员分立); citizens read who accessed their own data. */
export const AUDIT_RULES = definePolicy([
  { action: 'audit.read', roles: ['audit-admin'] },
  { action: 'audit.verify', roles: ['audit-admin'] },
  { action: 'audit.data-access.read-own', actorTypes: ['citizen'] },
]);
