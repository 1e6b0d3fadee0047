/**
 * The population registry offered through the exchange, end to end on loopback: the demo city's
 * 公安局, 民政局 and 市场监督管理局 nodes (real sockets, mutual TLS, signatures) against the
 * platform as exchange center, the registry department's backend adapter calling the platform's
 * registry API with its service credential, and access rights from catalog applications for the
 * 无条件共享 base-registry resource. Another department verifies a person; the citizen's 我的数据
 * names that department and its purpose.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listResources } from '../src/catalog/index.js';
import { buildDemoCity, DEMO_GRANTS, DEMO_PASSWORD, type DemoExchange, type RunningDemoNode } from '../src/demo/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { createApiKey, listUsers } from '../src/identity/index.js';
import { Browser, DIALECTS, type TestPlatform } from './helpers.js';
import { startDemoCityExchange } from './exchange-fixture.js';

const citizen = buildDemoCity({ citizens: 1, enterprises: 0 }).seed.citizens[0]!;
const birthDate = `${citizen.idNumber.slice(6, 10)}-${citizen.idNumber.slice(10, 12)}-${citizen.idNumber.slice(12, 14)}`;
const purposeOf = (consumer: string) => DEMO_GRANTS.find((g) => g.consumer === consumer && g.provider === 'gaj')!.purpose;

describe.each(DIALECTS)('the population registry through the exchange (%s)', (dialect) => {
  let p: TestPlatform;
  let exchange: DemoExchange;
  let platformUrl = '';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-registry-exchange-'));
  let nodes: Record<'gaj' | 'mz' | 'scjg', RunningDemoNode>;
  let me: Browser;

  /** A call from a department's system through its own node to the registry service. */
  const call = (from: 'mz' | 'scjg', subpath: string, opts: { id: string; purpose?: string; body?: unknown }) =>
    fetch(`${nodes[from].clientUrl}/r1/${nodes.gaj.serviceId}${subpath}`, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers: {
        [H.client]: nodes[from].subsystemId,
        'x-api-key': nodes[from].apiKey,
        [H.purpose]: encodeURIComponent(opts.purpose ?? purposeOf(from)),
        [H.id]: opts.id,
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

  const myAccesses = async () =>
    (await me.request('GET', '/api/v1/me/registry-record/accesses')).json().items as Array<{
      action: string;
      org: { name: string } | null;
      purpose: string | null;
      readerType: string;
    }>;

  beforeAll(async () => {
    ({ p, platformUrl, exchange, nodes } = await startDemoCityExchange(dialect, dataDir));
    me = new Browser(p);
    expect((await me.request('POST', '/api/v1/auth/login', { username: citizen.idNumber, password: DEMO_PASSWORD })).statusCode).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await exchange?.stop();
    await p?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the population registry in the catalog as 无条件共享, linked to the registry node’s service', async () => {
    const gajOrg = (await listUsers(p.identity, { type: 'system', roles: ['system-admin'] }, { kind: 'staff', q: 'gaj.staff1', limit: 1, offset: 0 })).items[0]!
      .orgId!;
    const mine = await listResources(
      p.catalog,
      { type: 'staff', orgId: gajOrg, roles: ['dept-staff'] },
      { scope: 'mine', status: 'published', limit: 500, offset: 0 },
    );
    const linked = mine.items.filter((r) => r.links.some((l) => l.kind === 'service' && l.ref === nodes.gaj.serviceId));
    expect(linked).toHaveLength(1);
    expect(linked[0]).toMatchObject({ shareType: 'unconditional', classCode: '101' });
    expect(linked[0]!.items.map((i) => i.field)).toEqual(expect.arrayContaining(['idNumber', 'name', 'sex', 'birthDate', 'maritalStatus']));
  });

  it('lets 民政局 verify a person through the exchange, and the citizen sees 民政局 and its purpose', async () => {
    const before = (await myAccesses()).length;
    const r = await call('mz', `/${citizen.idNumber}/verify`, {
      id: `reg-verify-${dialect}`,
      body: { name: citizen.name, birthDate: '1900-01-01', householdAddress: '不会被返回 (not granted)' },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    // Match / no-match per attribute, never the stored values; the ungranted attribute is filtered out on the provider node.
    expect(r.json).toEqual({ name: 'match', birthDate: 'no-match' });

    const accesses = await myAccesses();
    expect(accesses).toHaveLength(before + 1);
    expect(accesses[0]).toMatchObject({ action: 'registry.record.verify', org: { name: '示范市民政局' }, purpose: purposeOf('mz') });

    // Evidence on both sides with the same purpose, and the platform's access record carries the message id.
    const [consumerRec] = await nodes.mz.node!.messageLog.find(`reg-verify-${dialect}`, 'consumer');
    const [providerRec] = await nodes.gaj.node!.messageLog.find(`reg-verify-${dialect}`, 'provider');
    for (const rec of [consumerRec!, providerRec!]) expect(rec).toMatchObject({ client: nodes.mz.subsystemId, purpose: purposeOf('mz'), outcome: 'ok' });
    expect(consumerRec!.request_hash).toBe(providerRec!.request_hash);
    const [record] = await p.audit.listDataAccess(`citizen:${citizen.idNumber}`, 1);
    expect(record).toMatchObject({ action: 'registry.record.verify', requestId: `x-road:reg-verify-${dialect}`, purpose: purposeOf('mz') });

    // A person the registry does not hold: 404 (the registry answers "not found", never values).
    const missing = await call('mz', `/110101199003077777/verify`, { id: `reg-verify-missing-${dialect}`, body: { name: '无此人' } });
    expect(missing.status).toBe(404);
  });

  it('gives 市场监督管理局 a lookup with only its granted attributes, and its history', async () => {
    const r = await call('scjg', `/${citizen.idNumber}`, { id: `reg-lookup-${dialect}` });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toEqual({ idNumber: citizen.idNumber, name: citizen.name, sex: expect.any(String), birthDate });
    const h = await call('scjg', `/${citizen.idNumber}/history`, { id: `reg-history-${dialect}` });
    expect(h.status, JSON.stringify(h.json)).toBe(200);
    expect(Object.keys(h.json).every((k) => ['idNumber', 'name', 'sex', 'birthDate'].includes(k))).toBe(true);
    // Each value names its log entry (number and leaf hash), so a change event can be matched and proved.
    expect(h.json.name).toEqual([
      { occurredAt: expect.any(String), value: expect.any(String), seq: expect.any(Number), leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    const accesses = await myAccesses();
    expect(accesses.slice(0, 2).map((a) => [a.action, a.org?.name, a.purpose])).toEqual([
      ['registry.record.history', '示范市市场监督管理局', purposeOf('scjg')],
      ['registry.record.read', '示范市市场监督管理局', purposeOf('scjg')],
    ]);
  });

  it('refuses a purpose other than the granted one on the provider node, before the registry is read', async () => {
    const before = (await myAccesses()).length;
    const r = await call('mz', `/${citizen.idNumber}`, { id: `reg-wrong-purpose-${dialect}`, purpose: purposeOf('scjg') });
    expect(r.status).toBe(403);
    expect((await nodes.gaj.node!.messageLog.find(`reg-wrong-purpose-${dialect}`, 'provider'))[0]).toMatchObject({ outcome: 'denied' });
    expect(await myAccesses()).toHaveLength(before);
  });

  it('serves the exchange routes only to the registry department’s credential, naming bad headers', async () => {
    const url = `${platformUrl}/api/v1/registries/population/exchange/records/${citizen.idNumber}`;
    const headers = { [H.client]: nodes.mz.subsystemId, [H.purpose]: encodeURIComponent(purposeOf('mz')) };
    expect((await fetch(url, { headers })).status).toBe(401);

    const mzStaff = (await listUsers(p.identity, { type: 'system', roles: ['system-admin'] }, { kind: 'staff', q: 'mz.staff1', limit: 1, offset: 0 }))
      .items[0]!;
    const mzKey = (await createApiKey(p.identity, { type: 'staff', id: mzStaff.id, orgId: mzStaff.orgId!, roles: mzStaff.roles }, {}, 'test')).key;
    const forbidden = await fetch(url, { headers: { ...headers, 'x-api-key': mzKey } });
    expect(forbidden.status).toBe(403);

    const adapterKey = (JSON.parse(fs.readFileSync(path.join(dataDir, 'exchange-demo', 'gaj', 'demo-state.json'), 'utf8')) as { platformApiKey: string })
      .platformApiKey;
    const noClient = await fetch(url, { headers: { 'x-api-key': adapterKey, [H.purpose]: 'x' } });
    expect(noClient.status).toBe(400);
    expect(await noClient.text()).toMatch(/x-road-client/);
    const stranger = await fetch(url, { headers: { ...headers, 'x-api-key': adapterKey, [H.client]: 'CN-DEMO/GOV/91350100MA0000000X/sys' } });
    expect(stranger.status).toBe(400);
    expect(((await stranger.json()) as { error: { details: { fields: Array<{ field: string }> } } }).error.details.fields[0]!.field).toBe(
      'headers.x-road-client',
    );
    const ok = await fetch(url, { headers: { ...headers, 'x-api-key': adapterKey } });
    expect(ok.status).toBe(200);
  });
});
