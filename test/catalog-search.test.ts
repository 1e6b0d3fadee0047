import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchCatalog, type SearchParams } from '../src/catalog/index.js';
import type { Actor } from '../src/core/actor.js';
import { seedDemoCity } from '../src/demo/index.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

/** Queries across the views, with facets, filters, both orders and paging. */
const QUERIES: Array<Omit<SearchParams, 'limit' | 'offset'> & { limit?: number; offset?: number }> = [
  { view: 'sharing', q: '户籍' },
  { view: 'sharing', q: '身份证' },
  { view: 'sharing', q: '企业 登记', order: 'relevance' },
  { view: 'sharing', q: '社会保险', shareType: 'conditional' },
  { view: 'sharing', q: '许可', order: 'recency', limit: 3, offset: 2 },
  { view: 'sharing', classCode: '1', formatType: 'api' },
  { view: 'open', q: '信息' },
  { view: 'open', q: '房产' },
  { view: 'sharing', q: '不存在的词汇组合' },
  { view: 'sharing', q: 'JSON' },
];

const STAFF: Actor = { type: 'staff', id: 'test', roles: ['dept-staff'], orgId: 'none' };

/** One search with ids replaced by codes and names, so two databases can be compared. */
async function run(p: TestPlatform, q: (typeof QUERIES)[number]) {
  const r = await searchCatalog(p.catalog, STAFF, { limit: 10, offset: 0, ...q });
  return {
    total: r.total,
    terms: r.terms,
    hits: r.items.map((h) => [h.resource.code, h.score, h.highlights.name]),
    facets: Object.fromEntries(Object.entries(r.facets).map(([k, v]) => [k, v.map((x) => [x.label, x.count])])),
  };
}

describe('catalog search on the demo catalog', () => {
  const platforms = new Map<string, TestPlatform>();
  const results = new Map<string, unknown[]>();

  beforeAll(async () => {
    for (const dialect of DIALECTS) {
      const p = await createTestPlatform(dialect);
      platforms.set(dialect, p);
      const seeded = await seedDemoCity(p, { citizens: 5, enterprises: 2 });
      expect(seeded.catalog).toBe(52);
      expect((await seedDemoCity(p, { citizens: 5, enterprises: 2 })).catalog).toBe(0);
      results.set(dialect, await Promise.all(QUERIES.map((q) => run(p, q))));
    }
  }, 120_000);
  afterAll(async () => {
    for (const p of platforms.values()) await p.destroy();
  });

  it('gives the same totals, order, scores, highlights and facets on every dialect', () => {
    const [first, ...rest] = [...results.values()];
    for (const other of rest) expect(other).toEqual(first);
    if (DIALECTS.length < 2) console.warn('only one dialect: set ZT_TEST_DIALECTS=sqlite,postgres to compare');
  });

  it('matches two-character words, expands synonyms from the thesaurus, and ANDs words', async () => {
    const p = platforms.values().next().value!;
    const hukou = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '户籍', limit: 50, offset: 0 });
    expect(hukou.total).toBeGreaterThan(0);
    for (const h of hukou.items) expect(`${h.resource.name}${h.resource.abstract}${h.resource.keywords.join()}`).toContain('户籍');
    // 身份证 is a thesaurus term whose synonym 公民身份号码 is a data item of several resources.
    const id = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '身份证', limit: 50, offset: 0 });
    expect(id.terms[0]).toEqual(expect.arrayContaining(['身份证', '公民身份号码']));
    expect(id.items.some((h) => h.highlights.items.includes('<em>公民身份号码</em>'))).toBe(true);
    const both = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '企业 登记', limit: 50, offset: 0 });
    const onlyEnt = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '企业', limit: 50, offset: 0 });
    expect(both.total).toBeGreaterThan(0);
    expect(both.total).toBeLessThanOrEqual(onlyEnt.total);
    // Relevance: a name match outranks an abstract-only match.
    expect(both.items[0]!.score).toBeGreaterThanOrEqual(both.items.at(-1)!.score);
    // Facet counts add up to the total.
    for (const values of Object.values(hukou.facets)) expect(values.reduce((n, v) => n + v.count, 0)).toBe(hukou.total);
    // The sharing view never shows 不予共享; the open view only open resources.
    const all = await searchCatalog(p.catalog, STAFF, { view: 'sharing', limit: 100, offset: 0 });
    expect(all.items.every((h) => h.resource.shareType !== 'none')).toBe(true);
    const open = await searchCatalog(p.catalog, { type: 'anonymous', roles: [] }, { view: 'open', limit: 100, offset: 0 });
    expect(open.items.every((h) => h.resource.openType !== 'closed')).toBe(true);
    expect(open.total).toBeLessThan(all.total);
    // Base registries are 无条件共享.
    expect(all.items.filter((h) => h.resource.baseRegistry).every((h) => h.resource.shareType === 'unconditional')).toBe(true);
  });
});
