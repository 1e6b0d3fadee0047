/**
 * Publish/subscribe across real node processes (run with tsx): a center (the platform, in the
 * test), a provider node whose local system publishes, a consumer node that subscribes for its
 * backend (push) or its local system (pull), and a third node without an access right. The
 * crash test kills the provider node and then the consumer node with SIGKILL during a stream of
 * 10,000 events and restarts them. Unsubscribing, the retention of acknowledged events (the
 * provider keeps them RETAIN_MS here, a NATS stream a day) and of taken events in the consumer's inbox (RETAIN_MS). On SQLite and PostgreSQL (node databases), and with the
 * provider's events in NATS JetStream when ZT_TEST_NATS_URL is set (CI starts nats-server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { connect, nanos } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.js';
import { getSuite, readKeyFile } from '../src/core/crypto/index.js';
import { openDatabase, type Database } from '../src/core/db/database.js';
import { initNode, MessageLog, nodeFiles, type GlobalConf, type SignedGlobalConf, type XRoadErrorType } from '../src/exchange/index.js';
import { createNodeCaller, createSignedCall } from '../src/exchange/node/signed-call.js';
import { BatchSigner } from '../src/exchange/protocol/batch-signature.js';
import { H } from '../src/exchange/protocol/messages.js';
import { makeUscc } from '../src/standards/index.js';
import { createTestDatabase, createTestPlatform, DIALECTS, seedBasics, staffBrowser, type Browser, type TestDatabase, type TestPlatform } from './helpers.js';
import { freePort } from './exchange-fixture.js';

const CLI = ['--import', 'tsx', path.resolve('src/cli/main.ts')];
const PURPOSE = '出生登记信息共享';
const NATS_URL = process.env.ZT_TEST_NATS_URL ?? '';
const STREAM = 10_000;
/** The provider's pubsub.retainDays in the database variants, in milliseconds: acknowledged events go soon. */
const RETAIN_MS = 2000;

const BIRTH_SCHEMA = {
  type: 'object',
  properties: {
    dateTime: { type: 'string' },
    gender: { type: 'string', enum: ['M', 'F'] },
    mother: { type: 'string' },
    place: { type: 'string' },
  },
  required: ['dateTime', 'gender', 'mother', 'place'],
};
const TICK_SCHEMA = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };

interface Variant {
  name: string;
  dialect: (typeof DIALECTS)[number];
  nats: boolean;
}
const VARIANTS: Variant[] = [
  ...DIALECTS.map((dialect) => ({ name: `${dialect}, events in the database`, dialect, nats: false })),
  ...(NATS_URL ? [{ name: `${DIALECTS[0]!}, events in NATS JetStream`, dialect: DIALECTS[0]!, nats: true }] : []),
];
if (!NATS_URL) console.warn('exchange-pubsub: ZT_TEST_NATS_URL is not set, so the NATS JetStream variant is skipped (.ci/run starts nats-server and sets it)');

interface Received {
  id: string;
  sequence: number;
  client: string;
  body: Record<string, unknown>;
}

describe.each(VARIANTS)('exchange publish/subscribe between node processes ($name)', ({ dialect, nats }) => {
  let p: TestPlatform;
  let sys: Browser;
  let centerUrl = '';
  let backend: http.Server;
  let backendUrl = '';
  const received: Record<string, Received[]> = { birth: [], tick: [], move: [] };
  const attempts: Record<string, number[]> = {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-pubsub-'));
  const nodeDbs: TestDatabase[] = [];
  const PROVIDER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00410001')}`;
  const CONSUMER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00410002')}`;
  const OTHER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00410003')}`;
  const ROOM = `${PROVIDER}/civil`;
  type Name = 'provider' | 'consumer' | 'other';
  const nodes = {} as Record<
    Name,
    {
      id: string;
      config: string;
      dbUrl: string;
      clientUrl: string;
      key: string;
      keys: Record<string, string>;
      client: string;
      child?: ChildProcess;
      out: string;
    }
  >;

  async function startNodeProcess(name: Name): Promise<void> {
    const n = nodes[name];
    const child = spawn(process.execPath, [...CLI, 'node', '--config', n.config], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    n.child = child;
    n.out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} node did not start: ${n.out}`)), 150_000);
      child.stdout!.on('data', (d: Buffer) => {
        n.out = (n.out + d.toString()).slice(-20_000);
        if (/client side: http:\/\//.test(n.out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.on('data', (d: Buffer) => (n.out = (n.out + d.toString()).slice(-20_000)));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} node exited (${code ?? signal}): ${n.out}`));
      });
    });
  }

  async function kill9(name: Name): Promise<void> {
    const child = nodes[name].child!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  const request = async (name: Name, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) => {
    const n = nodes[name];
    const r = await fetch(`${n.clientUrl}/r1/${ROOM}${route}`, {
      method,
      headers: {
        [H.client]: n.client,
        'x-api-key': n.key,
        [H.purpose]: encodeURIComponent(PURPOSE),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, error: r.headers.get(H.error), json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  const publish = (type: string, event: unknown, id?: string) => request('provider', 'POST', `/pub/v1/${type}`, { event }, id ? { [H.id]: id } : {});

  async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Reads a running node's database (its message log, its pub/sub tables). */
  async function withNodeDb<T>(name: Name, f: (database: Database, log: MessageLog) => Promise<T>): Promise<T> {
    const database = await openDatabase(nodes[name].dbUrl);
    try {
      return await f(database, new MessageLog(database.db, getSuite(name === 'provider' ? 'sm2' : 'ed25519'), path.join(dir, name, 'bodies')));
    } finally {
      await database.close();
    }
  }
  const count = async (database: Database, query: ReturnType<typeof sql<{ n: number }>>) => Number((await query.execute(database.db)).rows[0]?.n ?? 0);

  /** Sends a signed message to the server side of node `to` (the provider's) as node `name` would (its keys and certificate). */
  async function signedAs(name: Name, method: string, route: string, client: string, body: unknown, to: Name = 'provider') {
    const files = nodeFiles(path.join(dir, name));
    const { suite, keyPair } = await readKeyFile(files.signingKey);
    const signed = (await (await fetch(`${centerUrl}/api/v1/exchange/globalconf`)).json()) as SignedGlobalConf;
    const provider = (JSON.parse(signed.conf) as GlobalConf).nodes.find((n) => n.id === nodes[to].id)!;
    const [key, cert, ca] = [files.tlsKey, files.tlsCert, files.trustRoot].map((f) => fs.readFileSync(f, 'utf8'));
    const agent = new https.Agent({ key, cert, ca: [ca!] });
    const signer = new BatchSigner(suite, keyPair.privateKey);
    try {
      const call = createSignedCall({
        self: nodes[name].id,
        suite,
        clock: systemClock,
        messageLog: { append: async () => ({}) as never },
        sign: (data) => signer.sign(data),
        verifyBy: () => true,
        callNode: createNodeCaller(agent, { max: 1024 * 1024 }),
      });
      const service = `${ROOM}/${route.split('/').pop()!}`;
      const r = await call(
        provider,
        {
          method,
          path: `/r1/${ROOM}${route}`,
          messageId: randomUUID(),
          client,
          service,
          userId: '',
          issue: '',
          purpose: PURPOSE,
          contentType: 'application/json',
        },
        Buffer.from(JSON.stringify(body)),
      );
      return { status: r.response.status, error: r.response.error, json: JSON.parse(r.body.bytes().toString('utf8')) as unknown };
    } finally {
      agent.destroy();
    }
  }

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    p.clock.set(new Date());
    await seedBasics(p);
    sys = (await staffBrowser(p, 'sysadmin')).browser;
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    centerUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    backend = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const list = received[req.url!.slice(1)];
        if (!list) return void res.writeHead(404).end();
        // The backend is down for the first three attempts of an event with id flaky-*.
        const id = String(req.headers['x-zt-event-id']);
        if (id.startsWith('flaky-')) {
          const tries = (attempts[id] ??= []);
          tries.push(Date.now());
          if (tries.length <= 3) return void res.writeHead(503).end();
        }
        list.push({
          id: String(req.headers['x-zt-event-id']),
          sequence: Number(req.headers['x-zt-event-sequence']),
          client: String(req.headers[H.client]),
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

    for (const [id, name] of [
      [PROVIDER, '测试市卫生健康委员会'],
      [CONSUMER, '测试市公安局'],
      [OTHER, '测试市文化旅游局'],
    ] as const) {
      expect((await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: id.split('/')[2], name })).statusCode).toBe(201);
    }
    const fingerprint = (await p.app.inject({ url: '/api/v1/exchange/center' })).json().fingerprint as string;
    for (const [name, member, subsystem] of [
      ['provider', PROVIDER, 'civil'],
      ['consumer', CONSUMER, 'hukou'],
      ['other', OTHER, 'tourism'],
    ] as const) {
      const [clientPort, serverPort] = [await freePort(), await freePort()];
      const init = await initNode({
        centerUrl,
        memberId: member,
        // The consumer node acts for a second subsystem, which must not touch the first one's subscriptions.
        subsystems: name === 'consumer' ? [subsystem, 'police'] : [subsystem],
        dir: path.join(dir, name),
        suite: name === 'provider' ? 'sm2' : 'ed25519',
        host: '127.0.0.1',
        clientPort,
        serverPort,
        centerFingerprint: fingerprint,
      });
      expect((await sys.request('POST', `/api/v1/exchange/registrations/${init.nodeId}/approve`)).statusCode).toBe(200);
      const raw = JSON.parse(fs.readFileSync(init.configFile, 'utf8')) as Record<string, unknown>;
      if (dialect === 'postgres') {
        const db = await createTestDatabase('postgres');
        nodeDbs.push(db);
        raw.dbUrl = db.url;
      }
      raw.logLevel = 'error';
      raw.pubsub = {
        retryInitialMs: 50,
        retryMaxMs: 1000,
        ...(name === 'provider' ? (nats ? { store: NATS_URL, retainDays: 1 } : { retainDays: RETAIN_MS / 86_400_000, retentionIntervalMs: 500 }) : {}),
        // The consumer's inbox keeps the events its backend or local system took RETAIN_MS too.
        ...(name === 'consumer' ? { retainDays: RETAIN_MS / 86_400_000, retentionIntervalMs: 500 } : {}),
      };
      if (name === 'provider')
        raw.events = {
          civil: {
            birth: { schema: BIRTH_SCHEMA },
            tick: { schema: TICK_SCHEMA },
            death: { schema: { type: 'object' } },
            move: { schema: { type: 'object' } },
          },
        };
      fs.writeFileSync(init.configFile, JSON.stringify(raw, null, 2));
      nodes[name] = {
        id: init.nodeId,
        config: init.configFile,
        dbUrl: dialect === 'postgres' ? String(raw.dbUrl) : path.resolve(dir, name, String(raw.dbUrl ?? 'node.db')),
        clientUrl: `http://127.0.0.1:${clientPort}`,
        key: init.apiKeys[subsystem]!,
        keys: init.apiKeys,
        client: `${member}/${subsystem}`,
        out: '',
      };
    }
    // Event types are services of the publishing subsystem; the consumer holds rights on them, the other node none.
    for (const code of ['birth', 'tick', 'death', 'move']) {
      expect((await sys.request('POST', '/api/v1/exchange/services', { subsystemId: ROOM, code, title: `事件 ${code}` })).statusCode).toBe(201);
      const grant = await sys.request('POST', '/api/v1/exchange/access-rights', {
        consumer: `${CONSUMER}/hukou`,
        service: `${ROOM}/${code}`,
        endpoints: [],
        fields: null,
        purpose: PURPOSE,
        validFrom: new Date(Date.now() - 3600_000).toISOString(),
        validUntil: null,
      });
      expect(grant.statusCode).toBe(201);
    }
    await Promise.all((['provider', 'consumer', 'other'] as const).map((n) => startNodeProcess(n)));
  }, 300_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) {
      if (n.child && n.child.exitCode === null && n.child.signalCode === null) {
        const exited = new Promise((r) => n.child!.once('exit', r));
        n.child.kill('SIGTERM');
        await exited;
      }
    }
    backend?.close();
    await p?.destroy();
    for (const db of nodeDbs) await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('pushes a published event to the subscribed backend once, with its id, sequence and publisher', async () => {
    const sub = await request('consumer', 'POST', '/api/v1/subs/birth', { delivery: 'PUSH', pushUrl: `${backendUrl}/birth` });
    expect(sub.status, JSON.stringify(sub.json)).toBe(201);
    expect(sub.json).toMatchObject({ eventType: 'birth', delivery: 'PUSH' });
    // Subscribing again is harmless: the same subscription.
    const again = await request('consumer', 'POST', '/api/v1/subs/birth', { delivery: 'PUSH', pushUrl: `${backendUrl}/birth` });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(sub.json.id);
    const list = await request('consumer', 'GET', '/api/v1/subs');
    expect(list.json).toEqual([expect.objectContaining({ id: sub.json.id, eventType: 'birth' })]);

    const event = { dateTime: '2026-12-04T08:00:00+08:00', gender: 'F', mother: '王芳', place: '福州市妇幼保健院' };
    const pub = await publish('birth', event);
    expect(pub.status, JSON.stringify(pub.json)).toBe(201);
    const id = pub.json.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await until('the pushed event', () => received.birth!.length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(received.birth).toHaveLength(1);
    expect(received.birth![0]).toMatchObject({ id, client: ROOM });
    expect(received.birth![0]!.body).toMatchObject({
      id,
      eventType: 'birth',
      event,
      publisherId: { instanceId: 'CN-DEMO', memberClass: 'GOV', memberCode: PROVIDER.split('/')[2], applicationCode: 'civil' },
    });
    // Publishing again with the same X-Road-Id stores nothing new and pushes nothing new.
    const first = await publish('birth', event, 'birth-once-1');
    const repeat = await publish('birth', event, 'birth-once-1');
    expect([first.status, repeat.status]).toEqual([201, 200]);
    expect(repeat.json).toMatchObject({ id: 'birth-once-1', duplicate: true, sequence: first.json.sequence });
    await until('the second event', () => received.birth!.length >= 2);
    await new Promise((r) => setTimeout(r, 1000));
    expect(received.birth!.map((r) => r.id)).toEqual([id, 'birth-once-1']);
  });

  it('retries a push the backend refuses with growing pauses, and keeps the events behind it in order', async () => {
    const event = { dateTime: '2026-12-04T09:00:00+08:00', gender: 'M', mother: '李娜', place: '福州市第一医院' };
    const before = received.birth!.length;
    expect((await publish('birth', event, 'flaky-1')).status).toBe(201);
    expect((await publish('birth', event, 'after-flaky-1')).status).toBe(201);
    await until('the retried event and the one after it', () => received.birth!.length >= before + 2, 30_000);
    expect(received.birth!.slice(before).map((r) => r.id)).toEqual(['flaky-1', 'after-flaky-1']);
    const tries = attempts['flaky-1']!;
    expect(tries).toHaveLength(4);
    const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
    // retryInitialMs 50: about 50, 100, 200 ms apart.
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);
  });

  it('refuses an event that does not match its schema or type, naming the field', async () => {
    const bad = await publish('birth', { dateTime: '2026-12-04', gender: 'X', mother: '王芳' });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ type: 'Client.InvalidRequest' satisfies XRoadErrorType });
    expect(String(bad.json.detail)).toContain('event.place');
    expect(String(bad.json.detail)).toContain('event.gender');
    expect(String(bad.json.message)).toMatch(/[\u4e00-\u9fff]/);
    const unknown = await publish('marriage', {});
    expect(unknown).toMatchObject({ status: 404, error: 'Server.ServerProxy.UnknownService' });
    // Only the room's own subsystem publishes in it, with its API key.
    const wrongKey = await request('provider', 'POST', '/pub/v1/birth', { event: {} }, { 'x-api-key': 'not-the-key' });
    expect(wrongKey).toMatchObject({ status: 401, error: 'Client.Unauthorized' });
    const noPushUrl = await request('consumer', 'POST', '/api/v1/subs/death', { delivery: 'PUSH' });
    expect(noPushUrl.status).toBe(400);
    expect(String(noPushUrl.json.detail)).toContain('pushUrl');
  });

  it('refuses a subscription without an access right with a typed error, logged on both nodes', async () => {
    const r = await request('other', 'POST', '/api/v1/subs/birth', { delivery: 'PUSH', pushUrl: `${backendUrl}/birth` });
    expect(r.status).toBe(403);
    expect(r.error).toBe('Server.ServerProxy.AccessDenied');
    expect(r.json).toMatchObject({ type: 'Server.ServerProxy.AccessDenied', detail: 'no access right for this consumer and service' });
    expect((await request('other', 'GET', '/api/v1/subs')).json).toEqual([]);
    // The consumer's own purpose must be the granted one.
    const wrongPurpose = await request('consumer', 'POST', '/api/v1/subs/death', { delivery: 'PULL' }, { [H.purpose]: encodeURIComponent('其他用途') });
    expect(wrongPurpose).toMatchObject({ status: 403, error: 'Server.ServerProxy.AccessDenied' });
  });

  it('delivers by pull: next unacknowledged event, acknowledged one at a time, in order', async () => {
    const sub = await request('consumer', 'POST', '/api/v1/subs/death', { delivery: 'PULL' });
    expect(sub.status, JSON.stringify(sub.json)).toBe(201);
    expect((await request('consumer', 'GET', '/pull/v1/death')).status).toBe(404);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await publish('death', { n: i })).json.id as string);
    await until('the pulled event', async () => (await request('consumer', 'GET', '/pull/v1/death')).status === 200);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      let next = await request('consumer', 'GET', '/pull/v1/death');
      // The later events may still be on their way from the provider node.
      for (let t = 0; next.status === 404 && t < 100; t++) {
        await new Promise((r) => setTimeout(r, 50));
        next = await request('consumer', 'GET', '/pull/v1/death');
      }
      expect(next.status).toBe(200);
      expect(next.json).toMatchObject({ eventType: 'death', event: { n: i } });
      // Pulled again before acknowledging: the same event.
      expect((await request('consumer', 'GET', '/pull/v1/death')).json.id).toBe(next.json.id);
      if (i === 0) {
        // Acknowledging a later event first is refused, once it has arrived.
        let early = await request('consumer', 'DELETE', `/pull/v1/death/${ids[2]!}`);
        for (let t = 0; early.status === 404 && t < 100; t++) {
          await new Promise((r) => setTimeout(r, 50));
          early = await request('consumer', 'DELETE', `/pull/v1/death/${ids[2]!}`);
        }
        expect(early.status).toBe(409);
        expect(early.json).toMatchObject({ type: 'NotNextEvent' });
      }
      expect((await request('consumer', 'DELETE', `/pull/v1/death/${String(next.json.id)}`)).status).toBe(204);
      got.push(String(next.json.id));
    }
    expect(got).toEqual(ids);
    expect((await request('consumer', 'GET', '/pull/v1/death')).status).toBe(404);
    // A local system without a subscription has nothing to pull.
    expect((await request('other', 'GET', '/pull/v1/death')).status).toBe(404);
  });

  it('unsubscribes: the provider node is told (signed, logged on both nodes) and delivers and keeps nothing more for it; unknown or foreign subscriptions are refused', async () => {
    const sub = await request('consumer', 'POST', '/api/v1/subs/move', { delivery: 'PUSH', pushUrl: `${backendUrl}/move` });
    expect(sub.status, JSON.stringify(sub.json)).toBe(201);
    const id = String(sub.json.id);
    expect((await publish('move', { n: 1 })).status).toBe(201);
    await until('the first move event', () => received.move!.length >= 1);

    // Another subsystem of the same node may not cancel it; an unknown subscription is a typed 404.
    const police = { [H.client]: `${CONSUMER}/police`, 'x-api-key': nodes.consumer.keys.police! };
    const foreign = await request('consumer', 'DELETE', `/api/v1/subs/move?id=${id}`, undefined, police);
    expect(foreign).toMatchObject({ status: 403, json: { type: 'ForeignSubscription' } });
    expect(String(foreign.json.message)).toMatch(/[\u4e00-\u9fff]/);
    expect(foreign.json.messageEn).toBeTruthy();
    for (const [name, route, headers] of [
      ['consumer', '/api/v1/subs/move?id=no-such-subscription', {}],
      ['consumer', '/api/v1/subs/move', police],
      ['other', '/api/v1/subs/move', {}],
    ] as const) {
      const unknown = await request(name, 'DELETE', route, undefined, headers);
      expect(unknown, route).toMatchObject({ status: 404, json: { type: 'UnknownSubscription', message: '没有该订阅', messageEn: 'No such subscription' } });
    }
    // The provider node refuses a signed cancellation of the subscription from a node acting for another consumer.
    const refused = await signedAs('other', 'DELETE', '/api/v1/subs/move', `${OTHER}/tourism`, { id });
    expect(refused).toMatchObject({ status: 403, error: 'Server.ServerProxy.AccessDenied' satisfies XRoadErrorType });
    expect((await signedAs('other', 'DELETE', '/api/v1/subs/move', `${OTHER}/tourism`, { id: 'no-such-subscription' })).status).toBe(404);

    // The subscriber cancels it: nothing more is pushed, and it is gone on both nodes.
    const del = await request('consumer', 'DELETE', '/api/v1/subs/move');
    expect(del.status, JSON.stringify(del.json)).toBe(204);
    expect((await request('consumer', 'GET', '/api/v1/subs/move')).status).toBe(404);
    expect(((await request('consumer', 'GET', '/api/v1/subs')).json as unknown as { id: string }[]).map((s) => s.id)).not.toContain(id);
    expect((await request('consumer', 'DELETE', '/api/v1/subs/move')).status).toBe(404);
    expect((await publish('move', { n: 2 })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1500));
    expect(received.move!.map((r) => r.body.event)).toEqual([{ n: 1 }]);

    const cancellation = (log: MessageLog) =>
      log
        .recent(100_000)
        .then((rs) => rs.filter((r) => r.method === 'DELETE' && r.path === `/r1/${ROOM}/api/v1/subs/move`).map((r) => [r.role, r.response_status]));
    await withNodeDb('provider', async (database, log) => {
      expect(await count(database, sql<{ n: number }>`select count(*) as n from pubsub_subscriptions where id = ${id}`)).toBe(0);
      expect(await cancellation(log)).toEqual(
        expect.arrayContaining([
          ['provider', 200],
          ['provider', 403],
        ]),
      );
    });
    await withNodeDb('consumer', async (database, log) => {
      expect(await count(database, sql<{ n: number }>`select count(*) as n from pubsub_inbox where subscription_id = ${id}`)).toBe(0);
      expect(await cancellation(log)).toEqual([['consumer', 200]]);
    });
    // Subscribing again starts afresh, with the events published from then on.
    const again = await request('consumer', 'POST', '/api/v1/subs/move', { delivery: 'PUSH', pushUrl: `${backendUrl}/move` });
    expect(again.status).toBe(201);
    expect(again.json.id).not.toBe(id);
    expect((await publish('move', { n: 3 })).status).toBe(201);
    await until('the move event after subscribing again', () => received.move!.length >= 2);
    expect(received.move!.map((r) => r.body.event)).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it.skipIf(nats)('deletes the events every subscriber acknowledged once older than pubsub.retainDays, and keeps the unacknowledged ones', async () => {
    const stored = (database: Database, type: string) =>
      count(database, sql<{ n: number }>`select count(*) as n from pubsub_events where service = ${`${ROOM}/${type}`}`);
    // The birth events of the first tests were acknowledged long ago: gone (but for the newest event of all, which keeps the numbering).
    await until('the acknowledged birth events deleted', () => withNodeDb('provider', async (database) => (await stored(database, 'birth')) === 0), 20_000);

    // While the consumer node is down, its events are not acknowledged and stay, however old.
    const child = nodes.consumer.child!;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await publish('death', { kept: i })).json.id as string);
    await new Promise((r) => setTimeout(r, RETAIN_MS + 1500));
    await withNodeDb('provider', async (database) => {
      const rows = (await sql<{ event_id: string }>`select event_id from pubsub_events where service = ${`${ROOM}/death`} order by seq`.execute(database.db))
        .rows;
      expect(rows.map((r) => r.event_id)).toEqual(ids);
    });
    const status = (await (await fetch(`${nodes.provider.clientUrl}/status`, { headers: { 'x-api-key': nodes.provider.key } })).json()) as {
      pubsub: { retention: { deleted: number; kept: number; lastRunAt: string } };
    };
    expect(status.pubsub.retention.deleted).toBeGreaterThan(0);
    expect(status.pubsub.retention.kept).toBeGreaterThanOrEqual(3);

    // Once delivered (and so acknowledged), they go too; the local system still pulls them from its node.
    await startNodeProcess('consumer');
    await until(
      'the unacknowledged death events delivered and deleted',
      () => withNodeDb('provider', async (database) => (await stored(database, 'death')) <= 1),
      30_000,
    );
    let next = await request('consumer', 'GET', '/pull/v1/death');
    for (let t = 0; next.status === 404 && t < 100; t++) {
      await new Promise((r) => setTimeout(r, 50));
      next = await request('consumer', 'GET', '/pull/v1/death');
    }
    expect(next.json).toMatchObject({ id: ids[0], event: { kept: 0 } });
    for (const id of ids) {
      let ack = await request('consumer', 'DELETE', `/pull/v1/death/${id}`);
      for (let t = 0; ack.status === 404 && t < 100; t++) {
        await new Promise((r) => setTimeout(r, 50));
        ack = await request('consumer', 'DELETE', `/pull/v1/death/${id}`);
      }
      expect(ack.status).toBe(204);
    }
  });

  it('deletes the events its backend took from the consumer inbox once older than pubsub.retainDays; a repeat of a deleted event is still not pushed twice', async () => {
    const sub = ((await request('consumer', 'GET', '/api/v1/subs')).json as unknown as { id: string; eventType: string }[]).find(
      (x) => x.eventType === 'birth',
    )!;
    const inbox = () =>
      withNodeDb('consumer', async (database) =>
        (await sql<{ event_id: string }>`select event_id from pubsub_inbox where subscription_id = ${sub.id} order by seq`.execute(database.db)).rows.map(
          (r) => r.event_id,
        ),
      );
    const before = received.birth!.length;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await publish('birth', { dateTime: '2026-12-05T08:00:00+08:00', gender: 'M', mother: `母亲${i}`, place: '福州市' })).json.id as string);
    await until('the three events pushed', () => received.birth!.length >= before + 3);
    expect(received.birth!.slice(before).map((r) => r.id)).toEqual(ids);

    // Once RETAIN_MS old, the taken events leave the inbox, but for the last one taken (the floor of the deduplication).
    await until('the taken events deleted from the inbox', async () => (await inbox()).length === 1, 20_000);
    expect(await inbox()).toEqual([ids[2]]);

    // The provider node delivers the oldest of them again (as after a lost acknowledgement): received, not added, not pushed.
    const old = received.birth!.find((r) => r.id === ids[0])!;
    const again = await signedAs('provider', 'POST', '/push/v1/birth', ROOM, { subscriptionId: sub.id, events: [old.body] }, 'consumer');
    expect(again).toMatchObject({ status: 200, json: { received: 1, added: 0 } });
    // A new event after it still comes through, once.
    const newer = (await publish('birth', { dateTime: '2026-12-05T09:00:00+08:00', gender: 'F', mother: '母亲3', place: '福州市' })).json.id as string;
    await until('the newer event pushed', () => received.birth!.some((r) => r.id === newer));
    await new Promise((r) => setTimeout(r, 1000));
    expect(received.birth!.slice(before).map((r) => r.id)).toEqual([...ids, newer]);
  });

  it.runIf(nats)('gives the NATS stream the retention as its age limit', async () => {
    const nc = await connect({ servers: NATS_URL });
    try {
      const stream = `ZT_EVENTS_${createHash('sha256').update(nodes.provider.id).digest('hex').slice(0, 16)}`;
      const info = await (await nc.jetstreamManager()).streams.info(stream);
      expect(info.config.max_age).toBe(nanos(86_400_000));
    } finally {
      await nc.close();
    }
  });

  it(`delivers a stream of ${STREAM} events exactly once and in order while the provider node and then the consumer node are killed with SIGKILL`, async () => {
    const sub = await request('consumer', 'POST', '/api/v1/subs/tick', { delivery: 'PUSH', pushUrl: `${backendUrl}/tick` });
    expect(sub.status, JSON.stringify(sub.json)).toBe(201);
    const t0 = Date.now();
    let next = 0;
    let published = 0;
    let failedAttempts = 0;
    // 16 local publishers; a publish that fails (node down) is repeated with the same X-Road-Id until stored.
    const worker = async () => {
      for (let i = next++; i < STREAM; i = next++) {
        for (;;) {
          try {
            const r = await publish('tick', { n: i }, `tick-${i}`);
            if (r.status === 201 || r.status === 200) break;
          } catch {
            // connection refused while the node is down
          }
          failedAttempts++;
          await new Promise((r) => setTimeout(r, 50));
        }
        published++;
      }
    };
    const publishing = Promise.all(Array.from({ length: 16 }, worker));
    await until('3000 published', () => published >= 3000);
    await kill9('provider');
    const atProviderKill = { published, received: received.tick!.length };
    await startNodeProcess('provider');
    await until('6000 published', () => published >= 6000, 120_000);
    await until('events arriving after the provider restart', () => received.tick!.length > atProviderKill.received + 500, 120_000);
    await kill9('consumer');
    const atConsumerKill = { published, received: received.tick!.length };
    await startNodeProcess('consumer');
    await publishing;
    const publishedMs = Date.now() - t0;
    await until(`${STREAM} events at the backend`, () => new Set(received.tick!.map((r) => r.id)).size >= STREAM, 240_000);
    const totalMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 1000));

    // Both kills happened in the middle of the stream.
    expect(atProviderKill.received).toBeLessThan(STREAM);
    expect(atConsumerKill.received).toBeLessThan(STREAM);
    expect(atConsumerKill.published).toBeLessThanOrEqual(STREAM);
    const ticks = received.tick!;
    const firsts: Received[] = [];
    const seen = new Set<string>();
    for (const r of ticks) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      firsts.push(r);
    }
    expect(firsts).toHaveLength(STREAM);
    expect([...seen].sort()).toEqual(Array.from({ length: STREAM }, (_, i) => `tick-${i}`).sort());
    // In the provider's order: sequence numbers only grow.
    const outOfOrder = firsts.filter((r, i) => i > 0 && r.sequence <= firsts[i - 1]!.sequence);
    expect(outOfOrder).toEqual([]);
    expect(firsts.every((r) => (r.body.event as { n: number }).n === Number(r.id.slice(5)))).toBe(true);
    // Exactly once: a repeat is possible only for the one push in flight when the consumer node
    // died (its backend answered, the node had not yet recorded it): the node cannot know.
    const repeats = ticks.length - firsts.length;
    expect(repeats).toBeLessThanOrEqual(1);
    console.info(
      `pub/sub crash test (${dialect}${nats ? ', NATS' : ''}): ${STREAM} events published in ${publishedMs} ms, all at the backend after ${totalMs} ms; ` +
        `${failedAttempts} publish attempts failed while the provider node was down; ${repeats} repeated push(es) after the consumer node was killed`,
    );

    // Stop both nodes and check their logs: the deliveries are in the hash-chained message logs.
    for (const name of ['provider', 'consumer'] as const) {
      const child = nodes[name].child!;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      const database = await openDatabase(nodes[name].dbUrl);
      try {
        const log = new MessageLog(database.db, getSuite(name === 'provider' ? 'sm2' : 'ed25519'), path.join(dir, name, 'bodies'));
        expect(await log.verifyChain()).toMatchObject({ ok: true });
        const deliveries = (await log.recent(100_000)).filter((r) => r.path.includes('/push/v1/tick') && r.outcome === 'ok');
        expect(deliveries.length).toBeGreaterThan(0);
        expect(deliveries.every((r) => r.role === (name === 'provider' ? 'consumer' : 'provider'))).toBe(true);
      } finally {
        await database.close();
      }
    }
  }, 600_000);
});
