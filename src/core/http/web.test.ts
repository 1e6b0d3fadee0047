import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from './app.js';
import { registerWebApp } from './web.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };

describe('registerWebApp', () => {
  let dist: string;
  let app: HttpApp;

  beforeAll(async () => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-web-'));
    fs.mkdirSync(path.join(dist, 'assets'));
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html lang="zh-CN"><div id="root"></div></html>');
    fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    app = await createHttpApp({ logLevel: 'silent' });
    expect(await registerWebApp(app, dist)).toBe(true);
    app.get('/api/v1/ping', async () => ({ pong: true }));
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
  });

  it('serves built assets with a long cache', async () => {
    const res = await app.inject({ url: '/assets/index-abc.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('keeps the JSON 404 for server paths and for requests that do not want HTML', async () => {
    for (const [url, headers] of [
      ['/api/v1/x', HTML],
      ['/healthzz/x', {}],
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
