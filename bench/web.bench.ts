/**
 * Time to first render of the portal home page from a cold browser, beside a baseline measured
 * in the same run: a bare Fastify page with the same header text and no JavaScript. Also the
 * gzipped JavaScript the home page loads, and the bytes that actually cross the wire (the server
 * sends the build's brotli files). Needs `npm run build` and /usr/bin/chromium.
 *
 *   npx tsx bench/web.bench.ts [runs=7]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { chromium } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 7);
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

async function startPlatform(): Promise<{ url: string; stop: () => void }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-webbench-'));
  const child = spawn(process.execPath, [path.join(root, 'bin/zhengtong.js'), 'serve', '--port', '0'], {
    env: { ...process.env, ZT_DATA_DIR: dataDir, ZT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}/`);
    });
  });
  return { url, stop: () => (child.kill('SIGTERM'), fs.rmSync(dataDir, { recursive: true, force: true })) };
}

/** JavaScript bytes that crossed the wire (compressed) for the page, and their decoded size. */
let wireJs = { encoded: 0, decoded: 0 };

/** First contentful paint (ms) of `url` in a browser started for this one load. */
async function coldFcp(url: string): Promise<number> {
  const browser = await chromium.launch({ executablePath: process.env.ZT_CHROMIUM ?? '/usr/bin/chromium', args });
  try {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, { timeout: 15_000 });
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]!.startTime);
    wireJs = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as unknown as { name: string; encodedBodySize: number; decodedBodySize: number }[])
        .filter((r) => r.name.endsWith('.js'))
        .reduce((a, r) => ({ encoded: a.encoded + r.encodedBodySize, decoded: a.decoded + r.decodedBodySize }), { encoded: 0, decoded: 0 }),
    );
    return fcp;
  } finally {
    await browser.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function homeJsGzipped(): number {
  const dist = path.join(root, 'web/dist');
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  return files.reduce((sum, f) => sum + gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length, 0);
}

const bare = Fastify();
bare.get('/', async (_req, reply) =>
  reply
    .type('text/html; charset=utf-8')
    .send('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>示范市人民政府</title></head><body><h1>示范市人民政府</h1></body></html>'),
);
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/`;
const platform = await startPlatform();
try {
  await coldFcp(bareUrl); // warm the OS file cache for Chromium itself
  const base: number[] = [];
  const home: number[] = [];
  for (let i = 0; i < runs; i++) {
    base.push(await coldFcp(bareUrl));
    home.push(await coldFcp(platform.url));
  }
  const kb = homeJsGzipped() / 1024;
  console.log(`cold first contentful paint, median of ${runs} (a new browser per load, interleaved):`);
  console.log(`  baseline  bare HTML, no JS        ${median(base).toFixed(0)} ms   (min ${Math.min(...base).toFixed(0)}, max ${Math.max(...base).toFixed(0)})`);
  console.log(
    `  portal    home page (React+AntD)  ${median(home).toFixed(0)} ms   (min ${Math.min(...home).toFixed(0)}, max ${Math.max(...home).toFixed(0)})  = ${(median(home) / median(base)).toFixed(2)}× baseline`,
  );
  console.log(`JavaScript loaded by the home page: ${kb.toFixed(1)} KB gzipped (budget 250 KB; the console is a separate chunk)`);
  console.log(
    `  on the wire (as served, pre-compressed brotli): ${(wireJs.encoded / 1024).toFixed(1)} KB for ${(wireJs.decoded / 1024).toFixed(1)} KB of JavaScript`,
  );
} finally {
  platform.stop();
  await bare.close();
}
