/**
 * The console's file and harvest pages in a real browser against the real server on a fresh demo
 * database: the catalog import (template download; a bad file lists every bad row and writes
 * nothing; a good file imports; the department's catalogue exports), a harvest source added and
 * run against the same server's own DCAT-AP endpoint, and the registry's verification — one
 * record, then a CSV streamed through batch verification with the progress bar and the downloaded
 * result file checked — and a registry import whose rejected rows are listed. axe-core checks
 * every screenshot. Needs `npm run build` and Chromium at /usr/bin/chromium (or ZT_CHROMIUM).
 */
import fs from 'node:fs';
import type { Browser, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepFailureEvidence, launchChromium, shot, staffSignIn as signIn, startDemoServer, type DemoServer } from './helpers.js';

let server: DemoServer | undefined;
let baseUrl = '';
let browser: Browser;
const citizen = { idNumber: '', name: '' };

const staffSignIn = (username: string): Promise<Page> => signIn(browser, baseUrl, username, { viewport: { width: 1366, height: 900 }, timeout: 60_000 });
const mainText = (page: Page) => page.locator('main').innerText();
const heading = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

/** Clicks `trigger` and returns the text of the file the page then downloads. */
async function downloaded(page: Page, trigger: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), trigger()])) as [Download, void];
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '') };
}

/** GET an API path with the page's session (JSON). */
const getJson = <T>(page: Page, path: string): Promise<T> =>
  page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).json(), path) as Promise<T>;

beforeAll(async () => {
  server = await startDemoServer();
  baseUrl = server.url;
  const c = /^\s+(\d{17}[\dX])\s+市民 citizen \((.+?)\)/m.exec(server.output);
  citizen.idNumber = c?.[1] ?? '';
  citizen.name = c?.[2] ?? '';
  browser = await launchChromium();
}, 120_000);

keepFailureEvidence(() => browser);

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

describe('catalog import and export', () => {
  it('lists every bad row of a bad file and writes nothing, then imports a good file and exports the catalogue', async () => {
    const police = await staffSignIn('gaj.staff1');
    await police.getByRole('menuitem', { name: '目录导入导出' }).click();
    await expect.poll(() => heading(police), { timeout: 30_000 }).toBe('目录导入导出');

    const template = await downloaded(police, () => police.getByRole('link', { name: '模板（CSV）' }).click());
    expect(template.name).toBe('catalog-template.csv');
    const header = template.text.split(/\r?\n/)[0]!;
    expect(header).toContain('信息资源名称');
    const row = (cls: string, name: string, items = '姓名|name|C|50；公民身份号码|idNumber|C|18', cycle = '每日') =>
      `${cls},${name},${name}的登记信息。,数据库,,${items},无条件共享,,,服务接口,不予开放,,${cycle},户籍、人口,,户政处,`;
    const mineTotal = async () => (await getJson<{ total: number }>(police, '/api/v1/catalog/mine?facets=false')).total;
    const before = await mineTotal();

    const bad = [header, row('101', '暂住人口登记'), row('999', ''), row('201', '流动人口信息', '姓名|name|X|abc', '每小时')].join('\n');
    await police.locator('input[type=file]').setInputFiles({ name: '目录-有错.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await police.getByRole('button', { name: '开始导入' }).click();
    const errors = police.getByTestId('catalog-import-errors');
    await expect.poll(() => errors.innerText().catch(() => ''), { timeout: 60_000 }).toContain('分类代码');
    const errorText = await errors.innerText();
    for (const cell of ['信息资源名称', '信息项', '更新周期']) expect(errorText).toContain(cell);
    expect(errorText).toMatch(/^3\s+分类代码/m);
    expect(errorText).toMatch(/^4\s+更新周期/m);
    expect(await mainText(police)).toContain('目录-有错.csv 有 5 处错误，未写入任何数据');
    expect(await mineTotal()).toBe(before);
    await shot(police, 'console-catalog-import-errors');

    // 1,500 rows, so the server reports progress more than once; every text the bar shows is kept.
    const more = Array.from({ length: 1498 }, (_, i) => row('101', `批量登记信息${i}`));
    const good = [header, row('101', '暂住人口登记'), row('201', '流动人口居住登记'), ...more].join('\n');
    await police.locator('input[type=file]').setInputFiles({ name: '目录.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await police.evaluate(
      "(() => { const seen = (window.ztProgress = []); new MutationObserver(() => { const text = document.querySelector('[data-testid=catalog-import-progress]')?.textContent; if (text && seen.at(-1) !== text) seen.push(text); }).observe(document.body, { subtree: true, childList: true, characterData: true }); })()",
    );
    await police.getByRole('button', { name: '开始导入' }).click();
    await expect.poll(() => mainText(police), { timeout: 60_000 }).toContain('目录.csv：已导入 1500 条资源（草稿），跳过 0 行');
    expect(await mineTotal()).toBe(before + 1500);
    const shown = (await police.evaluate('window.ztProgress')) as string[];
    expect(
      shown.some((t) => /正在校验：\d+ \/ 1500 行/.test(t)),
      shown.join(' | '),
    ).toBe(true);
    expect(
      shown.some((t) => /正在写入：\d+ \/ 1500 条/.test(t)),
      shown.join(' | '),
    ).toBe(true);
    await shot(police, 'console-catalog-import-done');

    await police.getByRole('menuitem', { name: '本部门资源' }).click();
    await expect.poll(() => police.getByRole('link', { name: '导出 CSV' }).count(), { timeout: 30_000 }).toBe(1);
    const exported = await downloaded(police, () => police.getByRole('link', { name: '导出 CSV' }).click());
    expect(exported.text).toContain('暂住人口登记');
    expect(exported.text).toContain('流动人口居住登记');
    const xlsx = await downloaded(police, () => police.getByRole('link', { name: '导出 XLSX' }).click());
    expect(xlsx.name).toBe('catalog-mine.xlsx');
    await police.close();
  }, 300_000);
});

describe('harvest sources', () => {
  it('adds a source — this server’s own DCAT-AP endpoint — harvests it now and shows the result', async () => {
    const reviewer = await staffSignIn('reviewer');
    await reviewer.getByRole('menuitem', { name: '汇聚来源' }).click();
    await expect.poll(() => mainText(reviewer), { timeout: 30_000 }).toContain('还没有汇聚来源');
    await shot(reviewer, 'console-harvest-empty');

    await reviewer.getByRole('button', { name: '添加来源' }).click();
    const dialog = reviewer.getByRole('dialog');
    await dialog.getByLabel('来源名称').fill('示范市本级目录');
    await dialog.getByLabel('DCAT-AP 地址').fill(`${baseUrl}/api/v1/catalog/dcat.ttl`);
    await dialog.getByLabel('定时汇聚间隔（分钟）').fill('1440');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    const table = reviewer.locator('.ant-table').first(); // the sources, not a source's runs (a nested table when expanded)
    await expect.poll(() => table.innerText(), { timeout: 60_000 }).toContain('示范市本级目录');
    expect(await table.innerText()).toContain('每 1440 分钟');
    expect(await table.innerText()).toContain('尚未汇聚');

    await reviewer.getByRole('button', { name: '立即汇聚' }).click();
    const result = reviewer.getByTestId('harvest-run-result');
    await expect.poll(() => result.innerText().catch(() => ''), { timeout: 120_000 }).toContain('“示范市本级目录”汇聚完成');
    const created = Number(/新增 (\d+)/.exec(await result.innerText())?.[1]);
    expect(created).toBeGreaterThan(0);
    await expect.poll(() => table.innerText(), { timeout: 30_000 }).toContain('成功');
    expect(await table.innerText()).toContain(`发布 ${created}`);
    await reviewer.locator('.ant-table-row-expand-icon').first().click();
    await expect.poll(() => mainText(reviewer), { timeout: 30_000 }).toMatch(/(完整|增量)\s+成功\s+新增 \d+/);
    await shot(reviewer, 'console-harvest-run');

    // Edit: hourly and disabled — the table says so and 立即汇聚 is off.
    await reviewer.getByRole('button', { name: '修改“示范市本级目录”' }).click();
    const edit = reviewer.getByRole('dialog'); // the visible one: the add dialog is mounted but hidden
    await edit.getByLabel('定时汇聚间隔（分钟）').fill('60');
    await edit.getByRole('switch', { name: '启用' }).click();
    await edit.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => table.innerText(), { timeout: 30_000 }).toContain('每 60 分钟');
    expect(await table.innerText()).toContain('已停用');
    expect(await reviewer.getByRole('button', { name: '立即汇聚' }).isDisabled()).toBe(true);

    // Delete, confirmed: the source is gone and what it brought is offline.
    await reviewer.getByRole('button', { name: '删除“示范市本级目录”' }).click();
    const confirm = reviewer.locator('.ant-popconfirm');
    await expect.poll(() => confirm.innerText().catch(() => ''), { timeout: 30_000 }).toContain(`${created} 条已发布资源将下线`);
    await confirm.getByRole('button', { name: /删\s*除/ }).click();
    await expect.poll(() => mainText(reviewer), { timeout: 30_000 }).toContain('还没有汇聚来源');
    await reviewer.close();
  }, 300_000);
});

describe('registry verification and import', () => {
  it('verifies one person, then a CSV in a streamed batch with progress and a result file', async () => {
    expect(citizen.idNumber).toMatch(/^\d{17}[\dX]$/);
    const police = await staffSignIn('gaj.staff2');
    await police.getByRole('menuitem', { name: '核验', exact: true }).click();
    await expect.poll(() => heading(police), { timeout: 30_000 }).toBe('核验');

    await police.getByLabel('公民身份号码').fill(citizen.idNumber);
    await police.getByLabel('姓名', { exact: true }).fill(citizen.name);
    await police.getByLabel('查询目的').fill('办理户籍业务核验身份');
    await police.getByRole('button', { name: /^核\s*验$/ }).click();
    const single = police.getByTestId('verify-result');
    await expect.poll(() => single.innerText().catch(() => ''), { timeout: 30_000 }).toContain('库中有此记录');
    expect(await single.innerText()).toMatch(/姓名\s+一致/);
    await shot(police, 'console-registry-verify-single');

    await police.getByRole('tab', { name: '批量核验' }).click();
    const other = '110101199001010011';
    const csv = ['公民身份号码,姓名', `${citizen.idNumber},${citizen.name}`, `${citizen.idNumber},${citizen.name}某`, `${other},张三`, ''].join('\n');
    await police.getByLabel('查询目的').last().fill('批量核验开户人身份');
    await police.locator('input[type=file]').setInputFiles({ name: '核验名单.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await police.getByRole('button', { name: '开始批量核验' }).click();
    const progress = police.getByTestId('verify-progress');
    await expect.poll(() => progress.innerText().catch(() => ''), { timeout: 60_000 }).toContain('已核验 3 / 3 行');
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await expect.poll(() => mainText(police), { timeout: 30_000 }).toContain('核验完成：共 3 行，库中有记录 2 行，全部一致 1 行');
    await shot(police, 'console-registry-verify-batch');

    const result = await downloaded(police, () => police.getByRole('button', { name: '下载结果文件' }).click());
    expect(result.name).toBe('核验名单-核验结果.csv');
    expect(result.text.trim().split('\n')).toEqual([
      'idNumber,found,name',
      `${citizen.idNumber},yes,match`,
      `${citizen.idNumber},yes,no-match`,
      `${other},no,no-match`,
    ]);
    expect(result.text).not.toContain(citizen.name);
    await police.close();
  }, 300_000);

  it('lists every rejected row of a registry import and writes nothing', async () => {
    const police = await staffSignIn('gaj.admin');
    await police.getByRole('menuitem', { name: '基础信息导入' }).click();
    await expect.poll(() => heading(police), { timeout: 30_000 }).toBe('基础信息批量导入');
    const csv = [
      '公民身份号码,姓名,性别,出生日期',
      `${citizen.idNumber.slice(0, 17)}${citizen.idNumber.endsWith('0') ? '1' : '0'},林小明,1,1990-05-17`,
      '350102199005171239,,9,1990-05-17',
    ].join('\n');
    await police.locator('input[type=file]').setInputFiles({ name: '人口.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await police.getByRole('button', { name: '开始导入' }).click();
    await expect.poll(() => mainText(police), { timeout: 60_000 }).toContain('人口.csv 未导入，没有写入任何数据');
    const errors = await police.getByTestId('registry-import-errors').innerText();
    expect(errors).toMatch(/^2\s+公民身份号码/m);
    expect(errors).toMatch(/^3\s+姓名/m);
    expect(errors).toMatch(/^3\s+性别/m);
    expect(await police.getByTestId('registry-import-progress').innerText()).toContain('已处理 2 / 2 行');
    await shot(police, 'console-registry-import-rejected');
    await police.close();
  }, 300_000);
});
