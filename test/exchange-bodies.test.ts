/**
 * Large message bodies through the exchange: a center and two nodes on loopback (the provider on
 * SM2/SM3, the consumer on Ed25519/SHA-256), a backend that streams tens of MiB. Bodies above the
 * node's `spoolAboveBytes` must stream through spool files (memory does not grow with the body),
 * arrive whole with their hashes signed and checked on each hop, be logged as metadata beyond
 * `maxWholeBodyBytes`, and leave nothing in the spool folders.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportEvidence, nodeFiles, parseNodeConfig, startNode, verifyEvidence, type ExchangeNode } from '../src/exchange/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { makeUscc } from '../src/standards/index.js';
import { DIALECTS, type TestPlatform } from './helpers.js';
import { NodeLeftovers, prepareNode, registerMembers, startTestCenter } from './exchange-fixture.js';

const MiB = 1024 * 1024;
const PURPOSE = '档案材料调阅';

/** `n` bytes of a fixed pattern, as chunks of 1 MiB (never whole in memory). */
function* pattern(n: number): Generator<Buffer> {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < MiB; i++) block[i] = (i * 31 + 7) & 0xff;
  for (let sent = 0; sent < n; sent += MiB) yield sent + MiB <= n ? block : block.subarray(0, n - sent);
}
const hashOf = (name: string, n: number) => {
  const h = createHash(name);
  for (const c of pattern(n)) h.update(c);
  return h.digest('hex');
};

describe.each(DIALECTS)('large message bodies stream through the nodes (%s)', (dialect) => {
  let p: TestPlatform;
  let backend: http.Server;
  const leftovers = new NodeLeftovers();
  const nodes: Record<'archive' | 'court', ExchangeNode> = {} as never;
  const keys: Record<string, string> = {};
  const ARCHIVE = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00410001')}`;
  const COURT = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00410002')}`;
  const CLIENT = `${COURT}/cases`;
  const FILES = `${ARCHIVE}/records/files`;
  const FILTERED = `${ARCHIVE}/records/people`;

  const call = (service: string, pathAndQuery: string, init: { method?: string; body?: Readable; id?: string } = {}) =>
    fetch(`${nodes.court.clientUrl}/r1/${service}${pathAndQuery}`, {
      method: init.method ?? 'GET',
      headers: {
        [H.client]: CLIENT,
        'x-api-key': keys.cases!,
        [H.purpose]: encodeURIComponent(PURPOSE),
        ...(init.id ? { [H.id]: init.id } : {}),
        ...(init.body ? { 'content-type': 'application/octet-stream' } : {}),
      },
      ...(init.body ? { body: Readable.toWeb(init.body) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);

  /** Reads a response as a stream, hashing it: the test holds no whole body either. */
  const digest = async (r: Response) => {
    const h = createHash('sha256');
    let n = 0;
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) {
      h.update(c);
      n += c.length;
    }
    return { sha256: h.digest('hex'), bytes: n };
  };
  const spoolFiles = () => Object.values(nodes).flatMap((n) => fs.readdirSync(nodeFiles(n.config.dataDir).spool));

  /**
   * The peak growth of retained Buffer memory while `f` runs: every 300 ms a full garbage collection,
   * then `arrayBuffers` (chunks already passed on are garbage, not held; a body read whole is held).
   */
  const peakBufferGrowth = async <T>(f: () => Promise<T>): Promise<{ result: T; growth: number }> => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const t = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 300);
    try {
      const result = await f();
      return { result, growth: peak - base };
    } finally {
      clearInterval(t);
    }
  };

  beforeAll(async () => {
    const center = await startTestCenter(dialect);
    p = center.p;
    backend = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://backend');
      if (req.method === 'GET' && url.pathname.startsWith('/blob/')) {
        const n = Number(url.pathname.slice(6));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': n });
        Readable.from(pattern(n)).pipe(res);
      } else if (req.method === 'POST' && url.pathname === '/upload') {
        const h = createHash('sha256');
        let bytes = 0;
        req.on('data', (c: Buffer) => {
          h.update(c);
          bytes += c.length;
        });
        req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sha256: h.digest('hex'), bytes })));
      } else if (url.pathname.startsWith('/people/')) {
        // A JSON list of `n` people: the filtered service.
        const n = Number(url.pathname.slice(8));
        const people = Array.from({ length: n }, (_, i) => ({ id: String(i), name: `居民${i}`, idNumber: `35010219900101${String(i).padStart(4, '0')}` }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(people));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    await registerMembers(center.sys, [
      [ARCHIVE, '测试市档案馆'],
      [COURT, '测试市中级人民法院'],
    ]);
    const specs = [
      {
        key: 'archive',
        member: ARCHIVE,
        subsystem: 'records',
        suite: 'sm2',
        services: { files: { backend: backendUrl, timeoutMs: 60_000 }, people: { backend: backendUrl, timeoutMs: 10_000 } },
      },
      { key: 'court', member: COURT, subsystem: 'cases', suite: 'ed25519' },
    ] as const;
    for (const s of specs) {
      const node = await prepareNode(center, leftovers, {
        name: s.key,
        memberId: s.member,
        subsystems: [s.subsystem],
        suite: s.suite,
        dialect,
        ...('services' in s ? { services: s.services } : {}),
      });
      keys[s.subsystem] = node.apiKeys[s.subsystem]!;
      Object.assign(node.raw, { maxBodyBytes: 128 * MiB, spoolAboveBytes: 256 * 1024, maxWholeBodyBytes: 4 * MiB });
      nodes[s.key] = await startNode(parseNodeConfig(node.raw, node.dir));
    }
    for (const [code, title] of [
      ['files', '档案文件'],
      ['people', '人员名录'],
    ])
      expect((await center.sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${ARCHIVE}/records`, code, title })).statusCode).toBe(201);
    for (const [service, fields] of [
      [FILES, null],
      [FILTERED, ['id', 'name']],
    ] as const) {
      const grant = await center.sys.request('POST', '/api/v1/exchange/access-rights', {
        consumer: CLIENT,
        service,
        endpoints: [
          { method: 'GET', path: '/*' },
          { method: 'POST', path: '/*' },
        ],
        fields,
        purpose: PURPOSE,
        validFrom: new Date(Date.now() - 3600_000).toISOString(),
        validUntil: null,
      });
      expect(grant.statusCode, grant.body).toBe(201);
    }
    for (const n of Object.values(nodes)) expect(await n.pollNow()).toBe('updated');
  }, 120_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) await n?.close();
    backend?.close();
    await p?.destroy();
    await leftovers.cleanUp();
  });

  it('streams a 96 MiB answer through both nodes without holding it, signed and logged as metadata', async () => {
    const size = 96 * MiB;
    const { result, growth } = await peakBufferGrowth(async () => {
      const r = await call(FILES, `/blob/${size}`, { id: 'big-answer-1' });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-length')).toBe(String(size));
      return digest(r);
    });
    expect(result).toEqual({ sha256: hashOf('sha256', size), bytes: size });
    // The body passed four sockets (backend → provider node → consumer node → client); read whole
    // anywhere, one hop would hold all 96 MiB at once (measured: 8–15 MiB for 16–128 MiB bodies).
    expect(growth).toBeLessThan(size / 2);
    const [consumerRec] = await nodes.court.messageLog.find('big-answer-1', 'consumer');
    const [providerRec] = await nodes.archive.messageLog.find('big-answer-1', 'provider');
    for (const rec of [consumerRec!, providerRec!]) {
      // The provider signs with SM2, so the answer's hash is SM3, computed while it streamed.
      expect(rec).toMatchObject({ outcome: 'ok', bodies: 'metadata', response_body_hash: hashOf('sm3', size) });
    }
    expect(consumerRec!.response_signature).toBe(providerRec!.response_signature);
    expect(await nodes.court.messageLog.readBody('consumer', 'big-answer-1', 'response')).toBeUndefined();
    const bundle = await exportEvidence(nodes.court.messageLog, {
      nodeId: nodes.court.config.nodeId,
      messageId: 'big-answer-1',
      role: 'consumer',
      center: nodes.court.config.center,
      globalConf: nodes.court.globalConf.held()!.signed,
      now: new Date(),
    });
    expect(verifyEvidence(bundle!)).toMatchObject({ ok: true });
    await expect.poll(spoolFiles).toEqual([]);
  }, 120_000);

  it('streams a 40 MiB request to the backend, which receives every byte', async () => {
    const size = 40 * MiB;
    const r = await call(FILES, '/upload', { method: 'POST', body: Readable.from(pattern(size)), id: 'big-request-1' });
    expect(r.status).toBe(201);
    expect(await r.json()).toEqual({ sha256: hashOf('sha256', size), bytes: size });
    const [consumerRec] = await nodes.court.messageLog.find('big-request-1', 'consumer');
    const [providerRec] = await nodes.archive.messageLog.find('big-request-1', 'provider');
    // The consumer (Ed25519) names the request by its SHA-256; the provider checked it as it spooled.
    expect(consumerRec!.request_body_hash).toBe(hashOf('sha256', size));
    expect(providerRec!.request_hash).toBe(consumerRec!.request_hash);
    expect(providerRec).toMatchObject({ outcome: 'ok', bodies: 'metadata' });
    await expect.poll(spoolFiles).toEqual([]);
  }, 120_000);

  it('keeps bodies up to maxWholeBodyBytes in the log, even when they were spooled', async () => {
    const size = 3 * MiB;
    const r = await call(FILES, `/blob/${size}`, { id: 'kept-1' });
    expect(await digest(r)).toEqual({ sha256: hashOf('sha256', size), bytes: size });
    const [rec] = await nodes.archive.messageLog.find('kept-1', 'provider');
    expect(rec!.bodies).toBe('full');
    const kept = await nodes.archive.messageLog.readBody('provider', 'kept-1', 'response');
    expect(createHash('sha256').update(kept!).digest('hex')).toBe(hashOf('sha256', size));
  }, 60_000);

  it('refuses a request above maxBodyBytes with Client.BodyTooLarge and leaves no spool file', async () => {
    const r = await call(FILES, '/upload', { method: 'POST', body: Readable.from(pattern(129 * MiB)) });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ type: 'Client.BodyTooLarge' });
    await expect.poll(spoolFiles).toEqual([]);
  }, 60_000);

  it('applies a field filter up to maxWholeBodyBytes and refuses a larger filtered answer', async () => {
    const small = await call(FILTERED, '/people/3');
    expect(small.status).toBe(200);
    expect(await small.json()).toEqual([0, 1, 2].map((i) => ({ id: String(i), name: `居民${i}` })));
    // ~70 bytes a person: 80,000 people is ~5.6 MiB, over the 4 MiB the node parses whole.
    const big = await call(FILTERED, '/people/80000');
    expect(big.status).toBe(502);
    const json = (await big.json()) as { type: string; detail: string };
    expect(json.type).toBe('Server.ServerProxy.ServiceFailed');
    expect(json.detail).toContain('maxWholeBodyBytes');
    await expect.poll(spoolFiles).toEqual([]);
  }, 60_000);
});
