import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRightInput } from '../src/core/access-rights.js';
import { getSuite } from '../src/core/crypto/index.js';
import { AppError } from '../src/core/errors.js';
import { certificateFingerprint, verifyGlobalConf, type CenterKey, type SignedGlobalConf } from '../src/exchange/index.js';
import { makeUscc } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, seedBasics, staffBrowser, type Browser, type TestPlatform } from './helpers.js';

const CONSUMER = 'CN-DEMO/GOV/11350100003100028L/license';
const SERVICE = 'CN-DEMO/GOV/11350100003100010F/hukou/persons';

const right = (over: Partial<AccessRightInput> = {}): AccessRightInput => ({
  consumer: CONSUMER,
  service: SERVICE,
  endpoints: [{ method: 'GET', path: '/persons/*' }],
  fields: ['name', 'address.city'],
  purpose: '营业执照办理核验户籍',
  validFrom: '2026-03-01T00:00:00.000Z',
  validUntil: '2026-04-01T00:00:00.000Z',
  source: 'catalog:4b1d4c1e-0000-4000-8000-000000000001',
  ...over,
});

describe.each(DIALECTS)('exchange center: access rights (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform(dialect);
  });
  afterAll(async () => p.destroy());

  it('grants inside the caller transaction, lists rights in force, revokes', async () => {
    const granted = await p.database.db.transaction().execute((trx) => p.accessRights.grant(trx, right()));
    expect(granted).toMatchObject({ consumer: CONSUMER, service: SERVICE, fields: ['name', 'address.city'], revokedAt: null });
    expect((await p.accessRights.inForce(p.database.db, '2026-03-15T00:00:00Z')).map((r) => r.id)).toContain(granted.id);
    expect((await p.accessRights.inForce(p.database.db, '2026-02-15T00:00:00Z')).map((r) => r.id)).not.toContain(granted.id);
    expect((await p.accessRights.inForce(p.database.db, '2026-04-01T00:00:00Z')).map((r) => r.id)).not.toContain(granted.id);
    await p.database.db.transaction().execute((trx) => p.accessRights.revoke(trx, granted.id, '申请撤回'));
    expect((await p.accessRights.inForce(p.database.db, '2026-03-15T00:00:00Z')).map((r) => r.id)).not.toContain(granted.id);
  });

  it('rolls the grant back with the caller transaction', async () => {
    let id = '';
    await expect(
      p.database.db.transaction().execute(async (trx) => {
        id = (await p.accessRights.grant(trx, right({ purpose: '回滚测试' }))).id;
        throw new Error('caller fails after granting');
      }),
    ).rejects.toThrow('caller fails');
    expect((await p.accessRights.inForce(p.database.db, '2026-03-15T00:00:00Z')).map((r) => r.id)).not.toContain(id);
  });

  it('names each bad field', async () => {
    const err = await p.accessRights
      .grant(
        p.database.db,
        right({
          consumer: 'nope',
          endpoints: [{ method: 'FETCH', path: '/a/../b' }],
          fields: ['ok', 'bad field'],
          validUntil: '2026-01-01T00:00:00Z',
          source: 'x',
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const fields = ((err as AppError).details!.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(['consumer', 'endpoints.0.method', 'endpoints.0.path', 'fields.1', 'validUntil', 'source']);
  });

  it('refuses to revoke an unknown right', async () => {
    await expect(p.accessRights.revoke(p.database.db, '00000000-0000-4000-8000-000000000000', 'x')).rejects.toMatchObject({
      code: 'EXCHANGE_ACCESS_RIGHT_NOT_FOUND',
    });
  });
});

describe.each(DIALECTS)('exchange center: registry, trust root, global configuration (%s)', (dialect) => {
  let p: TestPlatform;
  let sys: Browser;
  const MEMBER_CODE = makeUscc('1', '1', '350100', '00310001');
  const memberId = `CN-DEMO/GOV/${MEMBER_CODE}`;
  const tls = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const sign = getSuite('ed25519').generateKeyPair();
  const registration = () => ({
    memberId,
    subsystems: ['hukou'],
    address: 'https://127.0.0.1:9443',
    tlsPublicKey: tls.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signSuite: 'ed25519',
    signPublicKey: getSuite('ed25519').exportPublicKey(sign.publicKey),
  });

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedBasics(p);
    sys = (await staffBrowser(p, 'sysadmin')).browser;
  });
  afterAll(async () => p.destroy());

  it('registers a member, takes a node registration and approves it with a certificate from the trust root', async () => {
    const bad = await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: 'bad code', name: '' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['body.memberCode', 'body.name']));
    const created = await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: MEMBER_CODE, name: '测试市公安局' });
    expect(created.statusCode).toBe(201);
    expect(created.json().id).toBe(memberId);
    expect((await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: MEMBER_CODE, name: 'x' })).json().error.code).toBe(
      'EXCHANGE_MEMBER_EXISTS',
    );

    const wrongKey = await p.app.inject({
      method: 'POST',
      url: '/api/v1/exchange/registrations',
      payload: { ...registration(), tlsPublicKey: 'nope', address: 'http://x' },
    });
    expect(wrongKey.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual(['body.address', 'body.tlsPublicKey']);
    const submitted = await p.app.inject({ method: 'POST', url: '/api/v1/exchange/registrations', payload: registration() });
    expect(submitted.statusCode).toBe(201);
    const reg = submitted.json();
    expect(reg.status).toBe('pending');

    const staff = (await staffBrowser(p, 'police.staff')).browser;
    expect((await staff.request('POST', `/api/v1/exchange/registrations/${reg.id}/approve`)).json().error.code).toBe('AUTH_FORBIDDEN');
    const approved = await sys.request('POST', `/api/v1/exchange/registrations/${reg.id}/approve`);
    expect(approved.statusCode).toBe(200);
    expect((await sys.request('POST', `/api/v1/exchange/registrations/${reg.id}/approve`)).json().error.code).toBe('EXCHANGE_REGISTRATION_DECIDED');

    const fetched = (await p.app.inject({ url: `/api/v1/exchange/registrations/${reg.id}` })).json();
    const info = (await p.app.inject({ url: '/api/v1/exchange/center' })).json();
    const cert = new X509Certificate(fetched.certificatePem);
    expect(cert.verify(new X509Certificate(info.trustRootPem).publicKey)).toBe(true);
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(registration().tlsPublicKey);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(fetched.certFingerprint).toBe(certificateFingerprint(fetched.certificatePem));

    const actions = (await p.audit.search({ action: 'exchange.*', limit: 50 })).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['exchange.member.create', 'exchange.node.register', 'exchange.node.approve']));
  });

  it('publishes a signed global configuration whose version moves only when the content changes', async () => {
    const info = (await p.app.inject({ url: '/api/v1/exchange/center' })).json() as CenterKey & { trustRootPem: string };
    const first = (await p.app.inject({ url: '/api/v1/exchange/globalconf' })).json() as SignedGlobalConf;
    const v1 = verifyGlobalConf(first, info);
    if (!v1.ok) throw new Error(v1.reason);
    expect(v1.conf.nodes).toHaveLength(1);
    expect(v1.conf.nodes[0]!.subsystems).toEqual([`${memberId}/hukou`]);
    expect(Date.parse(v1.conf.expiresAt) - Date.parse(v1.conf.generatedAt)).toBe(24 * 3600_000);
    const again = verifyGlobalConf((await p.app.inject({ url: '/api/v1/exchange/globalconf' })).json(), info);
    expect(again.ok && again.conf.version).toBe(v1.conf.version);

    const svc = await sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${memberId}/hukou`, code: 'persons', title: '户籍人口查询' });
    expect(svc.statusCode).toBe(201);
    const grant = await sys.request('POST', '/api/v1/exchange/access-rights', {
      consumer: `${memberId}/hukou`,
      service: `${memberId}/hukou/persons`,
      endpoints: [{ method: 'GET', path: '/persons/*' }],
      fields: ['name'],
      purpose: '测试',
      validFrom: '2026-01-01T00:00:00Z',
      validUntil: null,
    });
    expect(grant.statusCode).toBe(201);
    const v2 = verifyGlobalConf((await p.app.inject({ url: '/api/v1/exchange/globalconf' })).json(), info);
    expect(v2.ok && v2.conf.version).toBe(v1.conf.version + 1);
    expect(v2.ok && v2.conf.accessRights.map((r) => r.id)).toEqual([grant.json().id]);

    // One changed character of the configuration, or a key other than the pinned one, fails.
    expect(verifyGlobalConf({ ...first, conf: first.conf.replace('"version":', '"version": ') }, info)).toMatchObject({ ok: false, reason: 'bad signature' });
    const other = getSuite('ed25519').generateKeyPair();
    const otherKey = {
      suite: 'ed25519' as const,
      publicKey: getSuite('ed25519').exportPublicKey(other.publicKey),
      fingerprint: getSuite('ed25519').fingerprint(other.publicKey),
    };
    expect(verifyGlobalConf(first, otherKey).ok).toBe(false);
  });
});
