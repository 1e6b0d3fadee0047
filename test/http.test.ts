import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/core/errors.js';
import { createHttpApp } from '../src/core/http/app.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

describe.each(DIALECTS)('HTTP conventions (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform(dialect, { bodyLimit: 4096, authRateLimit: 10 });
  });
  afterAll(async () => p.destroy());

  it('answers /healthz and /readyz', async () => {
    expect((await p.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await p.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('echoes a well-formed X-Request-Id and generates one otherwise', async () => {
    const given = await p.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const bad = await p.app.inject({ url: '/healthz', headers: { 'x-request-id': 'no spaces <allowed>' } });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns unknown routes as 404 in the error shape', async () => {
    const res = await p.app.inject('/api/v1/nothing-here?x=1');
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body.error.code).toBe('ROUTE_NOT_FOUND');
    expect(body.error.message).toContain('/api/v1/nothing-here');
    expect(body.requestId).toBe(res.headers['x-request-id']);
  });

  it('names each bad field: wrong types, missing fields, unknown enum values, unknown fields', async () => {
    const res = await p.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 42, mode: 'carrier-pigeon', extra: true } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    const fields = (error.details.fields as Array<{ field: string }>).map((f) => f.field).sort();
    expect(fields).toEqual(['body.extra', 'body.mode', 'body.password', 'body.username']);
  });

  it('refuses malformed JSON and oversize bodies with stable codes', async () => {
    const bad = await p.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    const big = await p.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'x'.repeat(10_000), password: 'y' } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('sets security headers', async () => {
    const res = await p.app.inject('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('answers in English when asked', async () => {
    const res = await p.app.inject({ url: '/api/v1/orgs', headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe(ERROR_CODES.AUTH_REQUIRED.en);
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas, and /docs', async () => {
    const doc = (await p.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/orgs', '/api/v1/standards/validate', '/api/v1/audit/records', '/api/v1/calendar/add']),
    );
    expect(doc.paths['/api/v1/orgs'].post.requestBody.content['application/json'].schema.properties.uscc).toBeDefined();
    const docs = await p.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('validates identifiers at /api/v1/standards/validate', async () => {
    const ok = (await p.app.inject('/api/v1/standards/validate?type=uscc&value=91350100M000100Y43')).json();
    expect(ok.valid).toBe(true);
    expect(ok.parsed.organisationCode).toBe('M000100Y4');
    const bad = (await p.app.inject('/api/v1/standards/validate?type=citizen-id&value=110105194912310021')).json();
    expect(bad.valid).toBe(false);
    expect(bad.errors[0]).toMatchObject({ code: 'CHECK_CHAR_MISMATCH', position: 18, expected: 'X' });
    const unknown = await p.app.inject('/api/v1/standards/validate?type=passport&value=E1234');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.fields[0].field).toBe('query.type');
  });

  it('rate-limits authentication routes', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++) {
      const res = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.9.9.9',
        payload: { username: 'nobody', password: 'nothing' },
      });
      last = res.statusCode;
      if (i < 10) expect(res.statusCode).toBe(401);
    }
    expect(last).toBe(429);
  });
});

describe('5xx bodies', () => {
  it('never leak internals', async () => {
    const app = await createHttpApp({ logLevel: 'silent' });
    app.get('/boom', async () => {
      throw new Error('secret stack detail: password=hunter2 at /srv/app.js:12');
    });
    const res = await app.inject('/boom');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: ERROR_CODES.INTERNAL.zh }, requestId: res.headers['x-request-id'] });
    expect(res.body).not.toContain('hunter2');
    await app.close();
  });
});
