import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestPlatform, DIALECTS, staffBrowser, type TestPlatform } from './helpers.js';
import { resourceBody, seedCatalogPeople } from './catalog-fixtures.js';

describe.each(DIALECTS)('catalog quality (%s)', (dialect) => {
  let p: TestPlatform;
  let police: Browser;
  let reviewer: Browser;
  let server: http.Server;
  let origin = '';

  beforeAll(async () => {
    // A real HTTP server on loopback: /ok answers 200, everything else 404.
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/ok' ? 200 : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    p = await createTestPlatform(dialect);
    await seedCatalogPeople(p);
    police = (await staffBrowser(p, 'police.staff')).browser;
    reviewer = (await staffBrowser(p, 'reviewer')).browser;
  });
  afterAll(async () => {
    await p.destroy();
    server.close();
  });

  it('scores completeness, flags late updates and dead links', async () => {
    const full = (
      await police.request(
        'POST',
        '/api/v1/catalog/resources',
        resourceBody({
          updateCycle: 'weekly',
          items: [{ name: '姓名', field: 'name', type: 'C', length: 50, element: 'DE00001' }],
          links: [
            { kind: 'api', ref: `${origin}/ok`, title: null },
            { kind: 'api', ref: `${origin}/gone`, title: null },
          ],
        }),
      )
    ).json();
    const sparse = (
      await police.request(
        'POST',
        '/api/v1/catalog/resources',
        resourceBody({ name: '简单资源', abstract: '简短摘要', formatDetail: null, keywords: [], links: [], maintainer: '某处', updateCycle: 'yearly' }),
      )
    ).json();
    for (const id of [full.id, sparse.id]) {
      await police.request('POST', `/api/v1/catalog/resources/${id}/submit`);
      await reviewer.request('POST', `/api/v1/catalog/resources/${id}/review`, { decision: 'publish' });
    }
    // Ten days later: the weekly resource is late, the yearly one is not.
    p.clock.advance(10 * 86_400_000);
    police = (await staffBrowser(p, 'police.staff')).browser;
    const report = await police.request('GET', '/api/v1/catalog/quality?checkLinks=true');
    expect(report.statusCode, report.body).toBe(200);
    const byId = new Map(report.json().items.map((i: { id: string }) => [i.id, i]));
    expect(byId.get(full.id)).toMatchObject({ completeness: 100, missing: [], onSchedule: false });
    expect((byId.get(full.id) as { links: unknown[] }).links).toEqual([
      { ref: `${origin}/ok`, ok: true, status: 200 },
      { ref: `${origin}/gone`, ok: false, status: 404 },
    ]);
    const s = byId.get(sparse.id) as { completeness: number; missing: string[]; onSchedule: boolean };
    expect(s.onSchedule).toBe(true);
    expect(s.completeness).toBeLessThan(60);
    expect(s.missing).toEqual(expect.arrayContaining(['关键词 (keywords)', '格式说明 (format detail)']));
    expect(report.json().summary).toMatchObject({ resources: 2, onSchedule: 1, late: 1, deadLinks: 1, checkedLinks: 2 });

    // Recording a data update puts it back on schedule.
    await police.request('POST', `/api/v1/catalog/resources/${full.id}/data-updated`);
    const again = await police.request('GET', '/api/v1/catalog/quality');
    expect(again.json().summary).toMatchObject({ late: 0, checkedLinks: 0 });

    reviewer = (await staffBrowser(p, 'reviewer')).browser;
    expect((await reviewer.request('GET', '/api/v1/catalog/quality?scope=all')).json().summary.resources).toBe(2);
    expect((await police.request('GET', '/api/v1/catalog/quality?scope=all')).statusCode).toBe(403);
    expect((await new Browser(p).request('GET', '/api/v1/catalog/quality')).statusCode).toBe(401);
  });
});
