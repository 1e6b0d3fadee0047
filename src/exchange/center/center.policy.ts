import { definePolicy } from '../../core/policy.js';

/**
 * Exchange center rules. The system administrator runs the registry (members, services, access
 * rights entered by hand); approving a node issues a certificate, a security duty, so both the
 * system and the security administrator may do it. Any staff member may read the registry.
 */
export const EXCHANGE_CENTER_RULES = definePolicy([
  { action: 'exchange.read', actorTypes: ['staff'] },
  { action: 'exchange.member.create', roles: ['system-admin'] },
  { action: 'exchange.service.manage', roles: ['system-admin'] },
  { action: 'exchange.node.decide', roles: ['system-admin', 'security-admin'] },
  // `zhengtong center approve` runs on the platform's own machine with its database and keys.
  { action: 'exchange.node.decide', actorTypes: ['system'] },
  { action: 'exchange.access-right.manage', roles: ['system-admin'] },
]);
