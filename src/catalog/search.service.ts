import type { Actor } from '../core/actor.js';
import { authorize } from '../core/policy.js';
import { lookupDivision } from '../standards/index.js';
import { departmentOf } from './catalog.policy.js';
import type { CatalogDeps } from './catalog.deps.js';
import { FORMAT_TYPES, OPEN_TYPES, SHARE_TYPES, UPDATE_CYCLES, type FormatType, type OpenType, type ShareType, type UpdateCycle } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import type { FacetName, SearchFilter } from './catalog.repository.js';
import { presentResource, type Resource } from './resource.presenter.js';
import { loadSearchThesaurus } from './resource.service.js';
import { highlight, queryGroups } from './segmenter.js';

export const FACET_NAMES: readonly FacetName[] = ['class', 'provider', 'shareType', 'openType', 'format', 'updateCycle', 'region'];

/**
 * How many of a text query's best matches its facet counts cover (see `SearchResult.facetsApproximate`):
 * counting all matches of a broad word in a large catalog costs time linear in the matches.
 */
export const FACET_SAMPLE = 1000;

export type CatalogView = 'open' | 'sharing' | 'mine';

export interface SearchParams {
  view: CatalogView;
  q?: string | undefined;
  classCode?: string | undefined;
  providerOrgId?: string | undefined;
  shareType?: ShareType | undefined;
  openType?: OpenType | undefined;
  formatType?: FormatType | undefined;
  updateCycle?: UpdateCycle | undefined;
  regionCode?: string | undefined;
  order?: 'relevance' | 'recency' | undefined;
  facets?: boolean | undefined;
  limit: number;
  offset: number;
}

export interface SearchHit {
  resource: Resource;
  score: number;
  highlights: { name: string; abstract: string; items: string[] };
}

export interface SearchResult {
  total: number;
  items: SearchHit[];
  facets: Record<string, Array<{ value: string; label: string; count: number }>>;
  /**
   * Present (true) when a text query answered by SQL (the search index off or still building)
   * matched more than `facetSample` resources: the facet counts
   * are then those of the first `facetSample` matches in result order, not of all `total`
   * (which stays exact). Absent when the counts cover every match.
   */
  facetsApproximate?: boolean;
  facetSample?: number;
  /** The query as searched: one group per word, each with its thesaurus equivalents. */
  terms: string[][];
}

/**
 * Searches a catalog view: `open` (开放目录: published and open, for everyone), `sharing` (共享目录:
 * published and not 不予共享, for staff) or `mine` (the actor's department, any status). Words are
 * segmented with jieba and expanded with thesaurus synonyms; every word must match. Ordered by
 * relevance (integer field weights) or recency, ties by code, so both dialects give the same pages.
 */
export async function searchCatalog(deps: CatalogDeps, actor: Actor, p: SearchParams): Promise<SearchResult> {
  const filter: SearchFilter = { groups: [], statuses: ['published'] };
  if (p.view === 'open') {
    authorize(actor, 'catalog.open.read');
    filter.excludeOpenType = 'closed';
  } else if (p.view === 'sharing') {
    authorize(actor, 'catalog.sharing.read');
    filter.excludeShareType = 'none';
  } else {
    departmentOf(actor);
    authorize(actor, 'catalog.resource.read', { orgId: actor.orgId });
    filter.statuses = ['draft', 'pending', 'published', 'returned', 'offline'];
    filter.providerOrgId = actor.orgId;
  }
  const thesaurus = await loadSearchThesaurus(deps.db);
  filter.groups = p.q ? queryGroups(p.q, thesaurus) : [];
  if (p.providerOrgId && p.view !== 'mine') filter.providerOrgId = p.providerOrgId;
  if (p.classCode) filter.classPrefix = p.classCode;
  if (p.shareType) filter.shareType = p.shareType;
  if (p.openType) filter.openType = p.openType;
  if (p.formatType) filter.formatType = p.formatType;
  if (p.updateCycle) filter.updateCycle = p.updateCycle;
  if (p.regionCode) filter.regionCode = p.regionCode;

  const order = p.order ?? (filter.groups.length ? 'relevance' : 'recency');
  const providerNames = new Map<string, string>();
  let hits: Array<{ id: string; score: number }>;
  let total: number;
  let counts: Record<string, Array<{ value: string; count: number }>> | undefined;
  let facetsApproximate = false;
  const indexed = await deps.searchIndex?.search(filter, order, p.limit, p.offset, p.facets !== false);
  if (indexed) {
    // The in-memory index: the same page and total as the SQL below, facets counted over ALL matches.
    ({ hits, total, counts } = indexed);
    for (const [id, name] of indexed.providerNames) providerNames.set(id, name);
  } else if (filter.groups.length) {
    // Text queries: the database ranks the matches and sends the first FACET_SAMPLE (or the page,
    // when deeper); facets are counted here over those rows — all matches when there are no more,
    // else the best FACET_SAMPLE in result order, and the answer says the counts are approximate.
    const take = Math.max(FACET_SAMPLE, p.offset + p.limit);
    const ranked = await repo.rankedMatches(deps.db, filter, order, take);
    total = ranked.total;
    hits = ranked.rows.slice(p.offset, p.offset + p.limit).map((r) => ({ id: r.id, score: r.score }));
    if (p.facets !== false) {
      counts = countFacets(ranked.rows.slice(0, FACET_SAMPLE), providerNames);
      facetsApproximate = total > FACET_SAMPLE;
    }
  } else {
    ({ hits, total } = await repo.searchIds(deps.db, filter, order, p.limit, p.offset));
    if (p.facets !== false) counts = await repo.facetCounts(deps.db, filter, FACET_NAMES, providerNames);
  }
  const rows = new Map(
    (
      await repo.findResourcesByIds(
        deps.db,
        hits.map((h) => h.id),
      )
    ).map((r) => [r.id, r]),
  );
  const terms = filter.groups.flat();
  const items = hits.map((h) => {
    const resource = presentResource(rows.get(h.id)!);
    return {
      resource,
      score: h.score,
      highlights: {
        name: highlight(resource.name, terms),
        abstract: highlight(resource.abstract, terms, 60),
        items: resource.items.filter((i) => terms.some((t) => i.name.toLowerCase().includes(t))).map((i) => highlight(i.name, terms)),
      },
    };
  });
  const facets: SearchResult['facets'] = {};
  if (counts) {
    const classNames = new Map((await repo.listClasses(deps.db)).map((c) => [c.code, c.name]));
    for (const [name, values] of Object.entries(counts)) {
      const labelled = values.map((v) => ({ ...v, label: labelOf(name as FacetName, v.value, classNames, providerNames) }));
      // Most frequent first, ties by label: the same order on every database (values may be random ids).
      facets[name] = labelled.sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    }
  }
  return { total, items, facets, ...(facetsApproximate ? { facetsApproximate, facetSample: FACET_SAMPLE } : {}), terms: filter.groups };
}

const FACET_VALUE: Record<FacetName, (r: repo.FacetRow) => string> = {
  class: (r) => r.class_code.slice(0, 3),
  provider: (r) => r.provider_org_id,
  shareType: (r) => r.share_type,
  openType: (r) => r.open_type,
  format: (r) => r.format_type,
  updateCycle: (r) => r.update_cycle,
  region: (r) => r.region_code,
};

function countFacets(rows: repo.FacetRow[], providerNames: Map<string, string>): Record<string, Array<{ value: string; count: number }>> {
  const out: Record<string, Array<{ value: string; count: number }>> = {};
  for (const name of FACET_NAMES) {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(FACET_VALUE[name](r), (counts.get(FACET_VALUE[name](r)) ?? 0) + 1);
    out[name] = [...counts].map(([value, count]) => ({ value, count }));
  }
  for (const r of rows) providerNames.set(r.provider_org_id, r.provider_name);
  return out;
}

function labelOf(facet: FacetName, value: string, classNames: Map<string, string>, providerNames: Map<string, string>): string {
  switch (facet) {
    case 'class':
      return classNames.get(value) ?? value;
    case 'provider':
      return providerNames.get(value) ?? value;
    case 'shareType':
      return SHARE_TYPES[value as ShareType] ?? value;
    case 'openType':
      return OPEN_TYPES[value as OpenType] ?? value;
    case 'format':
      return FORMAT_TYPES[value as FormatType] ?? value;
    case 'updateCycle':
      return UPDATE_CYCLES[value as UpdateCycle]?.zh ?? value;
    case 'region':
      return lookupDivision(value)?.fullName ?? value;
  }
}
