/**
 * The resource catalog's pages in a real browser against the real server (demo city, fresh
 * database): anyone searches the open-data catalog (facets, highlights, the resource page and its
 * DCAT-AP download); the police catalogue a conditional resource — the server's field errors
 * shown on the fields — and submit it; the reviewer publishes it from the queue; the market bureau
 * finds it by a two-character word (户籍), applies for three items; the police approve two; the
 * application shows approved on both sides. Then the exchange: nodes for both departments are
 * registered with the platform, and the market bureau's node calls the police service through the
 * police node and receives only the two approved fields. axe-core on every page (no serious or
 * critical violations); screenshots in test-results/screenshots.
 * Needs `npm run build` and Chromium at /usr/bin/chromium (or ZT_CHROMIUM).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNode, parseNodeConfig, startNode, type ExchangeNode } from '../../src/exchange/index.js';
import { H } from '../../src/exchange/protocol/messages.js';
import { launchChromium, shot, staffSignIn as signIn, startDemoServer, type DemoServer, keepFailureEvidence, pick } from './helpers.js';
import { freePort } from '../exchange-fixture.js';

const RESOURCE = '流动人口户籍迁移核验信息';
const PURPOSE = '企业开办核验法定代表人户籍';
const PERSON = { id: '7', name: '林晓东', idNumber: '350102199001011234', address: '福州市鼓楼区三坊七巷 1 号' };

let server: DemoServer | undefined;
let baseUrl = '';
let browser: Browser;
const dirs: string[] = [];

const staffSignIn = (username: string): Promise<Page> => signIn(browser, baseUrl, username, { timeout: 60_000 });

/** An API call with the page's session (cookie and CSRF token), as the signed-in person. */
async function apiAs<T = unknown>(page: Page, method: string, url: string, body?: unknown): Promise<{ status: number; json: T }> {
  return page.evaluate(
    async ([method, url, body]) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken?: string };
      const r = await fetch(url as string, {
        method: method as string,
        headers: { 'x-csrf-token': session.csrfToken ?? '', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: r.status, json: (await r.json().catch(() => null)) as T };
    },
    [method, url, body] as const,
  );
}

/** The error texts AntD shows under the form field labelled `label` (a label text or an aria-label). */
const fieldErrors = (page: Page, label: string) =>
  page
    .locator('.ant-form-item', { has: page.getByLabel(label, { exact: true }) })
    .locator('.ant-form-item-explain-error')
    .allInnerTexts();

const mainText = (page: Page) => page.locator('main').innerText();

/** A fresh browser context; generous timeouts, as the machine may be busy. */
async function newPage(): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  return page;
}

beforeAll(async () => {
  server = await startDemoServer();
  baseUrl = server.url;
  browser = await launchChromium();
});

keepFailureEvidence(() => browser);

afterAll(async () => {
  await browser?.close();
  server?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('portal: 数据开放', () => {
  it('searches the open-data catalog with highlights and facets, and shows a resource with its DCAT-AP download', async () => {
    const page = await newPage();
    await page.goto(baseUrl + '/');
    await page.getByRole('link', { name: '数据开放' }).first().click();
    await expect.poll(() => page.locator('h1').innerText(), { timeout: 30_000 }).toBe('数据开放');
    await expect.poll(() => page.getByRole('status').first().innerText(), { timeout: 30_000 }).toMatch(/共 \d+ 条/);
    const all = Number(/共 (\d+) 条/.exec(await page.getByRole('status').first().innerText())![1]);
    expect(all).toBeGreaterThan(0);
    await shot(page, 'catalog-open-data');

    await page.getByRole('searchbox', { name: '检索信息资源' }).fill('户籍');
    await page.getByRole('searchbox', { name: '检索信息资源' }).press('Enter');
    await expect.poll(() => page.url()).toContain('q=%E6%88%B7%E7%B1%8D');
    await expect.poll(() => page.locator('.zt-cat-hit mark').first().innerText(), { timeout: 30_000 }).toBe('户籍');
    const hits = Number(/共 (\d+) 条/.exec(await page.getByRole('status').first().innerText())![1]);
    expect(hits).toBeGreaterThan(0);
    expect(hits).toBeLessThan(all);
    // Every hit is open: 不予开放 never appears in the public catalog.
    expect(await page.locator('.zt-cat-hits').innerText()).not.toContain('不予开放');

    // A facet narrows the hits to its count.
    const facet = page.getByRole('group', { name: '共享类型' }).getByRole('button').first();
    const facetCount = Number(/（(\d+)）/.exec(await facet.innerText())![1]);
    await facet.click();
    await expect.poll(() => facet.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByRole('status').first().innerText()).toBe(`共 ${facetCount} 条`);
    await shot(page, 'catalog-open-data-search');

    await page.locator('.zt-cat-hit h2 a').first().click();
    await expect.poll(() => page.url()).toMatch(/\/open-data\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: /^信息项（\d+）$/ }).waitFor();
    expect(await mainText(page)).toContain('信息资源代码');
    const ttl = await page.getByRole('link', { name: '下载 Turtle（.ttl）' }).getAttribute('href');
    const dcat = await fetch(baseUrl + ttl!);
    expect(dcat.status).toBe(200);
    expect(dcat.headers.get('content-type')).toContain('text/turtle');
    expect(await dcat.text()).toContain('dcat:Dataset');
    await shot(page, 'catalog-open-data-resource');
    await page.close();
  }, 240_000);
});

describe('console: catalogue, review, apply, approve fewer items, call through the exchange', () => {
  let police: Page;
  let market: Page;
  let policeUscc = '';
  let marketUscc = '';
  let service = '';
  let consumer = '';

  it('shows the server’s field errors on the catalogue form, then saves and submits the resource', async () => {
    police = await staffSignIn('gaj.staff1');
    const orgs = await apiAs<{ items: Array<{ name: string; uscc: string }> }>(police, 'GET', '/api/v1/orgs?kind=department&limit=500');
    const uscc = (name: string) => orgs.json.items.find((o) => o.name === name)!.uscc;
    policeUscc = uscc('示范市公安局');
    marketUscc = uscc('示范市市场监督管理局');
    service = `CN-DEMO/GOV/${policeUscc}/hukou/persons`;
    consumer = `CN-DEMO/GOV/${marketUscc}/license`;

    await police.getByRole('menuitem', { name: '本部门资源' }).click();
    await expect.poll(() => police.getByRole('status').first().innerText(), { timeout: 30_000 }).toMatch(/共 \d+ 条/);
    await shot(police, 'catalog-console-mine');
    await police.getByRole('button', { name: '新建信息资源' }).click();
    await police.getByRole('heading', { name: '新建信息资源（编目）' }).waitFor();
    await police.getByLabel('资源分类').click();
    await police.keyboard.type('201');
    await pick(police, police.locator('.ant-select-item-option', { hasText: '201 公共服务' }));
    await police.getByLabel('信息资源名称').fill(RESOURCE);
    await police.getByLabel('信息资源摘要').fill('流动人口户籍迁入、迁出登记，用于企业开办时核验法定代表人户籍。');
    await police.getByLabel('元数据维护方').fill('户政管理支队数据组');
    const items: Array<[string, string]> = [
      ['编号', '编号'], // not an identifier: the server refuses it on this field
      ['姓名', 'name'],
      ['公民身份号码', 'idNumber'],
      ['户籍地址', 'address'],
    ];
    for (let i = 0; i < items.length; i++) {
      if (i > 0) await police.getByRole('button', { name: '添加信息项' }).click();
      await police.getByLabel(`信息项名称 ${i + 1}`, { exact: true }).fill(items[i]![0]);
      await police.getByLabel(`字段标识 ${i + 1}`, { exact: true }).fill(items[i]![1]);
    }
    await police.getByRole('button', { name: '添加服务或链接' }).click();
    await police.getByLabel('服务标识或地址 1', { exact: true }).fill(service);
    await police.getByLabel('链接名称 1', { exact: true }).fill('户籍人口查询服务');
    // 有条件共享 is the default; its condition is left empty.
    await police.getByRole('button', { name: '保存草稿' }).click();
    await expect.poll(() => fieldErrors(police, '共享条件'), { timeout: 30_000 }).toEqual([expect.stringContaining('有条件共享必须写明共享条件')]);
    expect(await fieldErrors(police, '字段标识 1')).toEqual([expect.stringContaining('字段标识')]);
    await shot(police, 'catalog-console-form-errors');

    await police.getByLabel('共享条件').fill('仅限依法履职需要，按申请的信息项共享');
    await police.getByLabel('字段标识 1', { exact: true }).fill('id');
    await police.getByRole('button', { name: '保存并提交审核' }).click();
    await expect.poll(() => police.url(), { timeout: 30_000 }).toMatch(/\/console\/catalog-mine\/[0-9a-f-]{36}$/);
    await expect.poll(() => mainText(police), { timeout: 30_000 }).toContain('待审核');
    await shot(police, 'catalog-console-resource-submitted');
  }, 240_000);

  it('lets the reviewer publish it from the queue', async () => {
    const reviewer = await staffSignIn('reviewer');
    await reviewer.getByRole('menuitem', { name: '目录审核' }).click();
    await expect.poll(() => reviewer.locator('.ant-table').innerText(), { timeout: 30_000 }).toContain(RESOURCE);
    await shot(reviewer, 'catalog-console-review-queue');
    await reviewer.getByRole('button', { name: `发布 ${RESOURCE}` }).click();
    await reviewer
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /发\s*布/ })
      .click();
    await expect.poll(() => reviewer.locator('.ant-table').innerText(), { timeout: 30_000 }).not.toContain(RESOURCE);
    await reviewer.getByRole('menuitem', { name: '目录质量' }).click();
    await expect.poll(() => reviewer.locator('.ant-table').innerText(), { timeout: 30_000 }).toContain(RESOURCE);
    await shot(reviewer, 'catalog-console-quality');
    await reviewer.getByRole('menuitem', { name: '分类与主题词' }).click();
    await expect.poll(() => mainText(reviewer), { timeout: 30_000 }).toContain('居民身份证');
    await shot(reviewer, 'catalog-console-taxonomy');
    await reviewer.close();
  }, 240_000);

  it('lets another department find it by 户籍 in the sharing catalog and apply for three items', async () => {
    market = await staffSignIn('scjg.staff1');
    await market.getByRole('menuitem', { name: '共享目录' }).click();
    await market.getByRole('searchbox', { name: '检索信息资源' }).fill('户籍');
    await market.getByRole('searchbox', { name: '检索信息资源' }).press('Enter');
    const hit = market.locator('.zt-cat-hit', { hasText: RESOURCE });
    await expect.poll(() => market.url()).toContain('q=%E6%88%B7%E7%B1%8D');
    await expect.poll(() => hit.locator('mark').allInnerTexts(), { timeout: 30_000 }).toContain('户籍');
    expect(await hit.count()).toBe(1);
    await shot(market, 'catalog-console-sharing-search');
    await hit.getByRole('link').click();
    await expect.poll(() => mainText(market), { timeout: 30_000 }).toContain('有条件共享');
    await shot(market, 'catalog-console-sharing-resource');

    await market.getByRole('button', { name: '申请共享' }).click();
    const dialog = market.getByRole('dialog');
    await dialog.getByRole('checkbox', { name: '户籍地址（address）' }).uncheck();
    await dialog.getByLabel('用途').fill(PURPOSE);
    await dialog.getByLabel('依据').fill('《市场主体登记管理条例》第十三条');
    // The subsystem must be one of the applicant's own: another department's is refused on the field.
    await dialog.getByLabel('使用方子系统').fill(`CN-DEMO/GOV/${policeUscc}/license`);
    await dialog.getByRole('button', { name: /提交申请/ }).click();
    await expect.poll(() => fieldErrors(market, '使用方子系统'), { timeout: 30_000 }).toEqual([expect.stringContaining('本部门')]);
    await shot(market, 'catalog-console-apply-error');
    await dialog.getByLabel('使用方子系统').fill(consumer);
    await dialog.getByRole('button', { name: /提交申请/ }).click();
    await expect.poll(() => market.url(), { timeout: 30_000 }).toContain('/console/catalog-applications?direction=out');
    const row = market.locator('.ant-table-row', { hasText: RESOURCE });
    await expect.poll(() => row.innerText(), { timeout: 30_000 }).toContain('待答复');
    expect(await row.innerText()).toMatch(/\d{4}-\d{2}-\d{2}/); // the answer's due date
    expect(await row.innerText()).toContain('id、name、idNumber');
    await shot(market, 'catalog-console-applications-out');
  }, 240_000);

  it('lets the provider approve fewer items, and the application shows approved', async () => {
    await police.getByRole('menuitem', { name: '共享申请' }).click();
    const row = police.locator('.ant-table-row', { hasText: RESOURCE });
    await expect.poll(() => row.innerText(), { timeout: 30_000 }).toContain('待答复');
    await shot(police, 'catalog-console-applications-in');
    await row.getByRole('button', { name: `答复 ${RESOURCE}` }).click();
    const dialog = police.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('checkbox', { name: '公民身份号码（idNumber）' }).isChecked(), { timeout: 30_000 }).toBe(true);
    await dialog.getByRole('checkbox', { name: '公民身份号码（idNumber）' }).uncheck();
    await shot(police, 'catalog-console-decide');
    await dialog.getByRole('button', { name: /提交答复/ }).click();
    await expect.poll(() => row.innerText(), { timeout: 30_000 }).toContain('已批准');
    expect(await row.innerText()).toContain('批准：id、name');

    await market.reload();
    const out = market.locator('.ant-table-row', { hasText: RESOURCE });
    await expect.poll(() => out.innerText(), { timeout: 30_000 }).toContain('已批准');
    expect(await out.innerText()).toContain('批准：id、name');
    await shot(market, 'catalog-console-application-approved');
  }, 240_000);

  it('lets the consumer’s node call the service and receive only the approved fields', async () => {
    const sys = await staffSignIn('sysadmin');
    const POLICE = `CN-DEMO/GOV/${policeUscc}`;
    const MARKET = `CN-DEMO/GOV/${marketUscc}`;
    for (const [code, name] of [
      [policeUscc, '示范市公安局'],
      [marketUscc, '示范市市场监督管理局'],
    ] as const) {
      const r = await apiAs(sys, 'POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: code, name });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
    }
    const backend = http.createServer((req, res) => {
      if (req.url === `/persons/${PERSON.id}`) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PERSON));
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const nodes: ExchangeNode[] = [];
    try {
      const fingerprint = ((await (await fetch(`${baseUrl}/api/v1/exchange/center`)).json()) as { fingerprint: string }).fingerprint;
      const init = async (member: string, subsystem: string, services?: Record<string, { backend: string; timeoutMs: number }>) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-e2e-node-'));
        dirs.push(dir);
        const result = await initNode({
          centerUrl: baseUrl,
          memberId: member,
          subsystems: [subsystem],
          dir,
          suite: 'ed25519',
          host: '127.0.0.1',
          clientPort: 0,
          serverPort: await freePort(),
          centerFingerprint: fingerprint,
          ...(services ? { services } : {}),
        });
        const approved = await apiAs(sys, 'POST', `/api/v1/exchange/registrations/${result.nodeId}/approve`);
        expect(approved.status, JSON.stringify(approved.json)).toBe(200);
        const raw = JSON.parse(fs.readFileSync(result.configFile, 'utf8')) as Record<string, unknown>;
        raw.logLevel = 'silent';
        const node = await startNode(parseNodeConfig(raw, dir));
        nodes.push(node);
        return { node, apiKey: result.apiKeys[subsystem]! };
      };
      const provider = await init(POLICE, 'hukou', { persons: { backend: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`, timeoutMs: 5000 } });
      const consumerNode = await init(MARKET, 'license');
      const created = await apiAs(sys, 'POST', '/api/v1/exchange/services', { subsystemId: `${POLICE}/hukou`, code: 'persons', title: '户籍人口' });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      await consumerNode.node.pollNow();
      await provider.node.pollNow();

      const callAs = (client: string) =>
        fetch(`${consumerNode.node.clientUrl}/r1/${service}/persons/${PERSON.id}`, {
          headers: { [H.client]: client, 'x-api-key': consumerNode.apiKey, [H.purpose]: encodeURIComponent(PURPOSE), [H.userId]: 'CN350102199001011234' },
        }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      const ok = await callAs(consumer);
      expect(ok.status, JSON.stringify(ok.json)).toBe(200);
      expect(ok.json).toEqual({ id: PERSON.id, name: PERSON.name });
    } finally {
      for (const n of nodes) await n.close();
      backend.close();
      await sys.close();
    }
    await police.close();
    await market.close();
  }, 240_000);
});
