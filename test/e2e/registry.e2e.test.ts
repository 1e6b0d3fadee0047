/**
 * The registry pages in a real browser against the real server on a fresh demo database: a civil
 * affairs officer looks a person up (first without a purpose: the server's field error), sees the
 * attributes outside the bureau's right masked, the history, the signed tree head and a verified
 * inclusion proof, and files a discrepancy; the public security officer (the source department)
 * resolves it from the queue and the filer sees the outcome; the citizen signs in and sees the
 * officer's read — department, purpose — and the corrected value on 我的数据; the parcel map draws
 * the demo parcels and opens one. axe-core checks every page visited; screenshots go to
 * test-results/screenshots. Needs `npm run build` and Chromium at /usr/bin/chromium (or ZT_CHROMIUM).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, shot, staffSignIn as signIn, startDemoServer, type DemoServer, keepFailureEvidence, pick } from './helpers.js';

let server: DemoServer | undefined;
let baseUrl = '';
let browser: Browser;
/** The first demo citizen with an account (they have a population record, as every demo citizen does). */
const citizen = { idNumber: '', name: '' };

const staffSignIn = (username: string): Promise<Page> => signIn(browser, baseUrl, username, { viewport: { width: 1366, height: 900 } });

/** The error text under the form field labelled `label` (inside `scope`). */
const fieldError = (page: Page, label: string) =>
  page
    .locator('.ant-form-item', { has: page.getByLabel(label, { exact: true }) })
    .locator('.ant-form-item-explain-error')
    .allInnerTexts();

beforeAll(async () => {
  server = await startDemoServer();
  baseUrl = server.url;
  const c = /^\s+(\d{17}[\dX])\s+市民 citizen \((.+?)\)/m.exec(server.output);
  citizen.idNumber = c?.[1] ?? '';
  citizen.name = c?.[2] ?? '';
  browser = await launchChromium();
});

keepFailureEvidence(() => browser);

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

describe('registry pages', () => {
  let civil: Page;
  const purpose = '婚姻登记审查';
  const newAddress = '福建省福州市鼓楼区东街口88号';

  it('lets a civil affairs officer look a person up — purpose required — with masked fields, history and proofs', async () => {
    expect(citizen.idNumber).toMatch(/^\d{17}[\dX]$/);
    civil = await staffSignIn('mz.staff1');
    await civil.getByRole('menuitem', { name: '基础信息库' }).click();
    await expect.poll(() => civil.getByRole('heading', { level: 1 }).innerText(), { timeout: 15_000 }).toBe('基础信息库查询');
    await expect.poll(() => civil.getByTestId('tree-root').innerText(), { timeout: 15_000 }).toMatch(/^[0-9a-f]{64}$/);

    await civil.getByLabel('公民身份号码').fill(citizen.idNumber);
    await civil.getByRole('button', { name: /查\s*询/ }).click();
    await expect.poll(() => fieldError(civil, '查询目的'), { timeout: 10_000 }).toEqual([expect.stringContaining('查询目的')]);
    await shot(civil, 'console-registry-purpose-required');

    await civil.getByLabel('查询目的').fill(purpose);
    await civil.getByRole('button', { name: /查\s*询/ }).click();
    const record = civil.getByTestId('registry-record');
    await expect.poll(() => record.innerText(), { timeout: 15_000 }).toContain('已脱敏');
    const text = await record.innerText();
    expect(text).not.toContain(citizen.name); // the name is public security's, masked for civil affairs
    expect(text).toContain(`${citizen.name[0]}*`);
    expect(text).not.toContain(citizen.idNumber);
    expect(text).toContain(`${citizen.idNumber.slice(0, 4)}**********${citizen.idNumber.slice(-4)}`);
    expect(text).toMatch(/婚姻状况\s*(10|20|30|40) (未婚|已婚|丧偶|离婚)/); // civil affairs' own attribute, in clear
    const main = civil.locator('main');
    await expect.poll(() => main.innerText(), { timeout: 15_000 }).toContain('演示数据初始化 demo seed');
    expect(await main.innerText()).toContain('条目 #');

    await civil.getByRole('button', { name: '校验整个库' }).click();
    await expect.poll(() => main.innerText(), { timeout: 30_000 }).toMatch(/校验通过：\d+ 个条目、1000 条记录、\d+ 个签名树头，签名已校验/);
    await civil.getByRole('button', { name: '包含证明' }).first().click();
    await expect.poll(() => main.innerText(), { timeout: 15_000 }).toMatch(/条目 #\d+ 包含在大小为 \d+ 的签名树中/);
    await shot(civil, 'console-registry-record');

    // Read as of the first entry: before civil affairs recorded the marital status.
    await civil.getByRole('button', { name: '查看此时的记录' }).last().click();
    await expect.poll(() => main.innerText(), { timeout: 15_000 }).toContain('以下是截至');
    await expect.poll(() => record.innerText(), { timeout: 15_000 }).toMatch(/婚姻状况\s*—/);
    expect(await record.innerText()).toContain(`${citizen.name[0]}*`);
    await shot(civil, 'console-registry-as-of');
    await civil.getByRole('button', { name: '返回当前记录' }).click();
    await expect.poll(() => record.innerText(), { timeout: 15_000 }).toMatch(/婚姻状况\s*(10|20|30|40) /);
  });

  it('files a discrepancy from the record view; the source department resolves it; the filer sees the outcome', async () => {
    await civil.getByRole('button', { name: '提交异议' }).click();
    const dialog = civil.getByRole('dialog');
    await dialog.getByLabel('依据（文书编号、证明材料说明）').fill('x');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => dialog.locator('.ant-form-item-explain-error').allInnerTexts(), { timeout: 10_000 }).not.toEqual([]);
    await dialog.getByLabel('属性').click();
    await pick(civil, civil.locator('.ant-select-item-option', { hasText: '居住地址' }));
    await dialog.getByLabel('认为正确的值').fill(newAddress);
    await dialog.getByLabel('依据（文书编号、证明材料说明）').fill('居住证明 榕民〔2026〕15号');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => civil.getByRole('dialog').isVisible(), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => civil.locator('main').innerText(), { timeout: 10_000 }).toContain('异议已提交，来源部门应于');

    await civil.getByRole('menuitem', { name: '异议处理' }).click();
    const outgoing = civil.getByTestId('queue-outgoing');
    await expect.poll(() => outgoing.innerText(), { timeout: 15_000 }).toContain(newAddress);
    expect(await outgoing.innerText()).toContain('示范市公安局');
    await shot(civil, 'console-registry-discrepancy-filed');

    const police = await staffSignIn('gaj.staff1');
    await police.getByRole('menuitem', { name: '异议处理' }).click();
    const incoming = police.getByTestId('queue-incoming');
    await expect.poll(() => incoming.innerText(), { timeout: 15_000 }).toContain(newAddress);
    expect(await incoming.innerText()).toContain('示范市民政局');
    expect(await incoming.innerText()).toMatch(/处理期限[\s\S]*\d{4}/);
    await shot(police, 'console-registry-queue');
    await incoming.getByRole('button', { name: /处\s*理/ }).click();
    const resolve = police.getByRole('dialog');
    await resolve.getByLabel('处理说明').fill('经核实居住证明，已更正');
    await resolve.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => police.getByRole('dialog').isVisible(), { timeout: 10_000 }).toBe(false);
    await police.locator('label:visible', { hasText: '已更正' }).click();
    await expect.poll(() => police.getByTestId('queue-incoming').innerText(), { timeout: 15_000 }).toContain('经核实居住证明，已更正');
    await police.close();

    await civil.reload();
    await civil.locator('label:visible', { hasText: '已更正' }).click();
    const outcome = civil.getByTestId('queue-outgoing');
    await expect.poll(() => outcome.innerText(), { timeout: 15_000 }).toContain('经核实居住证明，已更正');
    expect(await outcome.innerText()).toMatch(/已写入条目 #\d+/);
    await shot(civil, 'console-registry-discrepancy-outcome');
  });

  it('draws the parcels as an SVG map, opens one, and searches a point clicked on the map', async () => {
    await civil.getByRole('menuitem', { name: '基础信息库' }).click();
    await civil.getByLabel('基础信息库', { exact: true }).click();
    await pick(civil, civil.locator('.ant-select-item-option', { hasText: '宗地' }));
    await civil.getByRole('tab', { name: '检索' }).click();
    await civil.getByRole('tabpanel').getByLabel('查询目的').fill('土地供应核查');
    await civil.locator('label:visible', { hasText: '按范围' }).click();
    await civil.getByLabel(/^范围/).fill('119.28,26.06,119.30,26.08');
    await civil
      .getByRole('tabpanel')
      .getByRole('button', { name: /检\s*索/ })
      .click();
    const map = civil.getByTestId('parcel-map').first();
    await expect.poll(() => map.locator('g[role=button]').count(), { timeout: 15_000 }).toBe(6);
    await map.getByRole('button', { name: /宗地 350102001002GB00001/ }).click();
    const record = civil.getByTestId('registry-record');
    await expect.poll(() => record.innerText(), { timeout: 15_000 }).toContain('350102001002GB00001');
    expect(await record.innerText()).toMatch(/面积（平方米）\s*[\d,]+/);
    await shot(civil, 'console-registry-parcel-map');
    // A click on the map at the centre of parcel 00005 (sent to the background, as a click
    // between parcels would be) searches that point: the server answers with that parcel alone.
    const box = (await map.getByRole('button', { name: /宗地 350103001002GB00005/ }).boundingBox())!;
    await map
      .locator('rect')
      .first()
      .dispatchEvent('click', { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 });
    await expect.poll(() => map.locator('g[role=button]').count(), { timeout: 15_000 }).toBe(1);
    expect(await civil.getByRole('tabpanel').locator('.ant-table').innerText()).toContain('350103001002GB00005');
    expect(await civil.getByRole('tabpanel').getByRole('status').innerText()).toContain('检索结果：1 条');
    await civil.close();
  });

  it('shows the citizen their record and the officer’s read — department, purpose — on 我的数据', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(baseUrl + '/login');
    await page.getByLabel('公民身份号码').fill(citizen.idNumber);
    await page.getByLabel('密码').fill('Zt@demo2026');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/\/my$/);
    await page.getByRole('link', { name: /我的数据/ }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText(), { timeout: 15_000 }).toBe('我的数据');
    const mine = page.getByTestId('my-registry-record');
    await expect.poll(() => mine.innerText(), { timeout: 15_000 }).toContain(citizen.name);
    expect(await mine.innerText()).toContain(citizen.idNumber);
    expect(await mine.innerText()).toContain(newAddress); // the corrected residence address
    const accesses = page.getByTestId('my-registry-accesses');
    await expect.poll(() => accesses.innerText(), { timeout: 15_000 }).toContain(purpose);
    const read = accesses.locator('tr', { hasText: purpose }).filter({ hasText: '查阅记录' }).filter({ hasText: '示范市民政局' });
    expect(await read.count()).toBeGreaterThan(0);
    expect(await accesses.innerText()).toContain('查看变更历史');
    // Who is told when the record changes: no department holds a right to the change events here (the browser
    // tests' demo starts no exchange nodes), and the corrected address is listed as a change that was not published.
    const notices = page.getByTestId('my-change-notices');
    await expect.poll(() => notices.innerText(), { timeout: 15_000 }).toContain('居住地址');
    expect(await notices.locator('tr', { hasText: '居住地址' }).first().innerText()).toContain('未发布');
    expect(await page.getByTestId('my-change-recipients').innerText()).toContain('目前没有部门获授权接收您记录的变更事件');
    await shot(page, 'portal-my-data');
    await page.close();
  });
});
