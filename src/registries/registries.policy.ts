import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import { authorize, definePolicy } from '../core/policy.js';

/**
 * Registry rules. Department staff read, verify and write (the service then allows only the
 * attribute's source department to write it, 一数一源); the system administrator binds source
 * departments to organisations; citizens read their own record.
 */
export const REGISTRY_RULES = definePolicy([
  { action: 'registry.read', roles: ['dept-staff', 'dept-admin'] },
  { action: 'registry.verify', roles: ['dept-staff', 'dept-admin'] },
  { action: 'registry.write', roles: ['dept-staff', 'dept-admin'] },
  // In-process jobs (bulk import, demo seed) act as a system actor on behalf of a department.
  { action: 'registry.write', actorTypes: ['system'] },
  { action: 'registry.discrepancy', roles: ['dept-staff', 'dept-admin'] },
  { action: 'registry.log.read', roles: ['dept-staff', 'dept-admin', 'audit-admin', 'system-admin'] },
  { action: 'registry.source.bind', roles: ['system-admin'] },
  { action: 'registry.read-own', actorTypes: ['citizen'] },
]);

/**
 * The identity number of a citizen reading their own data (我的数据): anonymous → AUTH_REQUIRED
 * (401), not a citizen → refused by `registry.read-own`, a citizen account without an identity
 * number → AUTH_FORBIDDEN (403).
 */
export function citizenIdOf(actor: Actor): string {
  if (actor.type === 'anonymous') throw new AppError('AUTH_REQUIRED');
  authorize(actor, 'registry.read-own');
  if (!actor.idNumber) throw new AppError('AUTH_FORBIDDEN');
  return actor.idNumber;
}
