/**
 * The in-memory search index (SQLite) answers every search exactly as the SQL path: the same
 * pages, scores and totals, and facet counts equal to the SQL counts over ALL matches; and it
 * stays consistent with the database, also with writes made through another connection.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTerm,
  importResources,
  sampleCatalog,
  searchCatalog,
  updateResource,
  withdrawResource,
  type CatalogDeps,
  type SearchParams,
} from '../src/catalog/index.js';
import { facetCounts, type SearchFilter } from '../src/catalog/catalog.repository.js';
import { FACET_NAMES } from '../src/catalog/search.service.js';
import { SYSTEM_ACTOR, type Actor } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { findOrgByUscc } from '../src/identity/index.js';
import { createPlatform } from '../src/platform.js';
import { MARKET_USCC, POLICE_USCC, seedCatalogPeople } from './catalog-fixtures.js';
import { createTestPlatform, type TestPlatform } from './helpers.js';

const STAFF: Actor = { type: 'staff', id: 'test', roles: ['dept-staff'], orgId: 'none' };
const CTX = { requestId: 't' };

describe('catalog search index (sqlite)', () => {
  let p: TestPlatform;
  let policeId: string;
  let marketId: string;
  let sqlOnly: CatalogDeps;

  beforeAll(async () => {
    p = await createTestPlatform('sqlite');
    await seedCatalogPeople(p);
    policeId = (await findOrgByUscc(p.identity, POLICE_USCC))!.id;
    marketId = (await findOrgByUscc(p.identity, MARKET_USCC))!.id;
    await createTerm(p.catalog, SYSTEM_ACTOR, CTX, { preferred: '户籍', synonyms: ['户口'] });
    const sample = sampleCatalog(3000, () => POLICE_USCC);
    // Three batches at three instants (ties on updated_at are broken by code), two providers, drafts too.
    for (let b = 0; b < 3; b++) {
      const rows = sample.slice(b * 1000, (b + 1) * 1000).map((s, i) => ({ row: i + 2, input: s.input, providerOrgId: i % 3 === 0 ? marketId : policeId }));
      await importResources(p.catalog, SYSTEM_ACTOR, CTX, rows, { publish: b < 2 });
      p.clock.advance(60_000);
    }
    sqlOnly = { ...p.catalog, searchIndex: undefined };
    await p.catalog.searchIndex!.ready();
  }, 300_000);
  afterAll(async () => p.destroy());

  /** The SQL answer with facet counts over all matches (`facetCounts`), and the index answer, side by side. */
  async function both(actor: Actor, q: SearchParams) {
    const viaIndex = await searchCatalog(p.catalog, actor, q);
    const viaSql = await searchCatalog(sqlOnly, actor, q);
    const filter: SearchFilter = { groups: viaSql.terms, statuses: ['published'] };
    if (q.view === 'open') filter.excludeOpenType = 'closed';
    else if (q.view === 'sharing') filter.excludeShareType = 'none';
    else {
      filter.statuses = ['draft', 'pending', 'published', 'returned', 'offline'];
      filter.providerOrgId = actor.orgId!;
    }
    if (q.providerOrgId && q.view !== 'mine') filter.providerOrgId = q.providerOrgId;
    if (q.classCode) filter.classPrefix = q.classCode;
    if (q.shareType) filter.shareType = q.shareType;
    if (q.openType) filter.openType = q.openType;
    if (q.formatType) filter.formatType = q.formatType;
    if (q.updateCycle) filter.updateCycle = q.updateCycle;
    if (q.regionCode) filter.regionCode = q.regionCode;
    const exact = await facetCounts(p.catalog.db, filter, FACET_NAMES);
    const norm = (f: Record<string, Array<{ value: string; count: number }>>) =>
      Object.fromEntries(FACET_NAMES.map((n) => [n, [...(f[n] ?? [])].map((v) => `${v.value}:${v.count}`).sort()]));
    const page = (r: typeof viaIndex) => r.items.map((h) => [h.resource.code, h.score]);
    return {
      viaIndex,
      viaSql,
      index: { total: viaIndex.total, page: page(viaIndex), facets: norm(viaIndex.facets) },
      sql: { total: viaSql.total, page: page(viaSql), facets: norm(exact) },
    };
  }

  const queries = (): Array<[Actor, SearchParams]> => {
    const police: Actor = { type: 'staff', id: 'p', roles: ['dept-staff'], orgId: policeId };
    const base = { limit: 20, offset: 0 };
    const qs: SearchParams[] = [
      { view: 'sharing', q: '信息', ...base },
      { view: 'sharing', q: '信息', ...base, offset: 1500 },
      { view: 'sharing', q: '信息', order: 'recency', ...base, offset: 980 },
      { view: 'sharing', q: '登记', ...base },
      { view: 'sharing', q: '户口', ...base },
      { view: 'sharing', q: '户籍 信息', ...base },
      { view: 'sharing', q: '户口 户籍', ...base }, // one token in two groups
      { view: 'sharing', q: '户口 信息', order: 'recency', ...base },
      { view: 'sharing', q: '企业 登记 信息', ...base, limit: 50, offset: 40 },
      { view: 'sharing', q: '不存在的词汇组合', ...base },
      { view: 'open', q: '信息', ...base },
      { view: 'open', ...base },
      { view: 'sharing', ...base },
      { view: 'sharing', ...base, offset: 1990 },
      { view: 'sharing', order: 'relevance', ...base, offset: 100 },
      { view: 'sharing', q: '信息', shareType: 'conditional', ...base },
      { view: 'sharing', q: '信息', openType: 'open', ...base },
      { view: 'sharing', q: '信息', formatType: 'api', ...base },
      { view: 'sharing', q: '信息', updateCycle: 'daily', ...base },
      { view: 'sharing', q: '信息', regionCode: '350100', ...base },
      { view: 'sharing', q: '信息', providerOrgId: marketId, ...base },
      { view: 'sharing', q: '信息', classCode: '1', ...base },
      { view: 'sharing', q: '信息', classCode: '20', order: 'recency', ...base },
      { view: 'sharing', classCode: '1', formatType: 'api', ...base },
      { view: 'sharing', q: '信息', facets: false, ...base },
    ];
    const all: Array<[Actor, SearchParams]> = qs.map((q) => [STAFF, q]);
    all.push(
      [police, { view: 'mine', ...base }],
      [police, { view: 'mine', q: '信息', ...base, offset: 500 }],
      [police, { view: 'mine', q: '登记', order: 'recency', ...base }],
    );
    return all;
  };

  it('answers every view, filter, order and page as the SQL path, with facet counts over all matches', async () => {
    let broad = 0;
    for (const [actor, q] of queries()) {
      const r = await both(actor, q);
      expect(r.index, JSON.stringify(q)).toEqual(q.facets === false ? { ...r.sql, facets: r.index.facets } : r.sql);
      expect(r.viaIndex.facetsApproximate).toBeUndefined();
      if (r.viaSql.facetsApproximate) broad++;
    }
    expect(broad).toBeGreaterThan(0); // some answers had more matches than the SQL path's facet sample
  }, 120_000);

  it('finds a resource under its new text on the next search, and drops one taken offline', async () => {
    const hit = (await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '信息', limit: 1, offset: 0 })).items[0]!.resource;
    await withdrawResource(p.catalog, SYSTEM_ACTOR, CTX, hit.id, '测试下线');
    const gone = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '信息', limit: 5000, offset: 0 });
    expect(gone.items.map((h) => h.resource.id)).not.toContain(hit.id);
    expect((await both(STAFF, { view: 'sharing', q: '信息', limit: 20, offset: 0 })).index).toEqual(
      (await both(STAFF, { view: 'sharing', q: '信息', limit: 20, offset: 0 })).sql,
    );

    const { classCode, abstract, formatType, formatDetail, items, shareType, shareCondition, shareBasis, shareMethods, openType, openCondition, updateCycle } =
      hit;
    const { relatedCodes, keywords, maintainer, links } = hit;
    const input = {
      classCode,
      abstract,
      formatType,
      formatDetail,
      items,
      shareType,
      shareCondition,
      shareBasis,
      shareMethods,
      openType,
      openCondition,
      updateCycle,
    };
    await updateResource(p.catalog, SYSTEM_ACTOR, CTX, hit.id, { ...input, relatedCodes, keywords, maintainer, links, name: '鹦鹉螺测绘成果目录' });
    const mine: Actor = { type: 'staff', id: 'p', roles: ['dept-staff'], orgId: hit.provider.orgId };
    const found = await searchCatalog(p.catalog, mine, { view: 'mine', q: '鹦鹉螺', limit: 10, offset: 0 });
    expect(found.items.map((h) => h.resource.id)).toEqual([hit.id]);
    expect(found.facets.class!.reduce((n, v) => n + v.count, 0)).toBe(1);
  }, 60_000);

  it('sees writes committed through another connection (a CLI import while the platform serves)', async () => {
    const other = await createPlatform(
      loadConfig(
        {},
        { dataDir: p.testDb.dataDir, keyDir: `${p.testDb.dataDir}/keys`, dbUrl: p.testDb.url, logLevel: 'silent', passwordCost: 1024, checkpointIntervalMs: 0 },
      ),
    );
    try {
      const before = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '信息', limit: 1, offset: 0 });
      const extra = sampleCatalog(1, () => POLICE_USCC)[0]!.input;
      await importResources(
        other.catalog,
        SYSTEM_ACTOR,
        CTX,
        [{ row: 2, input: { ...extra, name: '蝾螈栖息地调查信息', shareType: 'unconditional' }, providerOrgId: policeId }],
        {
          publish: true,
        },
      );
      const after = await both(STAFF, { view: 'sharing', q: '蝾螈', limit: 10, offset: 0 });
      expect(after.index.total).toBe(1);
      expect(after.index).toEqual(after.sql);
      const broad = await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '信息', limit: 1, offset: 0 });
      expect(broad.total).toBe(before.total + 1);
      expect(broad.facetsApproximate).toBeUndefined(); // answered by the index, not the SQL path
    } finally {
      await other.close();
    }
  }, 60_000);

  it('rebuilds when changes it has not read were pruned, and answers from the database meanwhile', async () => {
    const other = await createPlatform(
      loadConfig(
        {},
        { dataDir: p.testDb.dataDir, keyDir: `${p.testDb.dataDir}/keys`, dbUrl: p.testDb.url, logLevel: 'silent', passwordCost: 1024, checkpointIntervalMs: 0 },
      ),
    );
    try {
      const [a, b] = sampleCatalog(3, () => POLICE_USCC).slice(1);
      const rows = [
        { row: 2, input: { ...a!.input, name: '穿山甲保护名录', shareType: 'unconditional' as const }, providerOrgId: policeId },
        { row: 3, input: { ...b!.input, name: '中华鲟增殖放流记录', shareType: 'unconditional' as const }, providerOrgId: policeId },
      ];
      await importResources(other.catalog, SYSTEM_ACTOR, CTX, rows, { publish: true });
      // As the writers' pruning trigger does after SEARCH_CHANGES_KEPT more changes: only the newest row is left.
      await sql`delete from catalog_search_changes where seq < (select max(seq) from catalog_search_changes)`.execute(other.catalog.db);
      // The first search finds the gap, drops the index and starts a rebuild: the SQL path answers (its facet sample shows it).
      expect((await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '信息', limit: 1, offset: 0 })).facetsApproximate).toBe(true);
      expect((await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '穿山甲', limit: 10, offset: 0 })).total).toBe(1);
      await p.catalog.searchIndex!.ready();
      const after = await both(STAFF, { view: 'sharing', q: '穿山甲', limit: 10, offset: 0 });
      expect(after.index).toEqual(after.sql);
      expect(after.index.total).toBe(1);
      expect((await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '信息', limit: 1, offset: 0 })).facetsApproximate).toBeUndefined();

      // The change table emptied by hand: its numbers restart below the index's cursor, which rebuilds.
      await sql`delete from catalog_search_changes`.execute(other.catalog.db);
      const [c] = sampleCatalog(4, () => POLICE_USCC).slice(3);
      await importResources(
        other.catalog,
        SYSTEM_ACTOR,
        CTX,
        [
          {
            row: 2,
            input: { ...c!.input, name: '雪豹红外相机监测', shareType: 'unconditional', shareMethods: ['interface'], shareCondition: null, shareBasis: null },
            providerOrgId: policeId,
          },
        ],
        {
          publish: true,
        },
      );
      await searchCatalog(p.catalog, STAFF, { view: 'sharing', q: '雪豹', limit: 10, offset: 0 });
      await p.catalog.searchIndex!.ready();
      const restarted = await both(STAFF, { view: 'sharing', q: '雪豹', limit: 10, offset: 0 });
      expect(restarted.index.total).toBe(1);
      expect(restarted.index).toEqual(restarted.sql);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('is turned off with ZT_CATALOG_SEARCH_INDEX=off', () => {
    expect(loadConfig({}).catalogSearchIndex).toBe(true);
    expect(loadConfig({ ZT_CATALOG_SEARCH_INDEX: 'off' }).catalogSearchIndex).toBe(false);
  });
});
