/**
 * The population registry's change events through the exchange, end to end on loopback: the
 * demo city's 公安局 node declares `population.changed` and the publisher beside it reads the
 * registry's change feed on the platform and publishes each log entry; 民政局's system subscribes
 * by pull with the access right its catalog application granted. A source-department write gives
 * exactly one event naming the record and the changed attributes, never their values; a publisher
 * restarted behind its cursor publishes nothing twice; a department without a right cannot subscribe.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EVENT_GRANTS } from '../src/demo/demo-exchange.js';
import { REGISTRY_EVENTS_CURSOR } from '../src/demo/demo-node.js';
import { buildDemoCity, DEMO_GRANTS, DEMO_PASSWORD, type DemoExchange, type RunningDemoNode } from '../src/demo/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { createApiKey, listUsers } from '../src/identity/index.js';
import { startRegistryEventPublisher, type RegistryChange } from '../src/registries/exchange/registry-events.js';
import { Browser, DIALECTS, type TestPlatform } from './helpers.js';
import { startDemoCityExchange } from './exchange-fixture.js';

const citizen = buildDemoCity({ citizens: 1, enterprises: 0 }).seed.citizens[0]!;
const EVENT_TYPE = 'population.changed';
const subscribePurpose = DEMO_EVENT_GRANTS.find((g) => g.consumer === 'mz' && g.provider === 'gaj')!.purpose;
const lookupPurpose = DEMO_GRANTS.find((g) => g.consumer === 'mz' && g.provider === 'gaj')!.purpose;

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(DIALECTS)('population change events through the exchange (%s)', (dialect) => {
  let p: TestPlatform;
  let exchange: DemoExchange;
  let platformUrl = '';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-registry-events-'));
  const gajDir = path.join(dataDir, 'exchange-demo', 'gaj');
  let nodes: Record<'gaj' | 'mz' | 'scjg', RunningDemoNode>;
  let mzKey = '';
  let mzOrgId = '';
  let adapterKey = '';

  /** A pub/sub call of a department's system on its own node, in 公安局's room. */
  const room = (from: 'mz' | 'scjg', method: string, route: string, body?: unknown) =>
    fetch(`${nodes[from].clientUrl}/r1/${nodes.gaj.subsystemId}${route}`, {
      method,
      headers: {
        [H.client]: nodes[from].subsystemId,
        'x-api-key': nodes[from].apiKey,
        [H.purpose]: encodeURIComponent(subscribePurpose),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (r) => {
      const text = await r.text();
      return { status: r.status, error: r.headers.get(H.error), json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
    });

  const pull = () => room('mz', 'GET', `/pull/v1/${EVENT_TYPE}`);
  /** The next event, waiting for it to arrive (published, delivered to 民政局's node). */
  const nextEvent = async () => {
    let r = await pull();
    await until('an event to pull', async () => (r = await pull()).status === 200, 60_000);
    return r.json as { id: string; eventType: string; publisherId: Record<string, string>; event: RegistryChange };
  };
  const ack = async (id: string) => expect((await room('mz', 'DELETE', `/pull/v1/${EVENT_TYPE}/${id}`)).status).toBe(204);

  /** 民政局 (the source of 婚姻状况) writes a person's marital status through the platform API. */
  const writeMarital = async (code: string) => {
    const r = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/registries/population/records/${citizen.idNumber}`,
      headers: { 'x-api-key': mzKey },
      payload: { attributes: { maritalStatus: code }, reason: '婚姻登记（测试）' },
    });
    expect(r.statusCode, r.body).toBe(200);
  };
  const currentMarital = async () =>
    (
      await p.registries.service.read({ type: 'staff', name: 'test', orgId: mzOrgId, roles: ['dept-staff'] }, undefined, 'population', citizen.idNumber, {
        purpose: '测试读取',
      })
    ).attributes.maritalStatus as string | null;

  beforeAll(async () => {
    ({ p, platformUrl, exchange, nodes } = await startDemoCityExchange(dialect, dataDir));
    const admin = { type: 'system' as const, roles: ['system-admin' as const] };
    const mzStaff = (await listUsers(p.identity, admin, { kind: 'staff', q: 'mz.staff1', limit: 1, offset: 0 })).items[0]!;
    mzOrgId = mzStaff.orgId!;
    mzKey = (await createApiKey(p.identity, { type: 'staff', id: mzStaff.id, orgId: mzStaff.orgId!, roles: mzStaff.roles }, {}, 'test')).key;
    adapterKey = (JSON.parse(fs.readFileSync(path.join(gajDir, 'demo-state.json'), 'utf8')) as { platformApiKey: string }).platformApiKey;
    // The publisher starts at the log's end (the seeded records are not news) and notes it in its cursor.
    await until('the publisher’s cursor', () => nodes.gaj.events!.status().cursor !== null);
  }, 240_000);

  afterAll(async () => {
    await exchange?.stop();
    await p?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('declares population.changed on 公安局’s node and lets 民政局 subscribe with its catalog grant', async () => {
    expect(nodes.gaj.eventServiceId).toBe(`${nodes.gaj.subsystemId}/${EVENT_TYPE}`);
    expect(nodes.gaj.node!.config.events).toEqual({ population: { [EVENT_TYPE]: { schema: expect.objectContaining({ type: 'object' }) } } });
    const sub = await room('mz', 'POST', `/api/v1/subs/${EVENT_TYPE}`, { delivery: 'PULL' });
    expect(sub.status, JSON.stringify(sub.json)).toBe(201);
    expect(sub.json).toMatchObject({ eventType: EVENT_TYPE, delivery: 'PULL' });
    // The seeded records were there before: nothing to pull.
    expect((await pull()).status).toBe(404);
    const start = JSON.parse(fs.readFileSync(path.join(gajDir, REGISTRY_EVENTS_CURSOR), 'utf8')) as { seq: number };
    expect(start.seq).toBeGreaterThanOrEqual(20);
  });

  it('publishes exactly one event for a 民政局 write, with the key and the attribute name but not the value', async () => {
    const next = (await currentMarital()) === '40' ? '20' : '40';
    await writeMarital(next);
    const item = await nextEvent();
    const e = item.event;
    expect(item).toMatchObject({ id: `population-${e.seq}`, eventType: EVENT_TYPE, publisherId: { applicationCode: 'population' } });
    expect(e).toEqual({
      registry: 'population',
      recordKey: citizen.idNumber,
      seq: expect.any(Number),
      occurredAt: expect.any(String),
      change: 'update',
      attributes: ['maritalStatus'],
      sources: [{ source: 'civil-affairs', orgUscc: expect.stringMatching(/^11/), orgName: '示范市民政局' }],
      leafHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The sensitive value is nowhere in what the subscriber received.
    expect(JSON.stringify(item)).not.toContain(`"${next}"`);
    await ack(item.id);

    // The subscriber fetches the value through the lookup/history service (its granted fields) and matches the entry.
    const h = await fetch(`${nodes.mz.clientUrl}/r1/${nodes.gaj.serviceId}/${citizen.idNumber}/history`, {
      headers: {
        [H.client]: nodes.mz.subsystemId,
        'x-api-key': nodes.mz.apiKey,
        [H.purpose]: encodeURIComponent(lookupPurpose),
        [H.id]: `reg-event-history-${dialect}`,
      },
    });
    expect(h.status).toBe(200);
    const history = (await h.json()) as Record<string, Array<{ seq: number; leafHash: string; value: unknown }>>;
    expect(history.maritalStatus!.at(-1)).toEqual({ occurredAt: e.occurredAt, value: next, seq: e.seq, leafHash: e.leafHash });

    // Exactly one: after the publisher's next rounds there is nothing more.
    await until('the publisher past the entry', () => (nodes.gaj.events!.status().cursor ?? 0) >= e.seq);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await pull()).status).toBe(404);
    // Writing the same value again changes nothing: no entry, no event.
    await writeMarital(next);
    await new Promise((r) => setTimeout(r, 5000));
    expect((await pull()).status).toBe(404);
  }, 120_000);

  it('shows the citizen on 我的数据 that 民政局 receives their change events, and which change reached it', async () => {
    const me = new Browser(p);
    expect((await me.request('POST', '/api/v1/auth/login', { username: citizen.idNumber, password: DEMO_PASSWORD })).statusCode).toBe(200);
    const notices = (await me.request('GET', '/api/v1/me/registry-record/change-notices')).json() as {
      eventType: string;
      recipients: Array<{ org: { name: string }; consumer: string; purpose: string; revokedAt: string | null }>;
      changes: Array<{ seq: number; attributes: string[]; published: boolean; notified: Array<{ org: { name: string }; purpose: string }> }>;
    };
    expect(notices.eventType).toBe(EVENT_TYPE);
    expect(notices.recipients).toEqual([
      expect.objectContaining({
        org: expect.objectContaining({ name: '示范市民政局' }),
        consumer: nodes.mz.subsystemId,
        purpose: subscribePurpose,
        revokedAt: null,
      }),
    ]);
    // Newest first: the marital-status change published above reached 民政局; the seeded entry was before the publisher started.
    const [latest] = notices.changes;
    expect(latest).toMatchObject({ attributes: ['maritalStatus'], published: true, notified: [{ org: { name: '示范市民政局' }, purpose: subscribePurpose }] });
    expect(notices.changes.at(-1)).toMatchObject({ attributes: expect.arrayContaining(['idNumber', 'name']), published: false, notified: [] });
    // Another citizen's notices are not reachable, and an anonymous caller gets 401.
    expect((await new Browser(p).request('GET', '/api/v1/me/registry-record/change-notices')).statusCode).toBe(401);
  });

  it('publishes nothing twice when the publisher restarts behind its cursor (crash after publishing, before saving)', async () => {
    const cursorFile = path.join(gajDir, REGISTRY_EVENTS_CURSOR);
    await nodes.gaj.events!.close();
    const published = (JSON.parse(fs.readFileSync(cursorFile, 'utf8')) as { seq: number }).seq;
    // While the publisher is down, 民政局 writes again.
    const next = (await currentMarital()) === '40' ? '20' : '40';
    await writeMarital(next);
    // The cursor goes back one entry, as if the publisher had died after publishing it but before saving.
    fs.writeFileSync(cursorFile, JSON.stringify({ registry: 'population', eventType: EVENT_TYPE, seq: published - 1 }));
    const restarted = startRegistryEventPublisher({
      platformUrl,
      apiKey: adapterKey,
      registry: 'population',
      nodeUrl: nodes.gaj.clientUrl,
      publisher: nodes.gaj.subsystemId,
      nodeApiKey: nodes.gaj.apiKey,
      cursorFile,
      pollIntervalMs: 200,
      log: () => {},
    });
    try {
      await until('the restarted publisher past the new entry', () => (restarted.status().cursor ?? 0) >= published + 1);
      // The entry before was published already: the node recognised it by its id.
      expect(restarted.status()).toMatchObject({ cursor: published + 1, published: 1, duplicates: 1, failures: 0 });
      const item = await nextEvent();
      expect(item.event).toMatchObject({ seq: published + 1, recordKey: citizen.idNumber, attributes: ['maritalStatus'] });
      await ack(item.id);
      await new Promise((r) => setTimeout(r, 3000));
      expect((await pull()).status).toBe(404);
      expect((JSON.parse(fs.readFileSync(cursorFile, 'utf8')) as { seq: number }).seq).toBe(published + 1);
    } finally {
      await restarted.close();
    }
  }, 120_000);

  it('backs off while the node is unreachable and publishes once it answers', async () => {
    const cursorFile = path.join(gajDir, REGISTRY_EVENTS_CURSOR);
    const lines: string[] = [];
    const options = {
      platformUrl,
      apiKey: adapterKey,
      registry: 'population',
      publisher: nodes.gaj.subsystemId,
      nodeApiKey: nodes.gaj.apiKey,
      cursorFile,
      pollIntervalMs: 200,
      retryInitialMs: 100,
      log: (level: string, msg: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ level, msg, ...fields })),
    };
    const before = (JSON.parse(fs.readFileSync(cursorFile, 'utf8')) as { seq: number }).seq;
    await writeMarital((await currentMarital()) === '40' ? '20' : '40');
    // A node address nobody listens on: the publisher retries, the cursor stays.
    const down = startRegistryEventPublisher({ ...options, nodeUrl: 'http://127.0.0.1:9' });
    try {
      await until('two failed attempts', () => down.status().failures >= 2, 30_000);
      expect(down.status().cursor).toBe(before);
    } finally {
      await down.close();
    }
    expect(lines.some((l) => l.includes('"level":"warn"'))).toBe(true);
    // The log names the failure, never the credentials.
    for (const l of lines) {
      expect(l).not.toContain(adapterKey);
      expect(l).not.toContain(nodes.gaj.apiKey);
    }
    const up = startRegistryEventPublisher({ ...options, nodeUrl: nodes.gaj.clientUrl });
    try {
      await until('the publisher past the entry', () => (up.status().cursor ?? 0) >= before + 1);
      expect(up.status()).toMatchObject({ published: 1, duplicates: 0 });
      const item = await nextEvent();
      expect(item.event.seq).toBe(before + 1);
      await ack(item.id);
    } finally {
      await up.close();
    }
  }, 120_000);

  it('refuses a subscription of a department without an access right on the event type', async () => {
    const r = await room('scjg', 'POST', `/api/v1/subs/${EVENT_TYPE}`, { delivery: 'PULL' });
    expect(r.status).toBe(403);
    expect(r.error).toBe('Server.ServerProxy.AccessDenied');
    // Only the registry's own subsystem publishes in its room.
    const forged = await room('mz', 'POST', `/pub/v1/${EVENT_TYPE}`, { event: {} });
    expect(forged.status).toBe(401);
  });

  it('serves the change feed only to the registry department’s credential, without values', async () => {
    const url = `${platformUrl}/api/v1/registries/population/exchange/changes?after=0&limit=500`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { 'x-api-key': mzKey } })).status).toBe(403);
    const ok = await fetch(url, { headers: { 'x-api-key': adapterKey } });
    expect(ok.status).toBe(200);
    const page = (await ok.json()) as { items: RegistryChange[]; head: number };
    expect(page.items.length).toBeGreaterThanOrEqual(20);
    expect(page.head).toBe(page.items.at(-1)!.seq);
    const created = page.items.find((i) => i.recordKey === citizen.idNumber && i.change === 'create')!;
    expect(created.attributes).toEqual(expect.arrayContaining(['idNumber', 'name', 'householdAddress']));
    // Attribute names only: the seeded name and address appear nowhere.
    expect(JSON.stringify(page)).not.toContain(citizen.name);
    // Each page that leaves the platform is in the audit chain, with how many entries and up to where.
    const [read] = await p.audit.search({ action: 'registry.exchange.changes.read', limit: 1 });
    expect(read).toMatchObject({ subject: { type: 'registry', id: 'population' }, summary: { after: 0, count: page.items.length, lastSeq: page.head } });
    const bad = await fetch(`${platformUrl}/api/v1/registries/population/exchange/changes?after=-1`, { headers: { 'x-api-key': adapterKey } });
    expect(bad.status).toBe(400);
  });
});
