/**
 * Harvesting over real HTTP: a city zhengtong listening on loopback is harvested by a province
 * zhengtong (full, incremental, updates, deletions at the source, idempotence, read-only copies
 * with the link back), a generic DCAT-AP Turtle and JSON-LD document served by a tiny HTTP
 * server, unusable sources, the API's authorization and the schedule.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Parser } from 'n3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDueHarvests } from '../src/catalog/index.js';
import { Browser, createTestPlatform, DIALECTS, staffBrowser, type TestPlatform } from './helpers.js';
import { resourceBody, seedCatalogPeople } from './catalog-fixtures.js';

/** A tiny HTTP server whose documents the test changes between runs. */
function documentServer(): Promise<{ url: string; docs: Map<string, { type: string; body: string }>; close: () => Promise<void> }> {
  const docs = new Map<string, { type: string; body: string }>();
  const server = http.createServer((req, res) => {
    const doc = docs.get(req.url ?? '');
    if (!doc) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': doc.type }).end(doc.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        docs,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

const GENERIC_TTL = (base: string, withSecond: boolean) => `
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<${base}/catalog> a dcat:Catalog ; dct:title "某县开放数据目录"@zh ;
  dcat:dataset <${base}/ds/bus>${withSecond ? `, <${base}/ds/air>` : ''}, <${base}/ds/untitled> .
<${base}/ds/bus> a dcat:Dataset ;
  dct:identifier "BUS-001" ;
  dct:title "公交线路站点数据"@zh , "Bus routes and stops"@en ;
  dct:description "全县公交线路、站点位置和首末班时间。"@zh ;
  dcat:keyword "公交"@zh , "交通"@zh ;
  dct:modified "2026-02-01T08:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> ;
  dct:publisher <${base}/org/transport> ;
  dcat:contactPoint [ a vcard:Kind ; vcard:fn "县交通运输局信息科" ] ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/MONTHLY> ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
  dcat:distribution [ a dcat:Distribution ; dcat:accessURL <${base}/files/bus.csv> ; dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> ] .
<${base}/org/transport> a foaf:Agent ; foaf:name "某县交通运输局"@zh .
${
  withSecond
    ? `<${base}/ds/air> a dcat:Dataset ; dct:title "空气质量监测数据"@zh ; dct:description "逐小时空气质量指数。"@zh ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/RESTRICTED> ; dct:publisher <${base}/org/env> .
<${base}/org/env> a foaf:Agent ; foaf:name "某县生态环境局"@zh .`
    : ''
}
<${base}/ds/untitled> a dcat:Dataset ; dct:description "没有标题的数据集" .
`;

describe.each(DIALECTS)('catalog harvesting (%s)', (dialect) => {
  let city: TestPlatform;
  let province: TestPlatform;
  let cityUrl = '';
  let docs: Awaited<ReturnType<typeof documentServer>>;
  const cityRequests: string[] = [];
  let cityPolice: Browser;
  let cityReviewer: Browser;
  let reviewer: Browser;
  const cityIds: Record<string, string> = {};
  let sourceId = '';

  const actions = async (p: TestPlatform, prefix: string) => (await p.audit.search({ action: `${prefix}.*`, limit: 500 })).map((r) => r.action);

  async function publishAtCity(key: string, body: Record<string, unknown>) {
    const created = await cityPolice.request('POST', '/api/v1/catalog/resources', body);
    expect(created.statusCode, created.body).toBe(201);
    cityIds[key] = created.json().id as string;
    await cityPolice.request('POST', `/api/v1/catalog/resources/${cityIds[key]}/submit`);
    const pub = await cityReviewer.request('POST', `/api/v1/catalog/resources/${cityIds[key]}/review`, { decision: 'publish' });
    expect(pub.statusCode, pub.body).toBe(200);
    city.clock.advance(60_000);
  }

  /** The province's harvested copies of this source, by name. */
  async function harvested(): Promise<Map<string, { id: string; status: string; code: string; source_uri: string }>> {
    const rows = await province.catalog.db
      .selectFrom('catalog_resources')
      .select(['id', 'name', 'status', 'code', 'source_uri'])
      .where('harvest_source_id', '=', sourceId)
      .execute();
    return new Map(rows.map((r) => [r.name as string, r as { id: string; status: string; code: string; source_uri: string }]));
  }

  const run = (body: Record<string, unknown> = {}) => reviewer.request('POST', `/api/v1/catalog/harvest-sources/${sourceId}/run`, body);

  beforeAll(async () => {
    city = await createTestPlatform(dialect);
    city.app.addHook('onRequest', async (request) => {
      if (request.url.includes('/dcat.')) cityRequests.push(request.url);
    });
    await seedCatalogPeople(city);
    cityPolice = (await staffBrowser(city, 'police.staff')).browser;
    cityReviewer = (await staffBrowser(city, 'reviewer')).browser;
    await publishAtCity('hukou', resourceBody({ name: '户籍人口信息', openType: 'open' }));
    await publishAtCity('birth', resourceBody({ name: '出生医学证明信息', openType: 'open', keywords: ['出生', '医学'] }));
    await publishAtCity('school', resourceBody({ name: '中小学学籍信息', openType: 'open', keywords: ['学籍'] }));
    await publishAtCity('closed', resourceBody({ name: '不开放的案件信息', openType: 'closed' }));
    await city.app.listen({ port: 0, host: '127.0.0.1' });
    cityUrl = `http://127.0.0.1:${(city.app.server.address() as AddressInfo).port}`;

    province = await createTestPlatform(dialect);
    await seedCatalogPeople(province);
    reviewer = (await staffBrowser(province, 'reviewer')).browser;
    docs = await documentServer();
  });
  afterAll(async () => {
    await docs?.close();
    await province?.destroy();
    await city?.destroy();
  });

  it('registers a source for catalog reviewers only, naming the bad field of a bad one', async () => {
    const police = (await staffBrowser(province, 'police.staff')).browser;
    const url = `${cityUrl}/api/v1/catalog/dcat.ttl`;
    expect((await police.request('POST', '/api/v1/catalog/harvest-sources', { name: '测试市', url })).statusCode).toBe(403);
    expect((await new Browser(province).request('GET', '/api/v1/catalog/harvest-sources')).statusCode).toBe(401);
    for (const [bad, field] of [
      [{ name: '测试市', url: 'ftp://example.org/catalog.ttl' }, 'body.url'],
      [{ name: '测试市', url: 'not a url' }, 'body.url'],
      [{ name: '测试市', url: 'http://user:secret@example.org/x.ttl' }, 'body.url'],
      [{ name: '测试市', url, intervalMinutes: 1 }, 'body.intervalMinutes'],
      [{ name: '测试市', url, regionCode: '999999' }, 'body.regionCode'],
    ] as const) {
      const res = await reviewer.request('POST', '/api/v1/catalog/harvest-sources', bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(res.body).not.toContain('secret');
    }
    const created = await reviewer.request('POST', '/api/v1/catalog/harvest-sources', { name: '测试市政务信息资源目录', url });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ kind: 'zhengtong', intervalMinutes: null, enabled: true, lastStatus: null });
    sourceId = created.json().id as string;
    expect((await reviewer.request('POST', '/api/v1/catalog/harvest-sources', { name: '又一次', url })).statusCode).toBe(409);
    expect(await actions(province, 'catalog.harvest')).toContain('catalog.harvest.source.create');
  });

  it('harvests the city over HTTP: its open resources become read-only published copies with provenance, found by a two-character word', async () => {
    const res = await run();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ mode: 'full', status: 'succeeded', created: 3, updated: 0, withdrawn: 0, skipped: 0 });
    const copies = await harvested();
    expect([...copies.keys()].sort()).toEqual(['中小学学籍信息', '出生医学证明信息', '户籍人口信息']);
    expect(copies.get('户籍人口信息')!.source_uri).toBe(`${cityUrl}/api/v1/catalog/resources/${cityIds.hukou}`);

    const found = await new Browser(province).request('GET', `/api/v1/catalog/open-data?q=${encodeURIComponent('学籍')}`);
    expect(found.json().items.map((i: { resource: { name: string } }) => i.resource.name)).toEqual(['中小学学籍信息']);
    const copy = found.json().items[0].resource;
    expect(copy.harvest).toMatchObject({ sourceId, sourceUri: `${cityUrl}/api/v1/catalog/resources/${cityIds.school}`, sourceCode: '201/000003' });
    expect(copy.items.map((i: { field: string }) => i.field)).toEqual(['name', 'idNumber', 'address']);
    expect(copy).toMatchObject({ shareType: 'conditional', shareCondition: '仅限办理政务服务事项时核验身份', status: 'published', regionCode: '350100' });
    expect(copy.provider.name).toBe('测试市公安局');

    // Read-only here: edits, reviews and applications are refused with the link back.
    const put = await reviewer.request('PUT', `/api/v1/catalog/resources/${copy.id}`, resourceBody({ name: '改名' }));
    expect(put.statusCode).toBe(409);
    expect(put.json().error).toMatchObject({ code: 'CATALOG_RESOURCE_HARVESTED', details: { sourceUri: copy.harvest.sourceUri } });
    expect((await reviewer.request('POST', `/api/v1/catalog/resources/${copy.id}/withdraw`, { reason: '试试' })).json().error.code).toBe(
      'CATALOG_RESOURCE_HARVESTED',
    );
    const police = (await staffBrowser(province, 'police.staff')).browser;
    const apply = await police.request('POST', `/api/v1/catalog/resources/${copy.id}/applications`, {
      purpose: '核验',
      legalBasis: '依据',
      items: ['name'],
      consumerSubsystem: 'x',
    });
    expect(apply.statusCode).toBe(409);
    expect(apply.json().error.code).toBe('CATALOG_RESOURCE_HARVESTED');

    // The province's own DCAT export links each copy back to the city (its landing page).
    const ttl = (await new Browser(province).request('GET', '/api/v1/catalog/dcat.ttl')).body;
    const quads = new Parser().parse(ttl);
    const landing = quads.filter((q) => q.predicate.value === 'http://www.w3.org/ns/dcat#landingPage').map((q) => q.object.value);
    expect(landing).toContain(`${cityUrl}/api/v1/catalog/resources/${cityIds.hukou}`);
    expect((await actions(province, 'catalog.harvest')).filter((a) => a === 'catalog.harvest.create')).toHaveLength(3);
  });

  it('re-harvests incrementally: nothing changed writes nothing; an update and a new resource at the city arrive, no duplicates', async () => {
    cityRequests.length = 0;
    const again = await run();
    expect(again.json()).toMatchObject({ mode: 'incremental', status: 'succeeded', created: 0, updated: 0, withdrawn: 0 });
    expect(cityRequests[0]).toContain('modified_since=');

    // At the city: the 户籍 resource is taken offline, corrected and published again; a new one is published.
    city.clock.advance(120_000);
    await cityReviewer.request('POST', `/api/v1/catalog/resources/${cityIds.hukou}/withdraw`, { reason: '更正摘要' });
    const fix = await cityPolice.request('PUT', `/api/v1/catalog/resources/${cityIds.hukou}`, resourceBody({ name: '户籍人口信息（更正）', openType: 'open' }));
    expect(fix.statusCode, fix.body).toBe(200);
    await cityPolice.request('POST', `/api/v1/catalog/resources/${cityIds.hukou}/submit`);
    await cityReviewer.request('POST', `/api/v1/catalog/resources/${cityIds.hukou}/review`, { decision: 'publish' });
    city.clock.advance(60_000);
    await publishAtCity('tax', resourceBody({ name: '纳税信用等级信息', openType: 'open', classCode: '204', keywords: ['纳税'] }));

    cityRequests.length = 0;
    const res = await run();
    expect(res.json()).toMatchObject({ mode: 'incremental', status: 'succeeded', created: 1, updated: 1, withdrawn: 0 });
    expect(cityRequests.every((u) => u.includes('modified_since=') || u.includes('page_size=1'))).toBe(true);
    const copies = await harvested();
    expect(copies.size).toBe(4);
    expect(copies.has('户籍人口信息（更正）')).toBe(true);
    expect(copies.has('户籍人口信息')).toBe(false);

    // A full run over the same source is idempotent too.
    const full = await run({ full: true });
    expect(full.json()).toMatchObject({ mode: 'full', created: 0, updated: 0, unchanged: 4, withdrawn: 0 });
    expect((await harvested()).size).toBe(4);
  });

  it('withdraws here what was deleted or taken offline at the source', async () => {
    city.clock.advance(60_000);
    expect((await cityReviewer.request('POST', `/api/v1/catalog/resources/${cityIds.birth}/withdraw`, { reason: '停止提供' })).statusCode).toBe(200);
    const res = await run();
    expect(res.json()).toMatchObject({ status: 'succeeded', withdrawn: 1, created: 0 });
    const copies = await harvested();
    expect(copies.get('出生医学证明信息')!.status).toBe('offline');
    const found = await new Browser(province).request('GET', `/api/v1/catalog/open-data?q=${encodeURIComponent('出生')}`);
    expect(found.json().total).toBe(0);
    // Published again at the city: back here on the next run, as the same record.
    city.clock.advance(60_000);
    await cityPolice.request('PUT', `/api/v1/catalog/resources/${cityIds.birth}`, resourceBody({ name: '出生医学证明信息', openType: 'open' }));
    await cityPolice.request('POST', `/api/v1/catalog/resources/${cityIds.birth}/submit`);
    await cityReviewer.request('POST', `/api/v1/catalog/resources/${cityIds.birth}/review`, { decision: 'publish' });
    expect((await run()).json()).toMatchObject({ created: 0, updated: 1, withdrawn: 0 });
    expect((await harvested()).get('出生医学证明信息')!.status).toBe('published');
    expect(await actions(province, 'catalog.harvest')).toEqual(
      expect.arrayContaining(['catalog.harvest.withdraw', 'catalog.harvest.update', 'catalog.harvest.run']),
    );
  });

  it('harvests a generic DCAT-AP Turtle document from a plain HTTP server, skipping what it cannot read, and a JSON-LD one with a remote context', async () => {
    docs.docs.set('/catalog.ttl', { type: 'text/turtle; charset=utf-8', body: GENERIC_TTL(docs.url, true) });
    const src = await reviewer.request('POST', '/api/v1/catalog/harvest-sources', { name: '某县', url: `${docs.url}/catalog.ttl`, regionCode: '350121' });
    expect(src.json().kind).toBe('dcat');
    const id = src.json().id as string;
    const first = await reviewer.request('POST', `/api/v1/catalog/harvest-sources/${id}/run`, {});
    expect(first.json()).toMatchObject({ mode: 'full', status: 'succeeded', created: 2, skipped: 1 });
    expect(first.json().errors[0]).toMatchObject({ uri: `${docs.url}/ds/untitled` });
    const bus = (await new Browser(province).request('GET', `/api/v1/catalog/open-data?q=${encodeURIComponent('公交')}`)).json().items[0].resource;
    expect(bus).toMatchObject({
      name: '公交线路站点数据',
      formatType: 'spreadsheet',
      updateCycle: 'monthly',
      openType: 'open',
      shareType: 'unconditional',
      maintainer: '县交通运输局信息科',
      regionCode: '350121',
      classCode: '3',
      harvest: { sourceUri: `${docs.url}/ds/bus`, sourceCode: 'BUS-001' },
    });
    expect(bus.provider.name).toBe('某县交通运输局');
    const staff = (await staffBrowser(province, 'police.staff')).browser;
    const air = (await staff.request('GET', `/api/v1/catalog/sharing?q=${encodeURIComponent('空气')}`)).json().items[0].resource;
    expect(air).toMatchObject({ shareType: 'conditional', openType: 'closed' });

    // The same document without the air-quality dataset: it is withdrawn, the rest unchanged.
    docs.docs.set('/catalog.ttl', { type: 'text/turtle', body: GENERIC_TTL(docs.url, false) });
    const second = await reviewer.request('POST', `/api/v1/catalog/harvest-sources/${id}/run`, {});
    expect(second.json()).toMatchObject({ created: 0, updated: 0, unchanged: 1, withdrawn: 1 });

    // JSON-LD with a context the harvester fetches from the same server.
    docs.docs.set('/context.jsonld', {
      type: 'application/ld+json',
      body: JSON.stringify({
        '@context': { dcat: 'http://www.w3.org/ns/dcat#', dct: 'http://purl.org/dc/terms/', title: { '@id': 'dct:title', '@language': 'zh' } },
      }),
    });
    docs.docs.set('/catalog.jsonld', {
      type: 'application/ld+json',
      body: JSON.stringify({
        '@context': `${docs.url}/context.jsonld`,
        '@graph': [{ '@id': `${docs.url}/jsonld/parks`, '@type': 'dcat:Dataset', title: '城市公园名录', 'dct:description': '公园名称、位置和开放时间。' }],
      }),
    });
    const ld = await reviewer.request('POST', '/api/v1/catalog/harvest-sources', { name: '某县 JSON-LD', url: `${docs.url}/catalog.jsonld` });
    const ldRun = await reviewer.request('POST', `/api/v1/catalog/harvest-sources/${ld.json().id}/run`, {});
    expect(ldRun.json()).toMatchObject({ status: 'succeeded', created: 1 });
    expect((await new Browser(province).request('GET', `/api/v1/catalog/open-data?q=${encodeURIComponent('公园')}`)).json().total).toBe(1);
  });

  it('a source that cannot be harvested gets a clear 422 naming why, and the failed run is recorded', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    docs.docs.set('/page.html', { type: 'text/html', body: '<html><body>目录</body></html>' });
    docs.docs.set('/broken.ttl', { type: 'text/turtle', body: '<a> <b> "unterminated .' });
    for (const [url, expected] of [
      [`http://127.0.0.1:${deadPort}/api/v1/catalog/dcat.ttl`, 'ECONNREFUSED'],
      [`${docs.url}/missing.ttl`, 'HTTP 404'],
      [`${docs.url}/page.html`, 'Turtle 或 JSON-LD'],
      [`${docs.url}/broken.ttl`, '无法解析'],
    ] as const) {
      const src = await reviewer.request('POST', '/api/v1/catalog/harvest-sources', { name: `坏来源 ${expected}`, url });
      const res = await reviewer.request('POST', `/api/v1/catalog/harvest-sources/${src.json().id}/run`, {});
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error.code).toBe('CATALOG_HARVEST_FAILED');
      expect(res.json().error.message).toContain(expected);
      const detail = (await reviewer.request('GET', `/api/v1/catalog/harvest-sources/${src.json().id}`)).json();
      expect(detail).toMatchObject({ lastStatus: 'failed', runs: [{ status: 'failed' }] });
      expect(detail.lastMessage).toContain(expected);
      await reviewer.request('DELETE', `/api/v1/catalog/harvest-sources/${src.json().id}`);
    }
  });

  it('runs sources on their schedule, from the serving process’s job', async () => {
    const patched = await reviewer.request('PATCH', `/api/v1/catalog/harvest-sources/${sourceId}`, { intervalMinutes: 60 });
    expect(patched.json()).toMatchObject({ intervalMinutes: 60 });
    const lastRunAt = patched.json().lastRunAt as string;
    province.clock.advance(30 * 60_000);
    expect((await runDueHarvests(province.catalog)).map((r) => r.sourceId)).not.toContain(sourceId);
    province.clock.advance(31 * 60_000);
    const due = await runDueHarvests(province.catalog);
    expect(due).toContainEqual({ sourceId, status: 'succeeded' });
    reviewer = (await staffBrowser(province, 'reviewer')).browser; // an hour passed: a new session
    const detail = (await reviewer.request('GET', `/api/v1/catalog/harvest-sources/${sourceId}`)).json();
    expect(detail.lastRunAt > lastRunAt).toBe(true);
    expect(detail.runs[0]).toMatchObject({ status: 'succeeded', created: 0 });
  });

  it('a disabled source is neither run on schedule nor by hand, until it is enabled again', async () => {
    const off = await reviewer.request('PATCH', `/api/v1/catalog/harvest-sources/${sourceId}`, { enabled: false });
    expect(off.json()).toMatchObject({ enabled: false });
    const refused = await reviewer.request('POST', `/api/v1/catalog/harvest-sources/${sourceId}/run`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('CATALOG_HARVEST_SOURCE_DISABLED');
    province.clock.advance(61 * 60_000);
    expect((await runDueHarvests(province.catalog)).map((r) => r.sourceId)).not.toContain(sourceId);
    reviewer = (await staffBrowser(province, 'reviewer')).browser;
    expect((await reviewer.request('PATCH', `/api/v1/catalog/harvest-sources/${sourceId}`, { enabled: true })).json()).toMatchObject({ enabled: true });
    const run = await reviewer.request('POST', `/api/v1/catalog/harvest-sources/${sourceId}/run`, {});
    expect(run.statusCode, run.body).toBe(200);
  });

  it('removing a source withdraws its resources and keeps them read-only', async () => {
    const list = (await reviewer.request('GET', '/api/v1/catalog/harvest-sources')).json();
    expect(list.find((s: { id: string }) => s.id === sourceId).resources).toEqual({ published: 4, offline: 0 });
    expect((await reviewer.request('DELETE', `/api/v1/catalog/harvest-sources/${sourceId}`)).statusCode).toBe(204);
    expect((await reviewer.request('GET', `/api/v1/catalog/harvest-sources/${sourceId}`)).statusCode).toBe(404);
    const copies = await harvested();
    expect([...copies.values()].every((c) => c.status === 'offline')).toBe(true);
    expect(await actions(province, 'catalog.harvest')).toContain('catalog.harvest.source.delete');
  });
});
