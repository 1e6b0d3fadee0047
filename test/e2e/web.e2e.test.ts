/**
 * The web app in a real browser against the real server on a fresh database: a citizen signs
 * up (with a wrong identity number first) and signs in; an enterprise agent signs in for a USCC;
 * the system admin signs in to the console with TOTP enrolment, is shown field errors for bad
 * input, creates a department and a staff account; the audit admin finds those actions in the
 * audit viewer and verifies the chain; the identifier checker checks one value and a CSV file;
 * the calendar computes a deadline. axe-core checks every page visited; screenshots go to
 * test-results/screenshots. Needs `npm run build` and Chromium at /usr/bin/chromium (or ZT_CHROMIUM).
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp } from '../../src/identity/index.js';
import { makeCitizenId, makeUscc } from '../../src/standards/index.js';
import { launchChromium, shot, staffSignIn as signIn, startDemoServer, type DemoServer, keepFailureEvidence, pick } from './helpers.js';

let server: DemoServer | undefined;
let baseUrl = '';
let browser: Browser;
/** The enterprise the demo's agent account acts for, read from the demo's account list. */
let agentUscc = '';

beforeAll(async () => {
  server = await startDemoServer({ ZT_AUTH_RATE_LIMIT: '200' });
  baseUrl = server.url;
  agentUscc = /统一社会信用代码 ([0-9A-Z]{18})/.exec(server.output)?.[1] ?? '';
  browser = await launchChromium();
});

keepFailureEvidence(() => browser);

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

describe('portal', () => {
  it('shows the home page with the government name and the four sections', async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl + '/');
    await expect.poll(() => page.locator('header').innerText()).toContain('示范市人民政府');
    for (const nav of ['办事服务', '信息公开', '数据开放', '互动交流'])
      await expect.poll(() => page.getByRole('link', { name: nav }).count()).toBeGreaterThan(0);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await shot(page, 'portal-home');
    await page.close();
  });

  it('lets a citizen sign up — with the reason shown for a wrong number — and sign in', async () => {
    const page = await browser.newPage();
    const idNumber = makeCitizenId('350102', '1991-07-08', 321);
    const wrong = idNumber.slice(0, 17) + (idNumber[17] === '1' ? '2' : '1');
    await page.goto(baseUrl + '/signup');
    await page.getByLabel('公民身份号码').fill(wrong);
    await expect.poll(() => page.locator('.ant-form-item-explain-error').allInnerTexts(), { timeout: 10_000 }).toEqual([expect.stringContaining('校验')]);
    await shot(page, 'portal-signup-error');
    await page.getByLabel('公民身份号码').fill(idNumber);
    await expect.poll(() => page.getByText('号码有效').count(), { timeout: 10_000 }).toBe(1);
    await page.getByLabel('姓名').fill('陈静');
    await page.getByLabel('密码').fill('Str0ng!pass');
    await page.getByRole('button', { name: /注\s*册/ }).click();
    await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/\/login\?signedUp=1$/);
    await expect.poll(() => page.locator('main').innerText()).toContain('注册成功');
    await page.getByLabel('公民身份号码').fill(idNumber);
    await page.getByLabel('密码').fill('Str0ng!pass');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/\/my$/);
    await expect.poll(() => page.locator('main').innerText()).toContain('陈静');
    await shot(page, 'portal-my-space');
    await page.close();
  });
});

const staffSignIn = (username: string): Promise<Page> => signIn(browser, baseUrl, username);

/** The error text AntD shows under the form field labelled `label` in the open dialog. */
const fieldError = (page: Page, label: string) =>
  page
    .getByRole('dialog')
    .locator('.ant-form-item', { has: page.getByLabel(label, { exact: true }) })
    .locator('.ant-form-item-explain-error')
    .allInnerTexts();

describe('portal: enterprise agent', () => {
  it('signs an agent in for the enterprise they act for, and refuses another USCC on the field', async () => {
    expect(agentUscc).toMatch(/^[0-9A-Z]{18}$/);
    const page = await browser.newPage();
    await page.goto(baseUrl + '/login?as=agent');
    const other = makeUscc('9', '1', '350100', 'MA000077');
    await page.getByLabel('所代表企业的统一社会信用代码').fill(other);
    await page.getByLabel('经办人账号').fill('agent');
    await page.getByLabel('密码').fill('Zt@demo2026');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect
      .poll(() => page.locator('.ant-form-item-explain-error').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringContaining('统一社会信用代码')]);
    await shot(page, 'portal-agent-login-error');
    await page.getByLabel('所代表企业的统一社会信用代码').fill(agentUscc);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/\/my$/);
    await expect.poll(() => page.locator('main').innerText()).toContain('我的空间');
    await page.close();
  });
});

describe('console', () => {
  let admin: Page;
  const deptName = '示范市数字经济发展局';
  const deptUscc = makeUscc('1', '1', '350100', '00399001');

  it('signs the system admin in with TOTP enrolment and lists the organisations', async () => {
    admin = await browser.newPage();
    await admin.goto(baseUrl + '/console');
    await admin.getByLabel('账号').fill('sysadmin');
    await admin.getByLabel('密码').fill('Zt@demo2026');
    await admin.getByRole('button', { name: /登\s*录/ }).click();
    await admin.getByAltText('TOTP QR code').waitFor();
    const secret = (await admin.locator('.ant-typography code').innerText()).trim();
    await shot(admin, 'console-totp-enrol');
    await admin.getByLabel('6 位动态口令').fill(currentTotp(secret, new Date()));
    await admin.getByRole('button', { name: /确\s*认/ }).click();
    await admin.getByRole('menuitem', { name: '机构管理' }).click();
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 15_000 }).toContain('示范市公安局');
    await shot(admin, 'console-orgs');
  });

  it('shows field errors for a bad department, then creates it', async () => {
    await admin.getByRole('button', { name: '新建部门' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('名称').fill(deptName);
    await dialog.getByLabel('统一社会信用代码').fill(deptUscc.slice(0, 17) + (deptUscc[17] === '0' ? '1' : '0'));
    await dialog.getByLabel('行政区划代码').fill('359999');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => fieldError(admin, '统一社会信用代码'), { timeout: 10_000 }).toEqual([expect.stringContaining('校验')]);
    expect(await fieldError(admin, '行政区划代码')).toEqual([expect.stringContaining('359999')]);
    await shot(admin, 'console-department-errors');
    await dialog.getByLabel('统一社会信用代码').fill(deptUscc);
    await dialog.getByLabel('行政区划代码').fill('350102');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => admin.getByRole('dialog').isVisible(), { timeout: 10_000 }).toBe(false);
    await admin.getByRole('searchbox', { name: '按名称搜索' }).fill('数字经济');
    await admin.getByRole('searchbox', { name: '按名称搜索' }).press('Enter');
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 10_000 }).toContain(deptUscc);
  });

  it('shows the 三员 role conflict and a weak password on their fields, then creates the staff account', async () => {
    await admin.getByRole('menuitem', { name: '用户管理' }).click();
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 15_000 }).toMatch(/\.admin/);
    await shot(admin, 'console-users');
    await admin.getByRole('button', { name: '新建工作人员' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('账号', { exact: true }).fill('szj.wang');
    await dialog.getByLabel('姓名').fill('王晓东');
    await dialog.getByLabel('所属部门').click();
    await admin.keyboard.type('数字经济');
    await pick(admin, admin.locator('.ant-select-item-option', { hasText: deptName }));
    const orgField = dialog.locator('.ant-form-item', { has: admin.getByLabel('所属部门', { exact: true }) });
    await expect.poll(() => orgField.innerText(), { timeout: 10_000 }).toContain(deptName);
    await dialog.getByLabel('初始密码').fill('weakweak');
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    // Whatever error comes first (a field or the form's alert), it must be the password's.
    await expect.poll(() => dialog.locator('.ant-form-item-explain-error, [role=alert]').allInnerTexts(), { timeout: 15_000 }).not.toEqual([]);
    expect(await fieldError(admin, '初始密码')).not.toEqual([]);
    await shot(admin, 'console-staff-errors');
    await dialog.getByLabel('初始密码').fill('Szj!2026wang');
    await dialog.getByRole('checkbox', { name: '系统管理员' }).check();
    await dialog.getByRole('checkbox', { name: '审计管理员' }).check();
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => dialog.locator('.ant-form-item-explain-error').allInnerTexts(), { timeout: 10_000 }).toEqual([expect.stringContaining('三员')]);
    await dialog.getByRole('checkbox', { name: '系统管理员' }).uncheck();
    await dialog.getByRole('checkbox', { name: '审计管理员' }).uncheck();
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => admin.getByRole('dialog').isVisible(), { timeout: 10_000 }).toBe(false);
    await admin.getByRole('searchbox', { name: '按账号或姓名搜索' }).fill('szj.wang');
    await admin.getByRole('searchbox', { name: '按账号或姓名搜索' }).press('Enter');
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 10_000 }).toContain('王晓东');
  });

  it('shows the departments as a tree, and picks a division province → city → county', async () => {
    await admin.getByRole('menuitem', { name: '机构管理' }).click();
    await admin.getByText('部门树').click();
    const tree = admin.getByRole('tree');
    await expect.poll(() => tree.innerText(), { timeout: 10_000 }).toContain('示范市公安局');
    expect(await tree.innerText()).toContain(deptName);
    await shot(admin, 'console-orgs-tree');
    await admin.getByText('列表', { exact: true }).click();
    await admin.getByRole('button', { name: '新建部门' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('按省、市、县选择行政区划').click();
    for (const name of ['福建省', '福州市', '鼓楼区']) await pick(admin, admin.locator('.ant-cascader-menu-item', { hasText: name }).first());
    await expect.poll(() => dialog.getByLabel('行政区划代码').inputValue(), { timeout: 10_000 }).toBe('350102');
    await dialog.getByRole('button', { name: /取\s*消/ }).click();
  });

  it('lets the security admin unlock a locked account, and the system admin disable it', async () => {
    const login = (password: string) =>
      fetch(`${baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'szj.wang', password, mode: 'bearer' }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: string } } }));
    for (let i = 0; i < 4; i++) expect((await login('wrong-password')).status).toBe(401);
    expect((await login('wrong-password')).body.error?.code).toBe('AUTH_ACCOUNT_LOCKED'); // the fifth failure locks
    expect((await login('Szj!2026wang')).body.error?.code).toBe('AUTH_ACCOUNT_LOCKED');

    const sec = await staffSignIn('secadmin');
    await sec.getByRole('menuitem', { name: '用户管理' }).click();
    await sec.getByRole('searchbox', { name: '按账号或姓名搜索' }).fill('szj.wang');
    await sec.getByRole('searchbox', { name: '按账号或姓名搜索' }).press('Enter');
    await expect.poll(() => sec.locator('.ant-table').innerText(), { timeout: 10_000 }).toContain('已锁定');
    await shot(sec, 'console-user-locked');
    await sec.getByRole('button', { name: '解锁 szj.wang' }).click();
    await expect.poll(() => sec.locator('.ant-table').innerText(), { timeout: 10_000 }).not.toContain('已锁定');
    await sec.close();
    expect((await login('Szj!2026wang')).status).toBe(200);

    await admin.getByRole('menuitem', { name: '用户管理' }).click();
    await admin.getByRole('searchbox', { name: '按账号或姓名搜索' }).fill('szj.wang');
    await admin.getByRole('searchbox', { name: '按账号或姓名搜索' }).press('Enter');
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 10_000 }).toContain('王晓东');
    // The roles dialog saves its own form (the new-staff dialog is mounted beside it).
    await admin.getByRole('button', { name: '角色 szj.wang' }).click();
    const roles = admin.getByRole('dialog', { name: '设置 王晓东 的角色' });
    await roles.getByRole('checkbox', { name: '目录审核员' }).check();
    await roles.getByRole('button', { name: /保\s*存/ }).click();
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 10_000 }).toContain('目录审核员');
    await admin.getByRole('button', { name: '停用 szj.wang' }).click();
    await admin
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /停\s*用/ })
      .click();
    await expect.poll(() => admin.locator('.ant-table').innerText(), { timeout: 10_000 }).toContain('停用');
    await shot(admin, 'console-users-disabled');
    expect((await login('Szj!2026wang')).body.error?.code).toBe('AUTH_ACCOUNT_DISABLED');
  });

  it('checks one identifier with the position of the error, and a CSV file', async () => {
    await admin.getByRole('menuitem', { name: '标识校验' }).click();
    const id = makeCitizenId('350102', '1980-02-29', 17);
    await admin.getByLabel('标识值').fill(id.slice(0, 17) + (id[17] === '1' ? '2' : '1'));
    await admin.getByRole('button', { name: /校\s*验/ }).click();
    await expect.poll(() => admin.locator('main').innerText(), { timeout: 10_000 }).toContain('第 18 位');
    await shot(admin, 'console-identifier-single');
    await admin.getByRole('tab', { name: 'CSV 文件批量校验' }).click();
    await admin.locator('input[type=file]').setInputFiles({
      name: 'orgs.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`名称,统一社会信用代码\n甲,${deptUscc}\n乙,${deptUscc.slice(0, 17)}Z\n`),
    });
    await admin.getByRole('button', { name: '开始校验' }).click();
    await expect.poll(() => admin.locator('main').innerText(), { timeout: 10_000 }).toContain('共 2 行，有效 1，无效 1');
    await shot(admin, 'console-identifier-file');
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('button', { name: '下载结果（CSV）' }).click()]);
    expect(download.suggestedFilename()).toBe('orgs-校验结果.csv');
    const csv = fs.readFileSync(await download.path(), 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('行号,标识值,校验,原因');
    expect(lines[1]).toMatch(new RegExp(`^2,${deptUscc},有效,$`));
    expect(lines[2]).toMatch(/^3,.{17}Z,无效,.+/);
  });

  it('computes a deadline in working days on the calendar page', async () => {
    await admin.getByRole('menuitem', { name: '工作日历' }).click();
    await admin.getByLabel('起始日').fill('2026-09-30');
    await admin.getByLabel('工作日数').fill('1');
    await admin.getByRole('button', { name: /计\s*算/ }).click();
    // 2026: 国庆 1–7 October off, so one working day after 30 September is 8 October.
    await expect.poll(() => admin.getByRole('status').allInnerTexts(), { timeout: 10_000 }).toContainEqual(expect.stringContaining('2026-10-08'));
    await shot(admin, 'console-calendar');
    await admin.close();
  });

  it('shows the audit admin those actions in the audit viewer, and verifies the chain', async () => {
    const page = await staffSignIn('auditadmin');
    await page.getByRole('menuitem', { name: '审计日志' }).click();
    await page.getByLabel('动作（前缀以 .* 结尾）').fill('identity.*');
    await page.getByRole('button', { name: /检\s*索/ }).click();
    const table = page.locator('.ant-table');
    await expect.poll(() => table.innerText(), { timeout: 15_000 }).toContain('identity.org.create');
    expect(await table.innerText()).toContain('identity.user.create');
    expect(await table.innerText()).toContain('系统管理员');
    await page.getByRole('button', { name: '立即校验' }).click();
    await expect.poll(() => page.locator('main').innerText(), { timeout: 30_000 }).toContain('校验通过');
    await shot(page, 'console-audit');
    await page.close();
  });
});
