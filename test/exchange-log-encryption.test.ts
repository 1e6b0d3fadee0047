/**
 * Message bodies encrypted at rest (node.json `messageLog.encryptBodies`), end to end: a center and
 * two nodes on real sockets — the provider with the sm2 suite (SM4-CTR + HMAC-SM3), encrypting from
 * `node init`, the consumer with ed25519 (AES-256-GCM), an older node (no data key) that turns
 * encryption on at a restart. The database is read and altered directly, as a thief or an intruder
 * with database access would.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSuite, readKeyFile } from '../src/core/crypto/index.js';
import { openDatabase, type Database } from '../src/core/db/database.js';
import {
  exportEvidence,
  MessageLog,
  nodeFiles,
  parseNodeConfig,
  startNode,
  verifyArchive,
  verifyEvidence,
  type EvidenceBundle,
  type ExchangeNode,
} from '../src/exchange/index.js';
import { BodyCipher, readDataKeyFile } from '../src/exchange/node/body-encryption.js';
import { H } from '../src/exchange/protocol/messages.js';
import { makeUscc } from '../src/standards/index.js';
import { DIALECTS, type Browser, type TestPlatform } from './helpers.js';
import { NodeLeftovers, prepareNode, registerMembers, startTestCenter } from './exchange-fixture.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/main.ts')];
const PURPOSE = '低保资格核验';
/** What must never be found in a node's database once its bodies are encrypted. */
const ID_NUMBER = '350102199001011234';
const REQUEST_SECRET = '申请人住址：福州市三坊七巷 9 号';

describe.each(DIALECTS)('message bodies encrypted at rest (%s)', (dialect) => {
  let p: TestPlatform;
  let sys: Browser;
  let backend: http.Server;
  const leftovers = new NodeLeftovers();
  const raw: Record<'provider' | 'consumer', Record<string, unknown>> = {} as never;
  const nodes: Record<'provider' | 'consumer', ExchangeNode> = {} as never;
  const dbs: Record<'provider' | 'consumer', Database> = {} as never;
  let consumerKey = '';
  const PROVIDER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00320001')}`;
  const CONSUMER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00320002')}`;
  const SERVICE = `${PROVIDER}/hukou/persons`;

  const start = async (which: 'provider' | 'consumer', dir: string) => {
    nodes[which] = await startNode(parseNodeConfig(raw[which], dir));
  };
  const call = (id: string) =>
    fetch(`${nodes.consumer.clientUrl}/r1/${SERVICE}/persons`, {
      method: 'POST',
      headers: {
        [H.client]: `${CONSUMER}/welfare`,
        'x-api-key': consumerKey,
        [H.purpose]: encodeURIComponent(PURPOSE),
        [H.id]: id,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ note: REQUEST_SECRET }),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
  /** The stored rows of a message's bodies, read from the node's database directly. */
  const stored = async (which: 'provider' | 'consumer', messageId: string) =>
    (
      await sql<{ seq: number; part: string; body: Uint8Array; key_id: string | null }>`select b.seq, b.part, b.body, b.key_id
        from message_bodies b join message_log l on l.seq = b.seq where l.message_id = ${messageId} order by b.part`.execute(dbs[which].db)
    ).rows.map((r) => ({ ...r, seq: Number(r.seq), body: Buffer.from(r.body) }));
  const evidenceOf = (node: ExchangeNode, messageId: string, role: 'consumer' | 'provider', log: MessageLog = node.messageLog) =>
    exportEvidence(log, {
      nodeId: node.config.nodeId,
      messageId,
      role,
      center: node.config.center,
      globalConf: node.globalConf.held()!.signed,
      now: new Date(),
    });

  beforeAll(async () => {
    const center = await startTestCenter(dialect);
    ({ p, sys } = center);
    backend = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ name: '王五', idNumber: ID_NUMBER, echo: Buffer.concat(chunks).toString('utf8') })),
      );
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    await registerMembers(sys, [
      [PROVIDER, '测试市公安局'],
      [CONSUMER, '测试市民政局'],
    ]);
    const specs = [
      {
        which: 'provider',
        member: PROVIDER,
        subsystem: 'hukou',
        suite: 'sm2',
        encryptBodies: true,
        services: { persons: { backend: `http://127.0.0.1:${(backend.address() as AddressInfo).port}` } },
      },
      { which: 'consumer', member: CONSUMER, subsystem: 'welfare', suite: 'ed25519', encryptBodies: false },
    ] as const;
    for (const s of specs) {
      const node = await prepareNode(center, leftovers, {
        name: `enc-${s.which}`,
        memberId: s.member,
        subsystems: [s.subsystem],
        suite: s.suite,
        dialect,
        encryptBodies: s.encryptBodies,
        ...('services' in s ? { services: s.services } : {}),
      });
      const { dir } = node;
      if (s.which === 'consumer') consumerKey = node.apiKeys.welfare!;
      raw[s.which] = node.raw;
      expect(raw[s.which].messageLog).toEqual({ encryptBodies: s.encryptBodies });
      // Written back so that the CLI (`node evidence`) reads the same configuration.
      fs.writeFileSync(node.configFile, JSON.stringify(raw[s.which], null, 2));
      if (s.which === 'consumer') fs.rmSync(nodeFiles(dir).bodyKey); // a node initialised before data keys existed
      await start(s.which, dir);
      dbs[s.which] = await openDatabase(nodes[s.which].config.dbUrl);
    }
    expect((await sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${PROVIDER}/hukou`, code: 'persons', title: '户籍人口' })).statusCode).toBe(
      201,
    );
    const grant = await sys.request('POST', '/api/v1/exchange/access-rights', {
      consumer: `${CONSUMER}/welfare`,
      service: SERVICE,
      endpoints: [],
      fields: null,
      purpose: PURPOSE,
      validFrom: new Date(p.clock.now().getTime() - 60_000).toISOString(),
      validUntil: null,
    });
    expect(grant.statusCode).toBe(201);
    for (const n of Object.values(nodes)) expect(await n.pollNow()).toBe('updated');
  }, 180_000);

  afterAll(async () => {
    for (const d of Object.values(dbs)) await d.close();
    for (const n of Object.values(nodes)) await n.close();
    backend?.close();
    await p?.destroy();
    await leftovers.cleanUp();
  });

  it('creates the data key at init (0600) and, for an older node, only once encryption is turned on', async () => {
    const providerKey = nodeFiles(nodes.provider.config.dataDir).bodyKey;
    expect(fs.statSync(providerKey).mode & 0o777).toBe(0o600);
    expect(await readDataKeyFile(providerKey)).toHaveLength(32);
    expect(fs.existsSync(nodeFiles(nodes.consumer.config.dataDir).bodyKey)).toBe(false);
  });

  it('keeps plaintext bodies while encryption is off, then encrypts after a restart with it on, reading both', async () => {
    expect((await call('enc-plain-1')).status).toBe(200);
    const plain = await stored('consumer', 'enc-plain-1');
    expect(plain.map((r) => r.key_id)).toEqual([null, null]);
    expect(plain.find((r) => r.part === 'request')!.body.toString()).toContain(REQUEST_SECRET);

    const dir = nodes.consumer.config.dataDir;
    await nodes.consumer.close();
    raw.consumer.messageLog = { encryptBodies: true };
    fs.writeFileSync(path.join(dir, 'node.json'), JSON.stringify(raw.consumer, null, 2));
    await start('consumer', dir);
    const keyFile = nodeFiles(dir).bodyKey;
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await readDataKeyFile(keyFile)).toHaveLength(32);

    const r = await call('enc-1');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ idNumber: ID_NUMBER, echo: JSON.stringify({ note: REQUEST_SECRET }) });
    expect(await nodes.consumer.messageLog.readBody('consumer', 'enc-plain-1', 'request')).toEqual(Buffer.from(JSON.stringify({ note: REQUEST_SECRET })));
  });

  it('stores ciphertexts of the node suite, never the plaintext, and still answers body reads and the log size', async () => {
    for (const [which, role, format] of [
      ['consumer', 'consumer', 0x01],
      ['provider', 'provider', 0x02],
    ] as const) {
      const rows = await stored(which, 'enc-1');
      expect(rows.map((r) => r.part)).toEqual(['request', 'response']);
      for (const row of rows) {
        expect(row.key_id).toMatch(/^[0-9a-f]{16}$/);
        expect(row.body[0]).toBe(format);
        expect(row.body.includes(Buffer.from(ID_NUMBER))).toBe(false);
        expect(row.body.includes(Buffer.from(REQUEST_SECRET))).toBe(false);
        expect(row.body.includes(Buffer.from('王五'))).toBe(false);
      }
      const request = await nodes[which].messageLog.readBody(role, 'enc-1', 'request');
      const response = await nodes[which].messageLog.readBody(role, 'enc-1', 'response');
      expect(JSON.parse(request!.toString())).toEqual({ note: REQUEST_SECRET });
      expect(JSON.parse(response!.toString())).toMatchObject({ idNumber: ID_NUMBER });
      expect(await nodes[which].messageLog.size()).toMatchObject({ bodyBytes: expect.any(Number) });
      expect((await nodes[which].messageLog.size()).bodyBytes).toBeGreaterThan(request!.length + response!.length);
      expect(await nodes[which].messageLog.verifyChain()).toMatchObject({ ok: true });
    }
  });

  it('exports evidence with the decrypted bodies that verifies offline, also through the CLI', async () => {
    for (const [which, role] of [
      ['consumer', 'consumer'],
      ['provider', 'provider'],
    ] as const) {
      const bundle = (await evidenceOf(nodes[which], 'enc-1', role))!;
      expect(Buffer.from(bundle.bodies.response!, 'base64').toString()).toContain(ID_NUMBER);
      expect(verifyEvidence(bundle).checks.filter((c) => !c.ok)).toEqual([]);
      // Bodies of other messages in their place do not match the signed hashes.
      const other = (await evidenceOf(nodes[which], 'enc-plain-1', role))!;
      expect(verifyEvidence({ ...bundle, bodies: { ...bundle.bodies, request: Buffer.from('{"note":"x"}').toString('base64') } }).ok).toBe(false);
      expect(verifyEvidence(other).ok).toBe(true);
    }
    const env = { ...process.env, ZT_LOG_LEVEL: 'warn' };
    const file = path.join(nodes.provider.config.dataDir, 'evidence.json');
    await run(process.execPath, [...CLI, 'node', '--config', path.join(nodes.provider.config.dataDir, 'node.json'), 'evidence', 'enc-1', '--out', file], {
      env,
    });
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as EvidenceBundle;
    expect(Buffer.from(bundle.bodies.request!, 'base64').toString()).toContain(REQUEST_SECRET);
    expect((await run(process.execPath, [...CLI, 'verify-evidence', file], { env })).stdout).toContain('evidence valid');
  }, 120_000);

  it('refuses a changed or moved ciphertext, another key and a missing key with typed errors', async () => {
    expect((await call('enc-2')).status).toBe(200);
    const [req1, resp1] = await stored('provider', 'enc-1');
    const [, resp2] = await stored('provider', 'enc-2');
    const put = (seq: number, part: string, body: Buffer) =>
      sql`update message_bodies set body = ${body} where seq = ${seq} and part = ${part}`.execute(dbs.provider.db);
    const log = nodes.provider.messageLog;
    try {
      // One byte of the stored ciphertext changed.
      const changed = Buffer.from(resp1!.body);
      changed[20]! ^= 0x01;
      await put(resp1!.seq, 'response', changed);
      await expect(log.readBody('provider', 'enc-1', 'response')).rejects.toMatchObject({
        code: 'CRYPTO_DECRYPT_FAILED',
        message: expect.stringMatching(/^消息日志正文（序号 \d+，response）解密失败.*cannot be decrypted/),
      });
      await expect(evidenceOf(nodes.provider, 'enc-1', 'provider')).rejects.toMatchObject({ code: 'CRYPTO_DECRYPT_FAILED' });
      // Another record's intact ciphertext, or the other part of the same record, in its place.
      await put(resp1!.seq, 'response', resp2!.body);
      await expect(log.readBody('provider', 'enc-1', 'response')).rejects.toMatchObject({ code: 'CRYPTO_DECRYPT_FAILED' });
      await put(resp1!.seq, 'response', req1!.body);
      await expect(log.readBody('provider', 'enc-1', 'response')).rejects.toMatchObject({ code: 'CRYPTO_DECRYPT_FAILED' });
    } finally {
      await put(resp1!.seq, 'response', resp1!.body);
    }
    expect(JSON.parse((await log.readBody('provider', 'enc-1', 'response'))!.toString())).toMatchObject({ idNumber: ID_NUMBER });

    const config = nodes.provider.config;
    const suite = getSuite('sm2');
    const files = nodeFiles(config.dataDir);
    const wrongKey = new MessageLog(dbs.provider.db, suite, files.bodies, { bodyCipher: BodyCipher.fromDataKey(suite, randomBytes(32), config.nodeId, true) });
    await expect(wrongKey.readBody('provider', 'enc-1', 'request')).rejects.toMatchObject({
      code: 'CRYPTO_BAD_KEY',
      message: expect.stringContaining('restore'),
    });
    const noKey = new MessageLog(dbs.provider.db, suite, files.bodies);
    await expect(noKey.readBody('provider', 'enc-1', 'request')).rejects.toMatchObject({
      code: 'CRYPTO_BAD_KEY',
      message: expect.stringContaining('数据密钥'),
    });
    await expect(evidenceOf(nodes.provider, 'enc-1', 'provider', noKey)).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY' });

    // A node whose data key file went missing (or was replaced) does not start, and does not make a new key.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-enc-lost-'));
    leftovers.dirs.push(elsewhere);
    fs.mkdirSync(path.join(elsewhere, 'keys'), { mode: 0o700 });
    const moved = { ...config, dataDir: elsewhere };
    await expect(MessageLog.forNode(dbs.provider.db, suite, moved, { create: true })).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY' });
    expect(fs.existsSync(nodeFiles(elsewhere).bodyKey)).toBe(false);
    fs.writeFileSync(
      nodeFiles(elsewhere).bodyKey,
      JSON.stringify({ type: 'zhengtong-data-key', version: 1, purpose: 'message-log-bodies', key: randomBytes(32).toString('hex') }),
      { mode: 0o600 },
    );
    await expect(MessageLog.forNode(dbs.provider.db, suite, moved, { create: true })).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY' });
    // Offline commands still open the log, and name the problem per body.
    const offline = await MessageLog.forNode(dbs.provider.db, suite, moved, { create: false });
    await expect(offline.readBody('provider', 'enc-1', 'request')).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY' });
    // The node's own key file, too widely readable: refused.
    fs.copyFileSync(files.bodyKey, nodeFiles(elsewhere).bodyKey);
    fs.chmodSync(nodeFiles(elsewhere).bodyKey, 0o640);
    await expect(MessageLog.forNode(dbs.provider.db, suite, moved, { create: false })).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY' });
    fs.chmodSync(nodeFiles(elsewhere).bodyKey, 0o600);
    expect((await (await MessageLog.forNode(dbs.provider.db, suite, moved, { create: true })).readBody('provider', 'enc-1', 'request'))!.toString()).toContain(
      REQUEST_SECRET,
    );
  });

  it('archives the ciphertexts; the archive verifies without the key, and with it every body opens', async () => {
    for (const [which, format] of [
      ['provider', 0x02],
      ['consumer', 0x01],
    ] as const) {
      const node = nodes[which];
      const live = await node.messageLog.size();
      const rows = await node.archiveNow(new Date(Date.now() + 60_000));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ first_seq: live.firstSeq, last_seq: live.lastSeq });
      const fileText = fs.readFileSync(path.join(node.config.dataDir, 'archive', rows[0]!.file), 'utf8');
      const archive = JSON.parse((JSON.parse(fileText) as { archive: string }).archive) as {
        bodies: Record<string, { request?: string; response?: string; keys?: { request?: string; response?: string } }>;
        bodyEncryption?: { scheme: string; cipher: string };
        records: { seq: number; message_id: string }[];
      };
      expect(archive.bodyEncryption).toMatchObject({
        scheme: 'zhengtong-message-body/1',
        cipher: format === 0x02 ? expect.stringMatching(/^SM4/) : expect.stringMatching(/^AES/),
      });
      const seqOf = (id: string) => String(archive.records.find((r) => r.message_id === id)!.seq);
      const enc = archive.bodies[seqOf('enc-1')]!;
      expect(enc.keys).toEqual({ request: expect.stringMatching(/^[0-9a-f]{16}$/), response: expect.stringMatching(/^[0-9a-f]{16}$/) });
      expect(Buffer.from(enc.response!, 'base64')[0]).toBe(format);
      for (const id of ['enc-1', 'enc-2']) {
        for (const part of ['request', 'response'] as const) {
          const b = Buffer.from(archive.bodies[seqOf(id)]![part]!, 'base64');
          expect(b.includes(Buffer.from(ID_NUMBER)) || b.includes(Buffer.from(REQUEST_SECRET))).toBe(false);
        }
      }
      if (which === 'consumer') expect(archive.bodies[seqOf('enc-plain-1')]!.keys).toBeUndefined();
      expect(fileText).not.toContain(ID_NUMBER);

      const { suite, keyPair } = await readKeyFile(nodeFiles(node.config.dataDir).signingKey);
      const cipher = BodyCipher.fromDataKey(suite, (await readDataKeyFile(nodeFiles(node.config.dataDir).bodyKey))!, node.config.nodeId, true);
      expect(verifyArchive(fileText, keyPair.publicKey, suite)).toEqual({ ok: true, records: live.records });
      expect(verifyArchive(fileText, keyPair.publicKey, suite, undefined, cipher)).toEqual({ ok: true, records: live.records });
      const other = BodyCipher.fromDataKey(suite, randomBytes(32), node.config.nodeId, true);
      expect(verifyArchive(fileText, keyPair.publicKey, suite, undefined, other)).toMatchObject({ ok: false });
      // One byte of a ciphertext changed in the file: the signature no longer holds.
      const i = fileText.indexOf(enc.response!) + 10;
      const flipped = fileText.slice(0, i) + (fileText[i] === 'A' ? 'B' : 'A') + fileText.slice(i + 1);
      expect(verifyArchive(flipped, keyPair.publicKey, suite)).toMatchObject({ ok: false, reason: 'bad signature' });
      expect(await node.messageLog.size()).toMatchObject({ records: 0, bodyBytes: 0 });
    }
  });
});
