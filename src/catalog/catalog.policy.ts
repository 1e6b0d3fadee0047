import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import { definePolicy, type PolicySubject } from '../core/policy.js';

const ownOrg = (a: Actor, s: PolicySubject): boolean => !!a.orgId && s.orgId === a.orgId;

/**
 * Catalog rules. 谁经手、谁使用、谁管理、谁负责: department staff write their own department's
 * resources and answer applications for them; catalog reviewers decide what is published and keep
 * the classification and thesaurus. The open-data catalog is public; the sharing catalog is for
 * government staff. `system` is the CLI and the demo seed.
 */
export const CATALOG_RULES = definePolicy([
  { action: 'catalog.open.read', actorTypes: ['anonymous', 'citizen', 'agent', 'staff', 'system'] },
  { action: 'catalog.sharing.read', actorTypes: ['staff', 'system'] },
  { action: 'catalog.resource.read', roles: ['catalog-reviewer'], actorTypes: ['system'] },
  { action: 'catalog.resource.read', actorTypes: ['staff'], when: ownOrg },
  { action: 'catalog.resource.edit', roles: ['dept-staff', 'dept-admin'], when: ownOrg },
  { action: 'catalog.resource.edit', actorTypes: ['system'] },
  { action: 'catalog.resource.review', roles: ['catalog-reviewer'], actorTypes: ['system'] },
  { action: 'catalog.resource.withdraw', roles: ['catalog-reviewer'], actorTypes: ['system'] },
  { action: 'catalog.resource.withdraw', roles: ['dept-admin'], when: ownOrg },
  { action: 'catalog.review.queue', roles: ['catalog-reviewer'] },
  { action: 'catalog.class.manage', roles: ['catalog-reviewer'], actorTypes: ['system'] },
  { action: 'catalog.term.manage', roles: ['catalog-reviewer'], actorTypes: ['system'] },
  { action: 'catalog.application.create', roles: ['dept-staff', 'dept-admin'], when: ownOrg },
  { action: 'catalog.application.decide', roles: ['dept-staff', 'dept-admin'], when: ownOrg },
  { action: 'catalog.application.withdraw', roles: ['dept-staff', 'dept-admin'], when: ownOrg },
  { action: 'catalog.application.read', roles: ['catalog-reviewer'] },
  { action: 'catalog.application.read', actorTypes: ['staff'], when: ownOrg },
  { action: 'catalog.quality.read', roles: ['catalog-reviewer'], actorTypes: ['system'] },
  { action: 'catalog.quality.read', actorTypes: ['staff'], when: ownOrg },
  // Harvesting lower-level catalogs: the catalog reviewers and the system administrator.
  { action: 'catalog.harvest.manage', roles: ['catalog-reviewer', 'system-admin'], actorTypes: ['system'] },
]);

/**
 * The department an actor acts for. Throws AUTH_REQUIRED for an anonymous caller and
 * AUTH_FORBIDDEN for one without a department (citizens, system admins of no department).
 */
export function departmentOf(actor: Actor, what = '本部门目录'): string {
  if (actor.type === 'anonymous') throw new AppError('AUTH_REQUIRED');
  if (!actor.orgId) throw new AppError('AUTH_FORBIDDEN', `只有部门工作人员可以使用“${what}” (department staff only)`);
  return actor.orgId;
}
