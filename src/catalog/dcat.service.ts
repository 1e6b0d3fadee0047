import type { Actor } from '../core/actor.js';
import { can, authorize } from '../core/policy.js';
import './catalog.policy.js';
import type { CatalogDeps } from './catalog.deps.js';
import * as repo from './catalog.repository.js';
import { catalogPageQuads, resourceQuads } from './dcat.js';
import type { Quad } from 'n3';
import { presentResource } from './resource.presenter.js';
import { getResource } from './resource.service.js';

/**
 * One page of the catalog as DCAT-AP quads: the open-data catalog for the public, the sharing
 * catalog (everything published but 不予共享) for government staff. Pages are in code order, so a
 * harvester walking `page=1..last` with `modified_since` sees each changed resource once.
 */
export async function dcatCatalogPage(
  deps: CatalogDeps,
  actor: Actor,
  p: { base: string; page: number; pageSize: number; modifiedSince?: string | undefined; pageUrl: (page: number) => string },
): Promise<Quad[]> {
  authorize(actor, 'catalog.open.read');
  const staff = can(actor, 'catalog.sharing.read');
  const { rows, total } = await repo.listResources(deps.db, {
    statuses: ['published'],
    ...(staff ? { excludeShareType: 'none' } : { excludeOpenType: 'closed' }),
    ...(p.modifiedSince ? { modifiedSince: new Date(p.modifiedSince).toISOString() } : {}),
    limit: p.pageSize,
    offset: (p.page - 1) * p.pageSize,
  });
  const classNames = new Map((await repo.listClasses(deps.db)).map((c) => [c.code, c.name]));
  return catalogPageQuads({ base: p.base, resources: rows.map(presentResource), classNames, total, page: p.page, pageSize: p.pageSize, pageUrl: p.pageUrl });
}

/** One resource as DCAT-AP quads, if the actor may see it. */
export async function dcatResource(deps: CatalogDeps, actor: Actor, base: string, id: string): Promise<Quad[]> {
  const r = await getResource(deps, actor, id);
  const classNames = new Map((await repo.listClasses(deps.db)).map((c) => [c.code, c.name]));
  return resourceQuads(base, r, classNames);
}
