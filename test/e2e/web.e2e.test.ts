/**
 * The web app in a real browser against the real server on a fresh database: a citizen signs
 * up (with a wrong identity number first) and signs in; the system admin signs in to the
 * console with TOTP enrolment and sees the organisations. Screenshots go to
 * test-results/screenshots. Needs `npm run build` and Chromium at /usr/bin/chromium (or
 * ZT_CHROMIUM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentTotp } from '../../src/identity/index.js';
import { makeCitizenId } from '../../src/standards/index.js';

const root = path.resolve(import.meta.dirname, '../..');
const shots = path.join(root, 'test-results', 'screenshots');
let server: ChildProcess;
let baseUrl = '';
let browser: Browser;
let dataDir = '';

async function startServer(): Promise<string> {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-e2e-'));
  server = spawn(process.execPath, [path.join(root, 'bin/zhengtong.js'), 'demo', '--port', '0'], {
    cwd: root,
    env: { ...process.env, ZT_DATA_DIR: dataDir, ZT_LOG_LEVEL: 'warn', ZT_PASSWORD_COST: '1024' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m && out.includes('演示账号')) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.on('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
}

const axeSource = fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/** Runs axe-core in the page; returns the serious and critical violations (WCAG 2.1 A/AA). */
async function seriousViolations(page: Page): Promise<string[]> {
  // Injected through the DevTools protocol, which the page's CSP (script-src 'self') does not
  // govern, so the app is tested under its real policy.
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

/** Saves a screenshot and checks the page with axe-core: no serious or critical violations. */
async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
}

beforeAll(async () => {
  baseUrl = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.ZT_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
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

describe('console', () => {
  it('signs the system admin in with TOTP enrolment and lists the organisations', async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl + '/console');
    await page.getByLabel('账号').fill('sysadmin');
    await page.getByLabel('密码').fill('Zt@demo2026');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByAltText('TOTP QR code').waitFor();
    const secret = (await page.locator('.ant-typography code').innerText()).trim();
    await shot(page, 'console-totp-enrol');
    await page.getByLabel('6 位动态口令').fill(currentTotp(secret, new Date()));
    await page.getByRole('button', { name: /确\s*认/ }).click();
    await page.getByRole('menuitem', { name: '机构管理' }).click();
    await expect.poll(() => page.locator('.ant-table').innerText(), { timeout: 15_000 }).toContain('示范市公安局');
    await shot(page, 'console-orgs');
    await page.close();
  });
});
