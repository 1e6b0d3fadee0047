import { definePolicy } from '../core/policy.js';

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
