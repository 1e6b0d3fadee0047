/**
 * The fast paths of a large catalog keep their meaning: a bulk import writes exactly the tokens
 * the one-at-a-time index writes, one audit record per resource in an intact chain, and
 * time-ordered resource ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../src/audit/index.js';
import { importResources, reindexAll, sampleCatalog, searchCatalog } from '../src/catalog/index.js';
import { FACET_SAMPLE } from '../src/catalog/search.service.js';
import type { Actor } from '../src/core/actor.js';
import { newTimeOrderedId } from '../src/catalog/time-ordered-id.js';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';
import { seedCatalogPeople } from './catalog-fixtures.js';

describe('time-ordered ids', () => {
  it('are RFC 9562 version 7 UUIDs, unique, and sort in the order they were made, even within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newTimeOrderedId(1_767_225_600_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newTimeOrderedId(1_767_225_700_000) > ids[ids.length - 1]!).toBe(true);
  });
});

describe.each(DIALECTS)('catalog bulk import (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    // The SQL path (its facet sample is what the last test checks); see catalog-search-index.test.ts for the index.
    p = await createTestPlatform(dialect, { catalogSearchIndex: false });
    await seedCatalogPeople(p);
  });
  afterAll(async () => p.destroy());

  it('writes the same tokens as indexing one by one, and one audit record per resource', async () => {
    const { findOrgByUscc } = await import('../src/identity/index.js');
    const { POLICE_USCC } = await import('./catalog-fixtures.js');
    const police = (await findOrgByUscc(p.identity, POLICE_USCC))!;
    const rows = sampleCatalog(1200, () => POLICE_USCC).map((s, i) => ({ row: i + 2, input: s.input, providerOrgId: police.id }));
    const progress: string[] = [];
    const result = await importResources(p.catalog, SYSTEM_ACTOR, { requestId: 't' }, rows, {
      publish: true,
      onProgress: (at) => progress.push(`${at.phase} ${at.done}/${at.total}`),
    });
    expect(result.created).toBe(1200);
    expect(progress).toEqual(['check 0/1200', 'check 500/1200', 'check 1000/1200', 'check 1200/1200', 'write 1000/1200', 'write 1200/1200']);
    const tokens = async () =>
      (await p.catalog.db.selectFrom('catalog_search_tokens').select(['token', 'resource_id', 'weight']).orderBy('resource_id').orderBy('token').execute()).map(
        (r) => `${r.resource_id} ${r.token} ${r.weight}`,
      );
    const bulk = await tokens();
    expect(bulk.length).toBeGreaterThan(1200 * 10);
    await reindexAll(p.catalog.db);
    expect(await tokens()).toEqual(bulk);
    expect((await p.audit.search({ action: 'catalog.resource.import', limit: 5000 })).length).toBe(1200);
    expect((await verifyAuditChain(p.database.db)).ok).toBe(true);
  }, 180_000);

  it('counts facets over the best FACET_SAMPLE matches of a broad word and says so; the total and every page stay exact', async () => {
    const staff: Actor = { type: 'staff', id: 'test', roles: ['dept-staff'], orgId: 'none' };
    const sum = (values: Array<{ count: number }>) => values.reduce((n, v) => n + v.count, 0);
    // 信息 is in every sample resource: all but the 不予共享 ones are in the sharing view.
    const broad = await searchCatalog(p.catalog, staff, { view: 'sharing', q: '信息', limit: 20, offset: 0 });
    expect(broad.total).toBeGreaterThan(FACET_SAMPLE);
    expect(broad).toMatchObject({ facetsApproximate: true, facetSample: FACET_SAMPLE });
    for (const values of Object.values(broad.facets)) expect(sum(values)).toBe(FACET_SAMPLE);
    const codes: string[] = [];
    for (let offset = 0; offset < broad.total; offset += 300) {
      const page = await searchCatalog(p.catalog, staff, { view: 'sharing', q: '信息', order: 'recency', facets: false, limit: 300, offset });
      expect(page.total).toBe(broad.total);
      expect(page.facetsApproximate).toBeUndefined();
      codes.push(...page.items.map((h) => h.resource.code));
    }
    expect(new Set(codes).size).toBe(broad.total);

    const narrow = await searchCatalog(p.catalog, staff, { view: 'sharing', q: '登记', limit: 20, offset: 0 });
    expect(narrow.total).toBeGreaterThan(0);
    expect(narrow.total).toBeLessThanOrEqual(FACET_SAMPLE);
    expect(narrow.facetsApproximate).toBeUndefined();
    for (const values of Object.values(narrow.facets)) expect(sum(values)).toBe(narrow.total);
  }, 60_000);
});
