import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from './app.js';
import { registerWebApp } from './web.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };
const BIG_JS = 'export const words = ' + JSON.stringify(Array.from({ length: 2000 }, (_, i) => `word${i}`)) + ';\n';

describe('registerWebApp', () => {
  let dist: string;
  let app: HttpApp;

  beforeAll(async () => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-web-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html lang="zh-CN"><div id="root"></div></html>');
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    // What the build writes beside a large asset (web/vite.config.ts): the brotli version.
    fs.writeFileSync(path.join(dist, 'assets', 'big-abc.js'), BIG_JS);
    fs.writeFileSync(path.join(dist, 'assets', 'big-abc.js.br'), brotliCompressSync(BIG_JS));
    app = await createHttpApp({ logLevel: 'silent' });
    expect(await registerWebApp(app, dist)).toBe(true);
    app.get('/api/v1/ping', async () => ({ pong: true }));
    app.get('/api/v1/big', async () => ({ items: Array.from({ length: 500 }, (_, i) => ({ id: i, name: `第 ${i} 项` })) }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and for client-side routes that accept HTML', async () => {
    for (const url of ['/', '/login', '/console', '/console/orgs?page=2']) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
    // The front door answers any client (curl http://127.0.0.1:8080/), not only browsers.
    const plain = await app.inject({ url: '/' });
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toContain('<div id="root">');
  });

  it('serves built assets with a long cache', async () => {
    const res = await app.inject({ url: '/assets/index-abc.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('sends the pre-compressed asset to clients that accept it, the original to the rest', async () => {
    const br = await app.inject({ url: '/assets/big-abc.js', headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.rawPayload.length).toBeLessThan(BIG_JS.length / 3);
    const plain = await app.inject({ url: '/assets/big-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(BIG_JS);
  });

  it('compresses large JSON replies with gzip or brotli, and leaves small ones alone', async () => {
    const gz = await app.inject({ url: '/api/v1/big', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString()).items).toHaveLength(500);
    const small = await app.inject({ url: '/api/v1/ping', headers: { 'accept-encoding': 'gzip, br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    const none = await app.inject({ url: '/api/v1/big' });
    expect(none.headers['content-encoding']).toBeUndefined();
  });

  it('keeps the JSON 404 for server paths and for requests that do not want HTML', async () => {
    for (const [url, headers] of [
      ['/api/v1/x', HTML],
      ['/healthzz/x', {}],
      ['/console', {}],
      ['/assets/missing.js', {}],
      ['/readyz/x', HTML],
    ] as const) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
    }
    expect((await app.inject({ url: '/api/v1/ping', headers: HTML })).json()).toEqual({ pong: true });
  });

  it('registers nothing when the web app is not built', async () => {
    const bare = await createHttpApp({ logLevel: 'silent' });
    expect(await registerWebApp(bare, path.join(dist, 'nope'))).toBe(false);
    await bare.close();
  });
});
