import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { helmetHeadersOf, registerSecurityHeaders } from './security-headers.js';

const OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null } },
};

/** Headers of a response to `url` from an app with one route that answers and one that throws. */
async function responseHeaders(setup: (app: ReturnType<typeof Fastify>) => Promise<void>, url: string) {
  const app = Fastify();
  await setup(app);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  const res = await app.inject(url);
  await app.close();
  const { date: _date, ...headers } = res.headers;
  return { status: res.statusCode, headers };
}

describe('security headers', () => {
  it('are the headers @fastify/helmet sets, on answers, errors and unknown routes', async () => {
    const headers = await helmetHeadersOf(OPTIONS);
    expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(headers['content-security-policy']).toContain("img-src 'self' data:");
    for (const url of ['/ok', '/fails', '/missing']) {
      const once = await responseHeaders((app) => registerSecurityHeaders(app, OPTIONS), url);
      const plugin = await responseHeaders(async (app) => void (await app.register(fastifyHelmet, { ...OPTIONS, global: true })), url);
      expect(once, url).toEqual(plugin);
    }
  });
});
