/**
 * The catalog as the control plane of sharing, end to end on loopback: the police publish a
 * resource served by an exchange service, the market bureau finds it by a two-character word,
 * applies, is approved for fewer items, and its node can then call the police node's service and
 * receives only the approved fields; withdrawing the application takes the right away.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNodeConfig, startNode, type ExchangeNode } from '../src/exchange/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { staffBrowser, type Browser, type TestPlatform } from './helpers.js';
import { NodeLeftovers, prepareNode, registerMembers, startTestCenter } from './exchange-fixture.js';
import { MARKET_USCC, POLICE_USCC, resourceBody, seedCatalogPeople } from './catalog-fixtures.js';

const POLICE = `CN-DEMO/GOV/${POLICE_USCC}`;
const MARKET = `CN-DEMO/GOV/${MARKET_USCC}`;
const SERVICE = `${POLICE}/hukou/persons`;
const CONSUMER = `${MARKET}/license`;
const PURPOSE = '企业开办核验法定代表人身份';
const PERSON = { id: '1', name: '张三', idNumber: '350102199001011234', address: '福州市鼓楼区三坊七巷 1 号' };

describe('catalog → exchange: apply, approve, call with only the approved fields (sqlite)', () => {
  let p: TestPlatform;
  let backend: http.Server;
  const leftovers = new NodeLeftovers();
  const nodes: Record<'police' | 'market', ExchangeNode> = {} as never;
  let marketKey = '';

  const call = () =>
    fetch(`${nodes.market.clientUrl}/r1/${SERVICE}/persons/1`, {
      headers: { [H.client]: CONSUMER, 'x-api-key': marketKey, [H.purpose]: encodeURIComponent(PURPOSE), [H.userId]: 'CN350102199001011234' },
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

  beforeAll(async () => {
    const center = await startTestCenter('sqlite', seedCatalogPeople);
    p = center.p;
    const sys = center.sys;
    backend = http.createServer((req, res) => {
      if (req.url === '/persons/1') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PERSON));
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    await registerMembers(sys, [
      [POLICE, '测试市公安局'],
      [MARKET, '测试市市场监督管理局'],
    ]);
    const specs = [
      { key: 'police', member: POLICE, subsystem: 'hukou', services: { persons: { backend: backendUrl, timeoutMs: 2000 } } },
      { key: 'market', member: MARKET, subsystem: 'license' },
    ] as const;
    for (const s of specs) {
      const node = await prepareNode(center, leftovers, {
        name: `catalog-${s.key}`,
        memberId: s.member,
        subsystems: [s.subsystem],
        ...('services' in s ? { services: s.services } : {}),
      });
      if (s.key === 'market') marketKey = node.apiKeys[s.subsystem]!;
      nodes[s.key] = await startNode(parseNodeConfig(node.raw, node.dir));
    }
    expect((await sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${POLICE}/hukou`, code: 'persons', title: '户籍人口' })).statusCode).toBe(
      201,
    );
  }, 120_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n?.close();
    backend?.close();
    await p?.destroy();
    await leftovers.cleanUp();
  });

  it('grants exactly the approved fields, and withdrawing the application revokes them', async () => {
    const police: Browser = (await staffBrowser(p, 'police.staff')).browser;
    const reviewer: Browser = (await staffBrowser(p, 'reviewer')).browser;
    const market: Browser = (await staffBrowser(p, 'market.staff')).browser;
    const body = resourceBody({
      items: [
        { name: '编号', field: 'id', type: 'C', length: 10, element: null },
        { name: '姓名', field: 'name', type: 'C', length: 50, element: null },
        { name: '公民身份号码', field: 'idNumber', type: 'C', length: 18, element: null },
        { name: '户籍地址', field: 'address', type: 'C', length: 200, element: null },
      ],
      links: [{ kind: 'service', ref: SERVICE, title: '户籍人口查询' }],
    });
    const created = (await police.request('POST', '/api/v1/catalog/resources', body)).json();
    await police.request('POST', `/api/v1/catalog/resources/${created.id}/submit`);
    expect((await reviewer.request('POST', `/api/v1/catalog/resources/${created.id}/review`, { decision: 'publish' })).json().status).toBe('published');

    // Before any application the market node is refused.
    await nodes.market.pollNow();
    await nodes.police.pollNow();
    const refused = await call();
    expect(refused.status, JSON.stringify(refused.json)).toBe(403);

    const found = (await market.request('GET', `/api/v1/catalog/sharing?q=${encodeURIComponent('户籍')}`)).json();
    expect(found.items.map((h: { resource: { id: string } }) => h.resource.id)).toEqual([created.id]);
    const applied = await market.request('POST', `/api/v1/catalog/resources/${created.id}/applications`, {
      consumerSubsystem: CONSUMER,
      purpose: PURPOSE,
      legalBasis: '《市场主体登记管理条例》',
      items: ['id', 'name', 'idNumber'],
    });
    expect(applied.statusCode, applied.body).toBe(201);
    const approved = await police.request('POST', `/api/v1/catalog/applications/${applied.json().id}/decision`, { decision: 'approve', items: ['id', 'name'] });
    expect(approved.json().status).toBe('approved');

    expect(await nodes.market.pollNow()).toBe('updated');
    await nodes.police.pollNow();
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ id: '1', name: '张三' });

    const withdrawn = await market.request('POST', `/api/v1/catalog/applications/${applied.json().id}/withdraw`, { reason: '业务办结' });
    expect(withdrawn.json().status).toBe('withdrawn');
    await nodes.market.pollNow();
    await nodes.police.pollNow();
    expect((await call()).status).toBe(403);
  }, 60_000);
});
