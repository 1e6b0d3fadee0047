import type { User } from '../../api/types';
import type { MessageKey } from '../../messages/zh-cn';

/** The console's catalog pages (`/console/<page>/*`) and the action that shows each, from src/catalog/catalog.policy.ts. */
export const CATALOG_PAGES = [
  { path: 'catalog', key: 'catalog.nav.sharing', action: 'catalog.sharing.read' },
  { path: 'catalog-mine', key: 'catalog.nav.mine', action: 'catalog.resource.edit' },
  { path: 'catalog-review', key: 'catalog.nav.review', action: 'catalog.review.queue' },
  { path: 'catalog-applications', key: 'catalog.nav.applications', action: 'catalog.application.read' },
  { path: 'catalog-quality', key: 'catalog.nav.quality', action: 'catalog.quality.read' },
  { path: 'catalog-taxonomy', key: 'catalog.nav.taxonomy', action: 'catalog.sharing.read' },
] as const satisfies ReadonlyArray<{ path: string; key: MessageKey; action: string }>;
export type CatalogPage = (typeof CATALOG_PAGES)[number]['path'];

/**
 * The catalog actions a staff member holds in their own department. The session's allowedActions
 * lists only unconditional rules; these rules of src/catalog/catalog.policy.ts hold `when` the
 * subject is the actor's department, so the console offers their pages by role (the server still
 * decides every call).
 */
export function ownDepartmentCatalogActions(user: User): string[] {
  if (user.kind !== 'staff' || !user.orgId) return [];
  const actions = ['catalog.resource.read', 'catalog.application.read', 'catalog.quality.read'];
  if (user.roles.includes('dept-staff') || user.roles.includes('dept-admin'))
    actions.push('catalog.resource.edit', 'catalog.application.create', 'catalog.application.decide', 'catalog.application.withdraw');
  if (user.roles.includes('dept-admin')) actions.push('catalog.resource.withdraw');
  return actions;
}
