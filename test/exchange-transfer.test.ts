/**
 * File transfer end to end on loopback: a center, a consumer node (ed25519) and a provider node
 * (sm2) on real sockets with mutual TLS, a real backend that hashes what it receives. The 1 GB
 * payload is a deterministic pseudo-random stream (AES-CTR keystream, seekable to any offset),
 * never a file or a buffer of its own size; the test's peak memory is watched.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../src/core/crypto/index.js';
import { exportEvidence, initNode, nodeFiles, parseNodeConfig, startNode, verifyEvidence, type ExchangeNode, type NodeConfig } from '../src/exchange/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { canonicalChunk, T } from '../src/exchange/transfer/transfer-protocol.js';
import { makeUscc } from '../src/standards/index.js';
import { createTestDatabase, createTestPlatform, DIALECTS, seedBasics, staffBrowser, type Browser, type TestDatabase, type TestPlatform } from './helpers.js';
import { freePort } from './exchange-fixture.js';

const PURPOSE = '不动产登记档案移交';
const GB = 1024 ** 3;
const MiB = 1024 * 1024;

/** Bytes [from, to) of the deterministic payload: the AES-128-CTR keystream of a fixed key (offsets multiple of 16). */
async function* payload(from: number, to: number, seed = 'zt-transfer-test'): AsyncGenerator<Buffer> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(from / 16), 8);
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  const zeros = Buffer.alloc(MiB);
  for (let at = from; at < to; at += MiB) {
    const n = Math.min(MiB, to - at);
    yield cipher.update(n === MiB ? zeros : zeros.subarray(0, n));
  }
}

async function hashOf(from: number, to: number, algorithm = 'sha256', seed?: string): Promise<string> {
  const h = createHash(algorithm);
  for await (const piece of payload(from, to, seed)) h.update(piece);
  return h.digest('hex');
}

interface Reply {
  status: number;
  error: string;
  json: Record<string, unknown>;
}

/** PUTs bytes [from, to) of the payload; with `abortAfter`, breaks the connection after that many bytes. */
function upload(
  url: string,
  headers: Record<string, string>,
  from: number,
  to: number,
  opts: { abortAfter?: number; seed?: string } = {},
): Promise<Reply | 'aborted'> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': to - from } });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          error: String(res.headers[H.error] ?? ''),
          json: JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown>,
        }),
      );
    });
    req.on('error', (e) => (opts.abortAfter === undefined ? reject(e) : resolve('aborted')));
    void (async () => {
      let sent = 0;
      for await (const piece of payload(from, to, opts.seed)) {
        if (!req.write(piece)) await once(req, 'drain');
        sent += piece.length;
        if (opts.abortAfter !== undefined && sent >= opts.abortAfter) {
          req.destroy(); // the sending process dies mid-stream
          resolve('aborted');
          return;
        }
      }
      req.end();
    })().catch(reject);
  });
}

describe.each(DIALECTS)('file transfer between nodes (%s)', (dialect) => {
  let p: TestPlatform;
  let sys: Browser;
  let backend: http.Server;
  const received: { path: string; size: number; hash: string; headers: http.IncomingHttpHeaders }[] = [];
  const dirs: string[] = [];
  const nodeDbs: TestDatabase[] = [];
  let consumer: ExchangeNode;
  let provider: ExchangeNode;
  let consumerConfig: NodeConfig;
  let providerConfig: NodeConfig;
  const keys: Record<string, string> = {};
  const PROVIDER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00510001')}`;
  const CONSUMER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00510002')}`;
  const SERVICE = `${PROVIDER}/archive/files`;
  const CLIENT = `${CONSUMER}/registry`;
  const OTHER = `${CONSUMER}/other`;

  const headersOf = (client: string, extra: Record<string, string> = {}) => ({
    [H.client]: client,
    'x-api-key': keys[client]!,
    [H.purpose]: encodeURIComponent(PURPOSE),
    [H.userId]: 'CN350102199001011234',
    ...extra,
  });
  const openTransfer = (client: string, body: unknown, sub = '/files/deed-2026.bin', extra: Record<string, string> = {}) =>
    fetch(`${consumer.clientUrl}/transfers/r1/${SERVICE}${sub}`, {
      method: 'POST',
      headers: { ...headersOf(client, extra), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, error: r.headers.get(H.error) ?? '', json: (await r.json()) as Record<string, unknown> }));
  const status = (id: string, client = CLIENT) =>
    fetch(`${consumer.clientUrl}/transfers/${id}`, { headers: headersOf(client) }).then(async (r) => ({
      status: r.status,
      error: r.headers.get(H.error) ?? '',
      json: (await r.json()) as Record<string, unknown>,
    }));

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    p.clock.set(new Date());
    await seedBasics(p);
    sys = (await staffBrowser(p, 'sysadmin')).browser;
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const centerUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;

    // The provider's backend: hashes each delivered file as it streams in.
    backend = http.createServer((req, res) => {
      const h = createHash('sha256');
      let size = 0;
      req.on('data', (d: Buffer) => {
        h.update(d);
        size += d.length;
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', size, hash: h.digest('hex'), headers: req.headers });
        res.writeHead(req.url?.includes('refuse') ? 422 : 201, { 'content-type': 'application/json' }).end('{"stored":true}');
      });
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;

    for (const [id, name] of [
      [PROVIDER, '测试市档案馆'],
      [CONSUMER, '测试市不动产登记中心'],
    ] as const) {
      expect((await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: id.split('/')[2], name })).statusCode).toBe(201);
    }
    const fingerprint = (await p.app.inject({ url: '/api/v1/exchange/center' })).json().fingerprint as string;
    const specs = [
      { key: 'provider', member: PROVIDER, subsystems: ['archive'], suite: 'sm2', services: { files: { backend: backendUrl, timeoutMs: 60_000 } } },
      { key: 'consumer', member: CONSUMER, subsystems: ['registry', 'other'], suite: 'ed25519' },
    ] as const;
    for (const s of specs) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zt-transfer-${s.key}-`));
      dirs.push(dir);
      const init = await initNode({
        centerUrl,
        memberId: s.member,
        subsystems: [...s.subsystems],
        dir,
        suite: s.suite,
        host: '127.0.0.1',
        clientPort: 0,
        serverPort: await freePort(),
        centerFingerprint: fingerprint,
        ...('services' in s ? { services: s.services } : {}),
      });
      for (const sub of s.subsystems) keys[`${s.member}/${sub}`] = init.apiKeys[sub]!;
      expect((await sys.request('POST', `/api/v1/exchange/registrations/${init.nodeId}/approve`)).statusCode).toBe(200);
      const raw = JSON.parse(fs.readFileSync(init.configFile, 'utf8')) as Record<string, unknown>;
      if (dialect === 'postgres') {
        const db = await createTestDatabase('postgres');
        nodeDbs.push(db);
        raw.dbUrl = db.url;
      }
      raw.logLevel = 'silent';
      const config = parseNodeConfig(raw, dir);
      if (s.key === 'consumer') {
        consumerConfig = config;
        consumer = await startNode(config);
      } else {
        providerConfig = config;
        provider = await startNode(config);
      }
    }
    expect(
      (await sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${PROVIDER}/archive`, code: 'files', title: '档案文件接收' })).statusCode,
    ).toBe(201);
    const grant = await sys.request('POST', '/api/v1/exchange/access-rights', {
      consumer: CLIENT,
      service: SERVICE,
      endpoints: [{ method: 'POST', path: '/files/*' }],
      fields: null,
      purpose: PURPOSE,
      validFrom: new Date(Date.now() - 3600_000).toISOString(),
      validUntil: null,
    });
    expect(grant.statusCode).toBe(201);
    for (const n of [consumer, provider]) expect(await n.pollNow()).toBe('updated');
  }, 120_000);

  afterAll(async () => {
    await consumer?.close();
    await provider?.close();
    backend?.close();
    await p?.destroy();
    for (const db of nodeDbs) await db.drop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('moves 1 GB in 8 MiB chunks, resumes after the sender dies mid-stream and a consumer node restart, and the hashes match', async () => {
    const t0 = performance.now();
    const expected = await hashOf(0, GB);
    const opened = await openTransfer(CLIENT, { size: GB, hash: `sha256:${expected}` });
    expect(opened.status).toBe(201);
    expect(opened.json).toMatchObject({ chunkSize: 8 * MiB, chunks: 128, hashAlgorithm: 'sha256', nextOffset: 0 });
    const id = opened.json.transferId as string;

    // Peak memory of this process (which runs both nodes, the backend and the sender) while moving the file.
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);

    // The sender dies a little past the middle (in the middle of chunk 67).
    const cut = 540 * MiB + 123 * 1024;
    expect(await upload(`${consumer.clientUrl}/transfers/${id}`, headersOf(CLIENT), 0, GB, { abortAfter: cut })).toBe('aborted');
    // The consumer node restarts too (same database and keys): the transfer survives it.
    await new Promise((r) => setTimeout(r, 300));
    await consumer.close();
    consumer = await startNode(consumerConfig);

    const st = await status(id);
    expect(st.status).toBe(200);
    expect(st.json).toMatchObject({ status: 'open', chunks: 128 });
    const nextOffset = st.json.nextOffset as number;
    // Everything up to the chunk the stream broke in arrived and was verified; nothing after it.
    expect(nextOffset % (8 * MiB)).toBe(0);
    expect(nextOffset).toBeGreaterThanOrEqual(64 * 8 * MiB);
    expect(nextOffset).toBeLessThanOrEqual(cut);
    expect(st.json.receivedChunks).toBe(nextOffset / (8 * MiB));

    // An offset inside a chunk is refused, naming the field.
    const bad = await fetch(`${consumer.clientUrl}/transfers/${id}?offset=100`, { method: 'PUT', headers: headersOf(CLIENT), body: 'x' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/offset/);

    const done = await upload(`${consumer.clientUrl}/transfers/${id}?offset=${nextOffset}`, headersOf(CLIENT), nextOffset, GB);
    clearInterval(sampler);
    expect(done).not.toBe('aborted');
    const reply = done as Reply;
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ transferId: id, status: 'complete', size: GB, fileHash: expected, backendStatus: 201, error: '' });

    // The backend received the whole file once, byte for byte.
    const delivered = received.find((r) => r.headers[H.id] === id)!;
    expect(delivered).toMatchObject({ path: '/files/deed-2026.bin', size: GB, hash: expected });
    expect(delivered.headers['x-zt-file-hash']).toBe(`sha256:${expected}`);
    expect(delivered.headers[H.client]).toBe(CLIENT);
    // The provider keeps the evidence, not the bytes, once the backend has them.
    expect(fs.readdirSync(path.join(provider.config.dataDir, 'transfers'))).toEqual([]);

    // Both message logs hold the transfer with its whole-file hash; the evidence verifies offline.
    for (const [node, role] of [
      [consumer, 'consumer'],
      [provider, 'provider'],
    ] as const) {
      const [rec] = await node.messageLog.find(id, role);
      expect(rec).toMatchObject({ client: CLIENT, service: SERVICE, request_body_hash: expected, outcome: 'ok', response_status: 201, purpose: PURPOSE });
      const held = node.globalConf.held()!;
      const bundle = await exportEvidence(node.messageLog, {
        nodeId: node.config.nodeId,
        messageId: id,
        role,
        center: node.config.center,
        globalConf: held.signed,
        now: new Date(),
      });
      expect(verifyEvidence(bundle!).ok).toBe(true);
      const altered = structuredClone(bundle!);
      altered.record.request_body_hash = altered.record.request_body_hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      expect(verifyEvidence(altered).ok).toBe(false);
      expect((await node.messageLog.verifyChain()).ok).toBe(true);
    }
    const growth = (peak - rss0) / MiB;
    const seconds = (performance.now() - t0) / 1000;
    console.log(`1 GB transfer (${dialect}): ${seconds.toFixed(1)} s including the sender's hash pass; peak RSS growth ${growth.toFixed(0)} MiB`);
    // Never whole in memory: the nodes hold two 8 MiB chunks each at most, plus stream buffers.
    expect(growth).toBeLessThan(256);
  }, 600_000);

  it('rejects a tampered chunk and keeps only verified chunks', async () => {
    const size = 3 * MiB + 5 * 16;
    const expected = await hashOf(0, size, 'sha256', 'tamper');
    const opened = await openTransfer(CLIENT, { size, hash: expected });
    expect(opened.status).toBe(201);
    const id = opened.json.transferId as string;

    // A party holding the consumer node's keys and certificate talks to the provider node directly:
    // the chunk's signature covers the right hash, but one byte of the body is changed on the way.
    const files = nodeFiles(consumer.config.dataDir);
    const { suite, keyPair } = await readKeyFile(files.signingKey);
    const pieces: Buffer[] = [];
    for await (const piece of payload(0, size, 'tamper')) pieces.push(piece);
    const data = Buffer.concat(pieces);
    const sendChunk = (body: Buffer, hash: string, signer = keyPair.privateKey) => {
      const c = {
        transferId: id,
        index: 0,
        offset: 0,
        length: body.length,
        hash,
        sender: consumer.config.nodeId,
        recipient: provider.config.nodeId,
        timestamp: new Date().toISOString(),
      };
      const signature = suite.sign(signer, canonicalChunk(c)).toString('base64');
      return new Promise<{ status: number; error: string }>((resolve, reject) => {
        const req = https.request(
          new URL(`/t1/transfers/${id}/chunks/0`, provider.serverUrl),
          {
            method: 'PUT',
            ca: fs.readFileSync(files.trustRoot),
            key: fs.readFileSync(files.tlsKey),
            cert: fs.readFileSync(files.tlsCert),
            checkServerIdentity: () => undefined,
            headers: {
              [H.sender]: c.sender,
              [H.recipient]: c.recipient,
              [H.timestamp]: c.timestamp,
              [H.signature]: signature,
              [T.chunkHash]: c.hash,
              [T.offset]: '0',
              'content-length': body.length,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode!, error: String(res.headers[H.error] ?? '') }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    };
    const tampered = Buffer.from(data);
    tampered[1234] = tampered[1234]! ^ 0xff;
    expect(await sendChunk(tampered, suite.hash(data).toString('hex'))).toEqual({ status: 400, error: 'Server.ServerProxy.InvalidSignature' });
    // The right bytes under another key's signature are refused as well.
    expect(await sendChunk(data, suite.hash(data).toString('hex'), suite.generateKeyPair().privateKey)).toEqual({
      status: 400,
      error: 'Server.ServerProxy.InvalidSignature',
    });
    const st = await status(id);
    expect(st.json).toMatchObject({ receivedChunks: 0, nextOffset: 0 });

    // Sent properly through the node, the same transfer completes and matches.
    const done = (await upload(`${consumer.clientUrl}/transfers/${id}`, headersOf(CLIENT), 0, size, { seed: 'tamper' })) as Reply;
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ status: 'complete', fileHash: expected });
    expect(received.find((r) => r.headers[H.id] === id)).toMatchObject({ size, hash: expected });
  });

  it('keeps the verified chunks across a restart of the provider node', async () => {
    const size = 40 * MiB + 48;
    const expected = await hashOf(0, size, 'sha256', 'restart');
    const opened = await openTransfer(CLIENT, { size, hash: expected });
    const id = opened.json.transferId as string;
    // The local system sends the first 24 MiB and ends its request there (a partial upload).
    const partial = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(`${consumer.clientUrl}/transfers/${id}`, {
        method: 'PUT',
        headers: { ...headersOf(CLIENT), 'content-type': 'application/octet-stream', 'content-length': 24 * MiB },
      });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode!, error: '', json: JSON.parse(Buffer.concat(parts).toString()) as Record<string, unknown> }));
      });
      req.on('error', reject);
      void (async () => {
        for await (const piece of payload(0, 24 * MiB, 'restart')) if (!req.write(piece)) await once(req, 'drain');
        req.end();
      })();
    });
    expect(partial.status).toBe(202);
    expect(partial.json).toMatchObject({ status: 'open', receivedChunks: 3, nextOffset: 24 * MiB });
    await provider.close();
    // While the provider node is down the status query fails with the typed network error.
    expect(await status(id)).toMatchObject({ status: 502, error: 'Server.ClientProxy.NetworkError' });
    provider = await startNode(providerConfig);
    expect((await status(id)).json).toMatchObject({ receivedChunks: 3, nextOffset: 24 * MiB });
    const done = (await upload(`${consumer.clientUrl}/transfers/${id}?offset=${24 * MiB}`, headersOf(CLIENT), 24 * MiB, size, { seed: 'restart' })) as Reply;
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ status: 'complete', fileHash: expected });
    expect(received.find((r) => r.headers[H.id] === id)).toMatchObject({ size, hash: expected });
  });

  it('fails a transfer whose bytes do not match the signed whole-file hash, with a typed error', async () => {
    const size = 2 * MiB;
    const wrong = await hashOf(0, size, 'sha256', 'something else');
    const opened = await openTransfer(CLIENT, { size, hash: wrong });
    const id = opened.json.transferId as string;
    const done = (await upload(`${consumer.clientUrl}/transfers/${id}`, headersOf(CLIENT), 0, size, { seed: 'mismatch' })) as Reply;
    expect(done.status).toBe(400);
    expect(done.error).toBe('Server.ServerProxy.InvalidSignature');
    expect(received.some((r) => r.headers[H.id] === id)).toBe(false);
    const [rec] = await provider.messageLog.find(id, 'provider');
    expect(rec).toMatchObject({ outcome: 'error', response_error: 'Server.ServerProxy.InvalidSignature', request_body_hash: wrong });
    expect((await status(id)).json).toMatchObject({ status: 'failed' });
  });

  it('refuses a subsystem without an access right (typed error, logged by the provider) and bad input naming the field', async () => {
    const denied = await openTransfer(OTHER, { size: MiB, hash: '0'.repeat(64) }, '/files/x.bin', { [H.id]: 'transfer-denied-1' });
    expect(denied.status).toBe(403);
    expect(denied.error).toBe('Server.ServerProxy.AccessDenied');
    expect(denied.json).toMatchObject({ type: 'Server.ServerProxy.AccessDenied', message: expect.stringContaining('无访问权限') });
    const [rec] = await provider.messageLog.find('transfer-denied-1', 'provider');
    expect(rec).toMatchObject({ client: OTHER, outcome: 'denied' });
    // A path outside the granted endpoints is denied too.
    expect((await openTransfer(CLIENT, { size: MiB, hash: '0'.repeat(64) }, '/reports/x.bin')).error).toBe('Server.ServerProxy.AccessDenied');

    const noSize = await openTransfer(CLIENT, { hash: '0'.repeat(64) });
    expect(noSize).toMatchObject({ status: 400, error: 'Client.InvalidRequest' });
    expect(noSize.json.detail).toMatch(/^size/);
    const badHash = await openTransfer(CLIENT, { size: 10, hash: 'sm3:abc' });
    expect(badHash.status).toBe(400);
    expect(badHash.json.detail).toMatch(/^hash/);
    const tooBig = await openTransfer(CLIENT, { size: 2 * 1024 ** 4, hash: '0'.repeat(64) });
    expect(tooBig).toMatchObject({ status: 413, error: 'Client.BodyTooLarge' });
    const wrongKey = await fetch(`${consumer.clientUrl}/transfers/r1/${SERVICE}/files/a`, {
      method: 'POST',
      headers: { ...headersOf(CLIENT), 'x-api-key': 'wrong' },
      body: '{}',
    });
    expect(wrongKey.status).toBe(401);
    // Another subsystem of the same node cannot see or continue the transfer.
    const opened = await openTransfer(CLIENT, { size: MiB, hash: '0'.repeat(64) });
    expect((await status(opened.json.transferId as string, OTHER)).status).toBe(400);
  });

  it('abandons a transfer without progress for transfer.abandonAfterHours: its chunks go from disk and database, a resume gets a typed error', async () => {
    // Both nodes restart with a short setting: 3 s without progress, checked every 200 ms.
    const short = (c: NodeConfig): NodeConfig => ({ ...c, transfer: { ...c.transfer, abandonAfterHours: 3 / 3600, sweepIntervalMs: 200 } });
    await consumer.close();
    await provider.close();
    provider = await startNode(short(providerConfig));
    consumer = await startNode(short(consumerConfig));
    const size = 2 * 8 * MiB + 32;
    const chunkFile = (id: string) => path.join(provider.config.dataDir, 'transfers', `${createHash('sha256').update(id).digest('hex').slice(0, 40)}.part`);
    const providerRow = (id: string) =>
      provider.database.db.selectFrom('transfers').select('status').where('role', '=', 'provider').where('id', '=', id).executeTakeFirst();
    const chunkRows = async (id: string) =>
      (await provider.database.db.selectFrom('transfer_chunks').select('idx').where('transfer_id', '=', id).execute()).length;
    const part = (id: string, from: number, to: number, seed: string) =>
      upload(`${consumer.clientUrl}/transfers/${id}?offset=${from}`, headersOf(CLIENT), from, to, { seed }) as Promise<Reply>;

    // One transfer stops after its first chunk.
    const idle = (await openTransfer(CLIENT, { size, hash: await hashOf(0, size, 'sha256', 'idle') })).json.transferId as string;
    expect(await part(idle, 0, 8 * MiB, 'idle')).toMatchObject({ status: 202, json: { status: 'open', receivedChunks: 1 } });
    expect(fs.existsSync(chunkFile(idle))).toBe(true);
    expect(await chunkRows(idle)).toBe(1);

    // Another moves on a chunk every 1.5 s: open longer than the setting, never untouched that long.
    const movingHash = await hashOf(0, size, 'sha256', 'moving');
    const moving = (await openTransfer(CLIENT, { size, hash: movingHash })).json.transferId as string;
    expect((await part(moving, 0, 8 * MiB, 'moving')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await part(moving, 8 * MiB, 16 * MiB, 'moving')).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await part(moving, 16 * MiB, size, 'moving')).toMatchObject({ status: 200, json: { status: 'complete', fileHash: movingHash } });

    // The idle one is abandoned on both nodes: chunk file and chunk rows deleted, the row kept.
    for (let i = 0; i < 100 && (await providerRow(idle))?.status !== 'abandoned'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await providerRow(idle)).toEqual({ status: 'abandoned' });
    expect(fs.existsSync(chunkFile(idle))).toBe(false);
    expect(await chunkRows(idle)).toBe(0);
    const st = await status(idle);
    expect(st).toMatchObject({ status: 200, json: { transferId: idle, status: 'abandoned', chunks: 3 } });
    expect(st.json.detail).toMatch(/^传输 .*放弃.*\(transfer .* was abandoned/);
    expect(await consumer.database.db.selectFrom('transfers').select('status').where('id', '=', idle).executeTakeFirst()).toEqual({ status: 'abandoned' });

    // Resuming it is refused with a typed error, Chinese first, then English.
    const resumed = await part(idle, 8 * MiB, size, 'idle');
    expect(resumed).toMatchObject({ status: 400, error: 'Client.InvalidRequest', json: { type: 'Client.InvalidRequest' } });
    expect(resumed.json.detail).toMatch(/^传输 .*放弃.*\(transfer .* was abandoned .*open a new transfer\)$/);
    // A transfer opened long ago and never sent to (the previous test's) is abandoned as well.
    const leftover = await provider.database.db.selectFrom('transfers').select('status').where('role', '=', 'provider').where('status', '=', 'open').execute();
    expect(leftover).toEqual([]);
  }, 60_000);
});
