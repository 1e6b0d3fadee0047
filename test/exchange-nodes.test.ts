/**
 * The exchange end to end on loopback: a center (the platform, on a real port behind a TCP relay
 * the test can cut) and three department nodes on real sockets, mutual TLS with center-issued
 * certificates, real signatures, a real backend. Tampering is done by a test client holding a
 * registered node's keys, talking to the provider node's server side directly.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNodeCommand } from '../src/cli/node.command.js';
import { manualClock } from '../src/core/clock.js';
import { readKeyFile } from '../src/core/crypto/index.js';
import {
  exportEvidence,
  loadNodeConfig,
  nodeFiles,
  parseNodeConfig,
  startNode,
  verifyArchive,
  verifyEvidence,
  type ExchangeNode,
} from '../src/exchange/index.js';
import { canonicalRequest, H, type RequestEnvelope } from '../src/exchange/protocol/messages.js';
import { makeUscc } from '../src/standards/index.js';
import { DIALECTS, type Browser, type TestPlatform } from './helpers.js';
import { NodeLeftovers, prepareNode, registerMembers, startTestCenter } from './exchange-fixture.js';
import { govstackSpec } from './govstack-spec.js';

const PURPOSE = '营业执照办理核验户籍';
const OPENAPI = {
  openapi: '3.0.3',
  info: { title: '户籍人口', version: '1.0' },
  paths: {
    '/persons/{id}': { get: { responses: { '200': { description: '人口信息' } } } },
    '/persons': { post: { responses: { '201': { description: '已登记' } } } },
  },
};
const PERSON = { id: '1', name: '张三', idNumber: '350102199001011234', address: { city: '福州市', street: '三坊七巷 1 号' }, phone: '13800000000' };

/** Runs `zhengtong node …` in this process; returns the exit code and what it printed. */
async function nodeCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const sink = (k: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        out[k] += chunk.toString();
        cb();
      },
    });
  const program = new Command('zhengtong').exitOverride();
  registerNodeCommand(program, { stdout: sink('stdout'), stderr: sink('stderr'), stderrIsTTY: false });
  process.exitCode = undefined;
  await program.parseAsync(['node', ...args], { from: 'user' });
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, ...out };
}

describe.each(DIALECTS)('exchange nodes end to end (%s)', (dialect) => {
  let p: TestPlatform;
  let sys: Browser;
  let centerUrl = '';
  let relay: net.Server;
  const relaySockets = new Set<net.Socket>();
  let backend: http.Server;
  let backendUrl = '';
  const leftovers = new NodeLeftovers();
  const nodes: Record<'police' | 'market' | 'civil', ExchangeNode> = {} as never;
  const prepared: Record<'police' | 'market' | 'civil', { dir: string; raw: Record<string, unknown> }> = {} as never;
  const keys: Record<string, string> = {};
  const clock = manualClock(new Date());
  const POLICE = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00310001')}`;
  const MARKET = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00310002')}`;
  const CIVIL = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00310003')}`;
  const SERVICE = `${POLICE}/hukou/persons`;
  let rightId = '';

  const call = (
    node: ExchangeNode,
    client: string,
    pathAndQuery: string,
    opts: { key?: string; purpose?: string; method?: string; id?: string; body?: string } = {},
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> =>
    fetch(`${node.clientUrl}/r1/${SERVICE}${pathAndQuery}`, {
      method: opts.method ?? 'GET',
      headers: {
        [H.client]: client,
        'x-api-key': opts.key ?? keys[client]!,
        [H.purpose]: encodeURIComponent(opts.purpose ?? PURPOSE),
        [H.userId]: 'CN350102199001011234',
        [H.issue]: 'case-2026-0001',
        ...(opts.id ? { [H.id]: opts.id } : {}),
        ...(opts.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(opts.body ? { body: opts.body } : {}),
    }).then(async (r) => ({ status: r.status, headers: r.headers, json: (await r.json()) as Record<string, unknown> }));

  beforeAll(async () => {
    const center = await startTestCenter(dialect);
    ({ p, sys } = center);
    const centerPort = Number(new URL(center.url).port);
    relay = net.createServer((s) => {
      const upstream = net.connect(centerPort, '127.0.0.1');
      relaySockets.add(s).add(upstream);
      s.pipe(upstream).pipe(s);
      const drop = () => {
        s.destroy();
        upstream.destroy();
      };
      s.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    centerUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;

    backend = http.createServer((req, res) => {
      if (req.url === '/persons/1') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(PERSON));
      else if (req.url === '/persons/slow') setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 5000);
      else if (req.url === '/persons/text') res.writeHead(200, { 'content-type': 'text/plain' }).end(PERSON.idNumber);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

    await registerMembers(sys, [
      [POLICE, '测试市公安局'],
      [MARKET, '测试市市场监督管理局'],
      [CIVIL, '测试市民政局'],
    ]);
    const specs = [
      { key: 'police', member: POLICE, subsystem: 'hukou', suite: 'sm2', services: { persons: { backend: backendUrl, timeoutMs: 2000 } } },
      { key: 'market', member: MARKET, subsystem: 'license', suite: 'ed25519' },
      { key: 'civil', member: CIVIL, subsystem: 'welfare', suite: 'ed25519' },
    ] as const;
    for (const s of specs) {
      const node = await prepareNode({ ...center, url: centerUrl }, leftovers, {
        name: s.key,
        memberId: s.member,
        subsystems: [s.subsystem],
        suite: s.suite,
        dialect,
        approve: false,
        ...('services' in s ? { services: s.services } : {}),
      });
      keys[`${s.member}/${s.subsystem}`] = node.apiKeys[s.subsystem]!;
      await expect(startNode(loadNodeConfig(node.configFile))).rejects.toMatchObject({ code: 'EXCHANGE_NODE_NOT_APPROVED' });
      await node.approve();
      nodes[s.key] = await startNode(parseNodeConfig(node.raw, node.dir), { clock });
      prepared[s.key] = node;
    }
    expect(
      (await sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${POLICE}/hukou`, code: 'persons', title: '户籍人口', openapi: OPENAPI }))
        .statusCode,
    ).toBe(201);
    const grant = await sys.request('POST', '/api/v1/exchange/access-rights', {
      consumer: `${MARKET}/license`,
      service: SERVICE,
      endpoints: [{ method: 'GET', path: '/persons/*' }],
      fields: ['id', 'name', 'address.city'],
      purpose: PURPOSE,
      validFrom: new Date(Date.now() - 3600_000).toISOString(),
      validUntil: null,
    });
    expect(grant.statusCode).toBe(201);
    rightId = grant.json().id as string;
    for (const n of Object.values(nodes)) expect(await n.pollNow()).toBe('updated');
  }, 120_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n.close();
    for (const s of relaySockets) s.destroy();
    relay?.close();
    backend?.close();
    await p?.destroy();
    await leftovers.cleanUp();
  });

  it('carries an allowed call across two nodes, filters the fields and logs it on both sides', async () => {
    const r = await call(nodes.market, `${MARKET}/license`, '/persons/1', { id: 'msg-allowed-1' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ id: '1', name: '张三', address: { city: '福州市' } });
    expect(r.headers.get(H.id)).toBe('msg-allowed-1');
    const requestHash = r.headers.get(H.requestHash);
    expect(requestHash).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const [consumerRec] = await nodes.market.messageLog.find('msg-allowed-1', 'consumer');
    const [providerRec] = await nodes.police.messageLog.find('msg-allowed-1', 'provider');
    for (const rec of [consumerRec!, providerRec!]) {
      expect(rec).toMatchObject({
        client: `${MARKET}/license`,
        service: SERVICE,
        purpose: PURPOSE,
        user_id: 'CN350102199001011234',
        issue: 'case-2026-0001',
        outcome: 'ok',
      });
      expect(rec.request_hash).toBe(requestHash);
    }
    expect(consumerRec!.request_signature).toBe(providerRec!.request_signature);
    expect(consumerRec!.response_signature).toBe(providerRec!.response_signature);
    // The provider kept the filtered answer, never the full record.
    const kept = await nodes.police.messageLog.readBody('provider', 'msg-allowed-1', 'response');
    expect(kept!.toString()).not.toContain(PERSON.idNumber);
    expect(await nodes.police.messageLog.verifyChain()).toMatchObject({ ok: true });
    expect(await nodes.market.messageLog.verifyChain()).toMatchObject({ ok: true });
  });

  it('refuses an X-Road-Id the local system already used, before sending anything', async () => {
    const again = await call(nodes.market, `${MARKET}/license`, '/persons/1', { id: 'msg-allowed-1' });
    expect(again.status).toBe(400);
    expect(again.json).toMatchObject({ type: 'Client.InvalidRequest' });
    expect(String(again.json.detail)).toContain('msg-allowed-1');
    expect(await nodes.police.messageLog.find('msg-allowed-1', 'provider')).toHaveLength(1);
  });

  it('signs concurrent messages in batches, each provable on its own by its evidence', async () => {
    const ids = Array.from({ length: 24 }, (_, i) => `msg-batch-${i}`);
    const answers = await Promise.all(ids.map((id) => call(nodes.market, `${MARKET}/license`, '/persons/1', { id })));
    expect(answers.map((a) => (a.status === 200 ? 200 : `${a.status} ${String(a.json.type)} ${String(a.json.detail)}`))).toEqual(ids.map(() => 200));
    for (const [node, role] of [
      [nodes.market, 'consumer'],
      [nodes.police, 'provider'],
    ] as const) {
      for (const id of ids) {
        const bundle = await exportEvidence(node.messageLog, {
          nodeId: node.config.nodeId,
          messageId: id,
          role,
          center: node.config.center,
          globalConf: node.globalConf.held()!.signed,
          now: new Date(),
        });
        const check = verifyEvidence(bundle!);
        expect(check.checks.filter((c) => !c.ok)).toEqual([]);
        expect(bundle!.bodies.response).not.toBeNull();
      }
      expect(await node.messageLog.verifyChain()).toMatchObject({ ok: true });
    }
    // A batch token altered in its path no longer proves the message.
    const [rec] = await nodes.police.messageLog.find(ids[0]!, 'provider');
    const bundle = await exportEvidence(nodes.police.messageLog, {
      nodeId: nodes.police.config.nodeId,
      messageId: ids[0]!,
      role: 'provider',
      center: nodes.police.config.center,
      globalConf: nodes.police.globalConf.held()!.signed,
      now: new Date(),
    });
    const sig = rec!.response_signature;
    const altered = sig.startsWith('zt-batch/1:')
      ? sig.replace(/:([LR])([0-9a-f])/, (_m, side: string, d: string) => `:${side}${d === '0' ? '1' : '0'}`)
      : `A${sig.slice(1)}`;
    expect(verifyEvidence({ ...bundle!, record: { ...bundle!.record, response_signature: altered } }).ok).toBe(false);
  });

  describe('metaservices (GovStack IM directory API)', () => {
    const directory = govstackSpec('GovStack_IM_Directory_Services_API.yaml');
    const R1 = '/r1/{instanceId}/{memberClass}/{memberCode}/{applicationCode}';
    const get = (node: ExchangeNode, pathAndQuery: string, headers: Record<string, string>) =>
      fetch(`${node.clientUrl}${pathAndQuery}`, { headers }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    const asMarket = { 'x-govstack-client': `${MARKET}/license`, 'x-api-key': '' };
    beforeAll(() => {
      asMarket['x-api-key'] = keys[`${MARKET}/license`]!;
    });

    it('lists the members and applications of the instance to a local system of the node', async () => {
      const r = await get(nodes.market, '/listClients', { 'x-api-key': keys[`${MARKET}/license`]! });
      expect(r.status).toBe(200);
      expect(directory.check('/listClients', 'get', 200, r.json)).toEqual([]);
      const list = r.json.member as { name: string; id: Record<string, string> }[];
      const [instanceId, memberClass, memberCode] = POLICE.split('/');
      expect(list).toContainEqual({ name: '测试市公安局', id: { objectType: 'MEMBER', instanceId, memberClass, memberCode } });
      expect(list).toContainEqual({ name: '测试市公安局', id: { objectType: 'APPLICATION', instanceId, memberClass, memberCode, applicationCode: 'hukou' } });
      expect(list.filter((c) => c.id.objectType === 'APPLICATION').map((c) => c.id.applicationCode)).toEqual(
        expect.arrayContaining(['hukou', 'license', 'welfare']),
      );
      expect((await get(nodes.market, '/listClients', { 'x-api-key': 'ztk_wrong' })).json.type).toBe('Client.Unauthorized');
      const other = await get(nodes.market, '/listClients?instanceId=CN-OTHER', { 'x-api-key': keys[`${MARKET}/license`]! });
      expect(other.status).toBe(400);
      expect(other.json.detail).toContain('instanceId');
      expect(directory.check('/listClients', 'get', 400, other.json)).toEqual([]);
    });

    it('lists the methods of a subsystem from its provider node, signed and logged on both sides', async () => {
      const r = await get(nodes.market, `/r1/${POLICE}/hukou/listMethods`, { ...asMarket, [H.id]: 'meta-list-1' });
      expect(r.status).toBe(200);
      expect(directory.check(`${R1}/listMethods`, 'get', 200, r.json)).toEqual([]);
      const [instanceId, memberClass, memberCode] = POLICE.split('/');
      expect(r.json).toEqual({
        member: [
          {
            objectType: 'SERVICE',
            serviceType: 'OPENAPI',
            instanceId,
            memberClass,
            memberCode,
            applicationCode: 'hukou',
            serviceCode: 'persons',
            title: '户籍人口',
            endpointList: {
              member: [
                { method: 'GET', path: '/persons/{id}' },
                { method: 'POST', path: '/persons' },
              ],
            },
          },
        ],
      });
      expect((await nodes.police.messageLog.find('meta-list-1', 'provider'))[0]).toMatchObject({ service: `${POLICE}/hukou/listMethods`, outcome: 'ok' });
      expect((await nodes.market.messageLog.find('meta-list-1', 'consumer'))[0]).toMatchObject({ service: `${POLICE}/hukou/listMethods`, outcome: 'ok' });
    });

    it('lists only the methods the caller is allowed, with the granted endpoints', async () => {
      const market = await get(nodes.market, `/r1/${POLICE}/hukou/allowedMethods`, asMarket);
      expect(market.status).toBe(200);
      expect(directory.check(`${R1}/allowedMethods`, 'get', 200, market.json)).toEqual([]);
      expect(market.json.member).toMatchObject([{ serviceCode: 'persons', endpointList: { member: [{ method: 'GET', path: '/persons/*' }] } }]);
      const civil = await get(nodes.civil, `/r1/${POLICE}/hukou/allowedMethods`, { [H.client]: `${CIVIL}/welfare`, 'x-api-key': keys[`${CIVIL}/welfare`]! });
      expect(civil).toEqual({ status: 200, json: { member: [] } });
    });

    it('returns the OpenAPI description of a service, and names the missing or unknown serviceCode', async () => {
      const r = await get(nodes.market, `/r1/${POLICE}/hukou/getOpenAPI?serviceCode=persons`, asMarket);
      expect(r).toEqual({ status: 200, json: OPENAPI });
      // The spec types the 200 body as `string`: the description's text itself (application/json or text/yaml), which this is.
      const missing = await get(nodes.market, `/r1/${POLICE}/hukou/getOpenAPI`, asMarket);
      expect(missing.status).toBe(400);
      expect(missing.json).toMatchObject({ type: 'Client.InvalidRequest' });
      expect(missing.json.detail).toContain('serviceCode');
      expect(directory.check(`${R1}/getOpenAPI`, 'get', 400, missing.json)).toEqual([]);
      const unknown = await get(nodes.market, `/r1/${POLICE}/hukou/getOpenAPI?serviceCode=nope`, asMarket);
      expect(unknown.status).toBe(404);
      expect(unknown.json.type).toBe('Server.ServerProxy.UnknownService');
    });
  });

  describe('operations: Prometheus metrics and node status', () => {
    const scrape = async (node: ExchangeNode, key: string) => {
      const r = await fetch(`${node.clientUrl}/metrics`, { headers: { authorization: `Bearer ${key}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      return r.text();
    };
    const sample = (text: string, name: string, labels: Record<string, string>): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };

    it('counts each message per service and client on both nodes, with errors by type and a latency histogram', async () => {
      const marketKey = keys[`${MARKET}/license`]!;
      const policeKey = keys[`${POLICE}/hukou`]!;
      const ok = { service: SERVICE, client: `${MARKET}/license`, outcome: 'ok' };
      const before = { consumer: await scrape(nodes.market, marketKey), provider: await scrape(nodes.police, policeKey) };
      expect((await call(nodes.market, `${MARKET}/license`, '/persons/1')).status).toBe(200);
      expect((await call(nodes.civil, `${CIVIL}/welfare`, '/persons/1')).status).toBe(403);
      const after = { consumer: await scrape(nodes.market, marketKey), provider: await scrape(nodes.police, policeKey) };
      const delta = (side: 'consumer' | 'provider', name: string, labels: Record<string, string>) =>
        sample(after[side], name, { role: side, ...labels }) - sample(before[side], name, { role: side, ...labels });
      expect(delta('consumer', 'zt_exchange_requests_total', ok)).toBe(1);
      expect(delta('provider', 'zt_exchange_requests_total', ok)).toBe(1);
      expect(delta('consumer', 'zt_exchange_request_duration_seconds_count', { service: SERVICE, client: `${MARKET}/license` })).toBe(1);
      expect(delta('provider', 'zt_exchange_request_duration_seconds_count', { service: SERVICE, client: `${MARKET}/license` })).toBe(1);
      expect(delta('provider', 'zt_exchange_requests_total', { service: SERVICE, client: `${CIVIL}/welfare`, outcome: 'denied' })).toBe(1);
      expect(delta('provider', 'zt_exchange_errors_total', { service: SERVICE, client: `${CIVIL}/welfare`, error: 'Server.ServerProxy.AccessDenied' })).toBe(1);
      expect(after.provider).toContain(`node="${nodes.police.config.nodeId}"`);
      expect(sample(after.provider, 'zt_exchange_globalconf_expires_in_seconds', {})).toBeGreaterThan(3600);
      // Only local systems with a key may read them.
      const refused = await fetch(`${nodes.market.clientUrl}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get(H.error)).toBe('Client.Unauthorized');
    });

    it('reports configuration age and expiry, certificate expiry and the message log size', async () => {
      const r = await fetch(`${nodes.police.clientUrl}/status`, { headers: { 'x-api-key': keys[`${POLICE}/hukou`]! } });
      expect(r.status).toBe(200);
      const status = (await r.json()) as {
        node: string;
        globalConf: { version: number; ageSeconds: number; expiresInSeconds: number; usable: boolean };
        certificate: { notAfter: string; expiresInDays: number };
        messageLog: { records: number; lastSeq: number; bodyBytes: number; pending: number };
        lastArchive: unknown;
      };
      expect(status.node).toBe(nodes.police.config.nodeId);
      expect(status.globalConf).toMatchObject({ version: nodes.police.globalConf.held()!.conf.version, usable: true });
      expect(status.globalConf.ageSeconds).toBeGreaterThanOrEqual(0);
      expect(status.globalConf.expiresInSeconds).toBeGreaterThan(20 * 3600);
      expect(Date.parse(status.certificate.notAfter)).toBeGreaterThan(Date.now());
      expect(status.certificate.expiresInDays).toBeGreaterThan(30);
      const chain = await nodes.police.messageLog.verifyChain();
      expect(status.messageLog.records).toBe(chain.records);
      expect(status.messageLog.lastSeq).toBe(chain.records);
      expect(status.messageLog.bodyBytes).toBeGreaterThan(0);
      expect(status.lastArchive).toBeNull();
      expect((await fetch(`${nodes.police.clientUrl}/status`, { headers: { 'x-api-key': 'ztk_wrong' } })).status).toBe(401);
    });
  });

  it('refuses local systems without the subsystem API key', async () => {
    const r = await call(nodes.market, `${MARKET}/license`, '/persons/1', { key: 'ztk_wrong' });
    expect(r.status).toBe(401);
    expect(r.headers.get(H.error)).toBe('Client.Unauthorized');
    expect(r.json.type).toBe('Client.Unauthorized');
  });

  it('denies and logs calls without a right, with another purpose, or to an endpoint not granted', async () => {
    const none = await call(nodes.civil, `${CIVIL}/welfare`, '/persons/1', { id: 'msg-denied-1' });
    expect(none.status).toBe(403);
    expect(none.json).toMatchObject({ type: 'Server.ServerProxy.AccessDenied' });
    expect((await nodes.police.messageLog.find('msg-denied-1', 'provider'))[0]).toMatchObject({
      outcome: 'denied',
      response_error: 'Server.ServerProxy.AccessDenied',
    });
    expect((await nodes.civil.messageLog.find('msg-denied-1', 'consumer'))[0]).toMatchObject({ outcome: 'denied' });
    const purpose = await call(nodes.market, `${MARKET}/license`, '/persons/1', { purpose: '其他用途' });
    expect(purpose.json.type).toBe('Server.ServerProxy.AccessDenied');
    const post = await call(nodes.market, `${MARKET}/license`, '/persons/1', { method: 'POST', body: '{}' });
    expect(post.json.type).toBe('Server.ServerProxy.AccessDenied');
    const traversal = await call(nodes.market, `${MARKET}/license`, '/persons/..%2fadmin');
    expect(traversal.json.type).toBe('Client.InvalidRequest');
  });

  it('answers a typed error when the backend is slow or does not answer JSON under a field filter', async () => {
    const slow = await call(nodes.market, `${MARKET}/license`, '/persons/slow');
    expect(slow.status).toBe(502);
    expect(slow.json.type).toBe('Server.ServerProxy.ServiceFailed');
    const text = await call(nodes.market, `${MARKET}/license`, '/persons/text');
    expect(text.json.type).toBe('Server.ServerProxy.ServiceFailed');
  });

  describe('tampering with the server side', () => {
    async function forge(over: Partial<RequestEnvelope>, opts: { alterBody?: boolean; withCert?: boolean; wirePurpose?: string } = {}) {
      const files = nodeFiles(nodes.market.config.dataDir);
      const { suite, keyPair } = await readKeyFile(files.signingKey);
      const body = Buffer.from('');
      const env: RequestEnvelope = {
        method: 'GET',
        path: `/r1/${SERVICE}/persons/1`,
        messageId: `forged-${Math.random().toString(36).slice(2)}`,
        client: `${MARKET}/license`,
        service: SERVICE,
        userId: '',
        issue: '',
        purpose: PURPOSE,
        timestamp: clock.now().toISOString(),
        sender: nodes.market.config.nodeId,
        recipient: nodes.police.config.nodeId,
        contentType: '',
        bodyHash: suite.hash(body).toString('hex'),
        ...over,
      };
      const signature = suite.sign(keyPair.privateKey, canonicalRequest(env)).toString('base64');
      const send = (): Promise<{ status: number; error: string }> =>
        new Promise((resolve, reject) => {
          const req = https.request(
            new URL(env.path, nodes.police.serverUrl),
            {
              method: env.method,
              ca: fs.readFileSync(files.trustRoot),
              ...(opts.withCert === false ? {} : { key: fs.readFileSync(files.tlsKey), cert: fs.readFileSync(files.tlsCert) }),
              checkServerIdentity: () => undefined,
              headers: {
                [H.client]: env.client,
                [H.id]: env.messageId,
                [H.purpose]: encodeURIComponent(opts.wirePurpose ?? env.purpose),
                [H.sender]: env.sender,
                [H.recipient]: env.recipient,
                [H.timestamp]: env.timestamp,
                [H.bodyHash]: env.bodyHash,
                [H.signature]: signature,
                'content-length': opts.alterBody ? 1 : body.length,
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode!, error: String(res.headers[H.error] ?? '') }));
            },
          );
          req.on('error', reject);
          req.end(opts.alterBody ? 'x' : body);
        });
      return { send };
    }

    it('accepts a well-formed request once and refuses its replay', async () => {
      const f = await forge({});
      expect(await f.send()).toEqual({ status: 200, error: '' });
      expect(await f.send()).toEqual({ status: 409, error: 'Server.ServerProxy.ReplayedMessage' });
    });

    it('refuses an altered body, an altered header, a wrong recipient, an expired message and a caller without certificate', async () => {
      expect(await (await forge({}, { alterBody: true })).send()).toMatchObject({ status: 400, error: 'Server.ServerProxy.InvalidSignature' });
      expect(await (await forge({}, { wirePurpose: '其他用途' })).send()).toMatchObject({ status: 400, error: 'Server.ServerProxy.InvalidSignature' });
      expect(await (await forge({ recipient: nodes.civil.config.nodeId })).send()).toMatchObject({ status: 421, error: 'Server.ServerProxy.WrongRecipient' });
      expect(await (await forge({ timestamp: new Date(clock.now().getTime() - 3600_000).toISOString() })).send()).toMatchObject({
        error: 'Server.ServerProxy.ExpiredMessage',
      });
      // A client certificate from the trust root is required for the TLS handshake itself.
      await expect((await forge({}, { withCert: false })).send()).rejects.toThrow();
    });
  });

  it('stops allowing a revoked right at the next poll', async () => {
    expect((await call(nodes.market, `${MARKET}/license`, '/persons/1')).status).toBe(200);
    expect((await sys.request('POST', `/api/v1/exchange/access-rights/${rightId}/revoke`, { reason: '共享申请撤回' })).statusCode).toBe(200);
    expect((await call(nodes.market, `${MARKET}/license`, '/persons/1')).status).toBe(200);
    expect(await nodes.police.pollNow()).toBe('updated');
    const after = await call(nodes.market, `${MARKET}/license`, '/persons/1');
    expect(after.status).toBe(403);
    expect(after.json.type).toBe('Server.ServerProxy.AccessDenied');
    // Granted again for the next test.
    const again = await sys.request('POST', '/api/v1/exchange/access-rights', {
      consumer: `${MARKET}/license`,
      service: SERVICE,
      endpoints: [],
      fields: null,
      purpose: PURPOSE,
      validFrom: new Date(Date.now() - 3600_000).toISOString(),
      validUntil: null,
    });
    expect(again.statusCode).toBe(201);
    for (const n of Object.values(nodes)) await n.pollNow();
  });

  it('archives old records into signed, chained files and keeps the live chain verifiable', async () => {
    expect((await call(nodes.market, `${MARKET}/license`, '/persons/1', { id: 'before-archive' })).status).toBe(200);
    const live = await nodes.police.messageLog.size();
    const first = await nodes.police.archiveNow(new Date(clock.now().getTime() + 1));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ first_seq: live.firstSeq, last_seq: live.lastSeq });
    expect(await nodes.police.messageLog.size()).toMatchObject({ records: 0, bodyBytes: 0 });
    expect(await nodes.police.messageLog.find('before-archive', 'provider')).toEqual([]);

    expect((await call(nodes.market, `${MARKET}/license`, '/persons/1', { id: 'after-archive' })).status).toBe(200);
    expect(await nodes.police.messageLog.verifyChain()).toEqual({ ok: true, records: 1 });
    const [after] = await nodes.police.messageLog.find('after-archive', 'provider');
    expect(after!.seq).toBe(live.lastSeq! + 1);
    expect(after!.prev_hash).toBe(first[0]!.last_hash);

    clock.advance(1000);
    const second = await nodes.police.archiveNow(new Date(clock.now().getTime()));
    expect(second).toHaveLength(1);
    const dir = path.join(nodes.police.config.dataDir, 'archive');
    const [fileA, fileB] = [fs.readFileSync(path.join(dir, first[0]!.file), 'utf8'), fs.readFileSync(path.join(dir, second[0]!.file), 'utf8')];
    const { suite, keyPair } = await readKeyFile(nodeFiles(nodes.police.config.dataDir).signingKey);
    expect(verifyArchive(fileA, keyPair.publicKey, suite)).toEqual({ ok: true, records: live.records });
    expect(verifyArchive(fileB, keyPair.publicKey, suite, fileA)).toEqual({ ok: true, records: 1 });
    expect(fileA).toContain('before-archive');
    // One byte changed in the archive, or archives out of order: no longer valid.
    const i = fileA.indexOf('before-archive');
    expect(verifyArchive(fileA.slice(0, i) + 'B' + fileA.slice(i + 1), keyPair.publicKey, suite).ok).toBe(false);
    expect(verifyArchive(fileB, keyPair.publicKey, suite, fileB).ok).toBe(false);

    // What an auditor runs on the node: `zhengtong node verify-archives` (in process), both archives and the live log after them.
    const cliConfig = path.join(prepared.police.dir, 'node-cli.json');
    fs.writeFileSync(cliConfig, JSON.stringify(prepared.police.raw));
    const good = await nodeCli(['--config', cliConfig, 'verify-archives', '--json']);
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({
      ok: true,
      archives: [
        { file: first[0]!.file, ok: true, records: live.records },
        { file: second[0]!.file, ok: true, records: 1 },
      ],
      live: { ok: true },
    });
    expect((await nodeCli(['--config', cliConfig, 'verify-archives'])).stdout).toMatch(/\[2\/2\] ✔[\s\S]*archives and log verified/);
    // One byte changed in the first file on disk: that file fails (not the one the log recorded), and so does the whole check.
    const fileAPath = path.join(dir, first[0]!.file);
    fs.writeFileSync(fileAPath, fileA.slice(0, i) + 'B' + fileA.slice(i + 1));
    const bad = await nodeCli(['--config', cliConfig, 'verify-archives', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, archives: [{ ok: false, reason: expect.stringMatching(/hash differs/) }, {}] });
    // A missing file is named too.
    fs.rmSync(fileAPath);
    expect(JSON.parse((await nodeCli(['--config', cliConfig, 'verify-archives', '--json'])).stdout)).toMatchObject({
      ok: false,
      archives: [{ ok: false, reason: expect.stringMatching(/cannot read: ENOENT/) }, {}],
    });
    fs.writeFileSync(fileAPath, fileA);
    const status = (await (await fetch(`${nodes.police.clientUrl}/status`, { headers: { 'x-api-key': keys[`${POLICE}/hukou`]! } })).json()) as {
      lastArchive: { file: string } | null;
    };
    expect(status.lastArchive?.file).toBe(second[0]!.file);
  });

  it('keeps working while the center is down, then refuses after the configuration expires', async () => {
    relay.close();
    for (const s of relaySockets) s.destroy();
    for (const n of Object.values(nodes)) expect(await n.pollNow()).toBe('failed');
    clock.advance(23 * 3600_000);
    expect((await call(nodes.market, `${MARKET}/license`, '/persons/1')).status).toBe(200);
    clock.advance(2 * 3600_000);
    const late = await call(nodes.market, `${MARKET}/license`, '/persons/1');
    expect(late.status).toBe(503);
    expect(late.headers.get(H.error)).toBe('Server.ClientProxy.OutdatedGlobalConf');
  });
});
