/**
 * Search over a catalog larger than the facet sample: pages, exact totals and the approximate
 * facet counts (over the best FACET_SAMPLE matches) are the same on every dialect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importResources, sampleCatalog, searchCatalog, type SearchParams } from '../src/catalog/index.js';
import { FACET_SAMPLE } from '../src/catalog/search.service.js';
import { SYSTEM_ACTOR, type Actor } from '../src/core/actor.js';
import { findOrgByUscc } from '../src/identity/index.js';
import { POLICE_USCC, seedCatalogPeople } from './catalog-fixtures.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

const STAFF: Actor = { type: 'staff', id: 'test', roles: ['dept-staff'], orgId: 'none' };

/** 信息 is in every sample resource (a broad word); 登记 in about half. */
const QUERIES: SearchParams[] = [
  { view: 'sharing', q: '信息', limit: 20, offset: 0 },
  { view: 'sharing', q: '信息', order: 'recency', limit: 20, offset: 980 },
  { view: 'sharing', q: '信息', limit: 50, offset: 1050 },
  { view: 'sharing', q: '信息 登记', limit: 20, offset: 0 },
  { view: 'sharing', q: '信息', formatType: 'api', limit: 20, offset: 0 },
  { view: 'open', q: '信息', limit: 20, offset: 0 },
];

async function run(p: TestPlatform, q: SearchParams) {
  const r = await searchCatalog(p.catalog, STAFF, q);
  return {
    total: r.total,
    approximate: r.facetsApproximate ?? false,
    hits: r.items.map((h) => [h.resource.code, h.score]),
    facets: Object.fromEntries(Object.entries(r.facets).map(([k, v]) => [k, v.map((x) => [x.label, x.count])])),
  };
}

describe('catalog search beyond the facet sample', () => {
  const results = new Map<string, Array<Awaited<ReturnType<typeof run>>>>();
  const platforms: TestPlatform[] = [];

  beforeAll(async () => {
    for (const dialect of DIALECTS) {
      // The SQL path on every dialect: the in-memory index (SQLite) counts facets over all matches
      // and is compared with this path in catalog-search-index.test.ts.
      const p = await createTestPlatform(dialect, { catalogSearchIndex: false });
      platforms.push(p);
      await seedCatalogPeople(p);
      const police = (await findOrgByUscc(p.identity, POLICE_USCC))!;
      const rows = sampleCatalog(1500, () => POLICE_USCC).map((s, i) => ({ row: i + 2, input: s.input, providerOrgId: police.id }));
      await importResources(p.catalog, SYSTEM_ACTOR, { requestId: 't' }, rows, { publish: true });
      results.set(dialect, await Promise.all(QUERIES.map((q) => run(p, q))));
    }
  }, 300_000);
  afterAll(async () => {
    for (const p of platforms) await p.destroy();
  });

  it('gives the same pages, totals and facet counts on every dialect', () => {
    const [first, ...rest] = [...results.values()];
    for (const other of rest) expect(other).toEqual(first);
    if (DIALECTS.length < 2) console.warn('only one dialect: set ZT_TEST_DIALECTS=sqlite,postgres to compare');
  });

  it('says when facet counts cover only the best matches, and pages beyond the sample are full', () => {
    const [broad, deep, deeper] = results.values().next().value!;
    expect(broad!.total).toBeGreaterThan(FACET_SAMPLE);
    expect(broad!.approximate).toBe(true);
    for (const values of Object.values(broad!.facets)) expect(values.reduce((n, [, c]) => n + Number(c), 0)).toBe(FACET_SAMPLE);
    expect(deep!.hits).toHaveLength(20);
    expect(deeper!.hits).toHaveLength(Math.min(50, broad!.total - 1050));
  });
});
