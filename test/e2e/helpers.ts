/**
 * What the browser tests share: the built demo server on a fresh data folder, Debian's Chromium,
 * axe-core, screenshots and the staff sign-in with TOTP enrolment. Needs `npm run build` and
 * Chromium at /usr/bin/chromium (or ZT_CHROMIUM).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import { currentTotp } from '../../src/identity/index.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** The demo accounts' password (src/demo). */
export const DEMO_PASSWORD = 'Zt@demo2026';

export interface DemoServer {
  url: string;
  /** What the server printed up to its ready line (the demo accounts). */
  output: string;
  /** Stops the server and removes its data folder. */
  stop(): void;
}

/**
 * `zhengtong demo` from the build on a random port and a fresh data folder; resolves once it lists
 * the demo accounts. Without the department nodes (ZT_DEMO_NODES=0): the browser tests set up the
 * exchange members they need themselves, and test/demo.test.ts covers the demo's nodes.
 */
export async function startDemoServer(env: Record<string, string> = {}): Promise<DemoServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-e2e-'));
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/zhengtong.js'), 'demo', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, ZT_DATA_DIR: dataDir, ZT_LOG_LEVEL: 'warn', ZT_PASSWORD_COST: '1024', ZT_DEMO_NODES: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => {
    server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`server did not start:\n${out}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m && out.includes('演示账号') && out.includes('TOTP')) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${m[1]}`, output: out, stop });
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.on('exit', (code) => reject(new Error(`server exited ${code}:\n${out}`)));
  });
}

/** The last API calls and console errors of each page, for the failure evidence. */
const pageLogs = new WeakMap<Page, string[]>();

async function recordPage(page: Page): Promise<void> {
  const log: string[] = [];
  pageLogs.set(page, log);
  const add = (line: string) => {
    log.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (log.length > 60) log.shift();
  };
  page.on('request', (r) => r.url().includes('/api/') && add(`→ ${r.method()} ${r.url()}`));
  page.on('response', (r) => r.url().includes('/api/') && add(`← ${r.status()} ${r.request().method()} ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && add(`console.error ${m.text()}`));
  page.on('pageerror', (e) => add(`pageerror ${e.message}`));
  // The page's own record of pointer and click events (capture phase), to tell a click the browser
  // never delivered from one the app ignored.
  await page.addInitScript(`(() => {
    const log = (window.__ztEvents = []);
    const name = (t) => t && t.nodeType === 1 ? t.tagName.toLowerCase() + (t.id ? '#' + t.id : '') + (typeof t.className === 'string' && t.className ? '.' + t.className.trim().split(/\\s+/).slice(0, 3).join('.') : '') + ' "' + (t.textContent || '').trim().slice(0, 20) + '"' : String(t);
    for (const type of ['pointerdown', 'pointerup', 'click', 'submit']) {
      document.addEventListener(type, (e) => {
        log.push(new Date().toISOString().slice(11, 23) + ' ' + type + ' ' + name(e.target) + (e.defaultPrevented ? ' (prevented)' : ''));
        if (log.length > 40) log.shift();
      }, true);
    }
  })()`);
}

/** Debian's Chromium, headless, without the network chatter of a desktop browser; its pages log their API calls for the failure evidence. */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.ZT_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    await recordPage(page);
    return page;
  };
  return browser;
}

const axeSource = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/** Runs axe-core in the page; returns the serious and critical violations (WCAG 2.1 A/AA). */
export async function seriousViolations(page: Page): Promise<string[]> {
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

/** Saves a screenshot to test-results/screenshots and checks the page with axe-core: no serious or critical violations. */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(0, 0); // no hover colours in the contrast check
  // Let finite CSS transitions end (a tag changing colour is measured by axe mid-way otherwise).
  await page.evaluate(
    'Promise.all(document.getAnimations().filter((a) => a.effect?.getComputedTiming().endTime !== Infinity).map((a) => a.finished.catch(() => undefined)))',
  );
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
}

/** Signs a demo staff member in to the console on a new page, enrolling their TOTP authenticator (first sign-in). */
export async function staffSignIn(
  browser: Browser,
  baseUrl: string,
  username: string,
  options: { viewport?: { width: number; height: number }; timeout?: number } = {},
): Promise<Page> {
  const page = await browser.newPage(options.viewport ? { viewport: options.viewport } : {});
  if (options.timeout) page.setDefaultTimeout(options.timeout);
  await page.goto(baseUrl + '/console');
  await page.getByLabel('账号').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.getByAltText('TOTP QR code').waitFor();
  const secret = (await page.locator('.ant-typography code').innerText()).trim();
  await page.getByLabel('6 位动态口令').fill(currentTotp(secret, new Date()));
  await page.getByRole('button', { name: /确\s*认/ }).click();
  await page.getByRole('navigation').getByRole('menu').waitFor();
  return page;
}

/**
 * After a failed test, saves what every open page showed (a screenshot and the text of any open
 * dialog or alert) to test-results/failures, so a failure in CI can be read afterwards.
 */
export function keepFailureEvidence(getBrowser: () => Browser | undefined): void {
  afterEach(async (context) => {
    const browser = getBrowser();
    if (context.task.result?.state !== 'fail' || !browser) return;
    const dir = path.join(ROOT, 'test-results', 'failures');
    fs.mkdirSync(dir, { recursive: true });
    const base = context.task.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60);
    const pages = browser.contexts().flatMap((c) => c.pages());
    for (const [i, page] of pages.entries()) {
      const name = `${base}-${i}`;
      await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true }).catch(() => undefined);
      const text = await page
        .evaluate(
          "[location.href, ...[...document.querySelectorAll('[role=dialog], [role=alert], .ant-form-item-explain-error, .ant-message')].map((e) => e.getAttribute('class') + ': ' + e.textContent), '', 'events:', ...(window.__ztEvents || [])].join('\\n')",
        )
        .catch((e: unknown) => String(e));
      fs.writeFileSync(path.join(dir, `${name}.txt`), `${String(text)}\n\n${(pageLogs.get(page) ?? []).join('\n')}\n`);
    }
  });
}

/**
 * The elements in an AntD popup or dialog motion (appearing, entering or leaving): what moves a
 * click target — select/cascader/picker popups (`slide-up/down`), dialogs (`zoom`, `fade`), menus
 * (`move-up/down`). Other motions are not waited for: a button's loading icon leaving
 * (`ant-btn-loading-icon-motion-leave`), the click wave (`wave-motion-appear`) and form help texts
 * can keep their class long after they are gone from view (seen in the registry discrepancy
 * dialog: the Save button's spinner kept its leave class for more than 3 s).
 */
const MOVING =
  '[...document.querySelectorAll(\'[class*="-appear"], [class*="-enter"], [class*="-leave"]\')].filter((e) => /(^|\\s)ant-(slide-up|slide-down|zoom|zoom-big|zoom-big-fast|zoom-up|zoom-down|fade|move-up|move-down)-(appear|enter|leave)(\\s|$)/.test(e.className))';

/** Resolves when no AntD popup or dialog motion is running. */
export async function settle(page: Page): Promise<void> {
  // Polled from here: waitForFunction would evaluate its string in the page, which the CSP forbids.
  const deadline = Date.now() + 15_000;
  while ((await page.evaluate(`${MOVING}.length > 0`)) as boolean) {
    if (Date.now() > deadline) {
      // Go on with the click as before settle() existed, naming what did not settle for whoever reads the log.
      const stuck = (await page.evaluate(`${MOVING}.map((e) => e.tagName + '.' + e.className).join(' | ')`)) as string;
      console.warn(`settle(): a motion did not end within 15 s: ${stuck}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Clicks an option in a popup (select, cascader) once the popup has finished appearing: a popup is
 * positioned while it appears, and on a busy machine a click sent meanwhile lands where the option
 * no longer is (the selection is then silently lost).
 */
export async function pick(page: Page, option: Locator): Promise<void> {
  await option.waitFor();
  await settle(page);
  await option.click();
}
