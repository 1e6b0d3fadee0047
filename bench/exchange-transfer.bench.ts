/**
 * File transfer throughput: a local system → consumer node → provider node → backend, moving one
 * large file (default 1 GiB) in chunks (hashed, signed, written to the provider's disk, the whole
 * file hashed again from disk, then streamed to the backend), beside the same bytes streamed
 * directly over one HTTPS connection to a server that hashes them, in the same run (STYLE.md §13).
 * Each node is its own process (`zhengtong node --config`, run through tsx); their peak resident
 * memory (VmHWM) is read from /proc while and after moving the file. The payload is a
 * deterministic AES-CTR keystream generated as a stream: no file of its size exists on the sender.
 * Everything shares this machine's cores: read the ratio, not the absolute.
 *
 * Usage: npx tsx bench/exchange-transfer.bench.ts [--size-mb=1024] [--suite=ed25519|sm2] [--chunk-mb=8]
 */
import type { ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Actor } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { initNode, nodeFiles } from '../src/exchange/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { createPlatform } from '../src/platform.js';
import { makeUscc } from '../src/standards/index.js';
import { freePort, startNodeProcess } from './lib/node-process.js';

const { values } = parseArgs({
  options: {
    'size-mb': { type: 'string', default: '1024' },
    'chunk-mb': { type: 'string', default: '8' },
    suite: { type: 'string', default: 'ed25519' },
  },
});
const MiB = 1024 * 1024;
const size = Number(values['size-mb']) * MiB;
const chunkBytes = Number(values['chunk-mb']) * MiB;
const suite = values.suite as 'ed25519' | 'sm2';
const hashName = suite === 'sm2' ? 'sm3' : 'sha256';
const ADMIN: Actor = { type: 'staff', id: 'bench', name: 'bench', roles: ['system-admin'] };
const PURPOSE = 'benchmark';

async function* payload(total: number): AsyncGenerator<Buffer> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  for (let at = 0; at < total; at += MiB) yield cipher.update(at + MiB <= total ? zeros : zeros.subarray(0, total - at));
}

/** Streams the payload as the body of `request`; resolves with the response status and body. */
async function send(request: http.ClientRequest): Promise<{ status: number; body: string }> {
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    request.on('error', reject);
  });
  for await (const piece of payload(size)) if (!request.write(piece)) await once(request, 'drain');
  request.end();
  return answer;
}

/** Resident memory of a process now and at its peak (VmRSS, VmHWM), in MiB, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const mbps = (ms: number) => size / MiB / (ms / 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-transfer-'));
const platform = await createPlatform(
  loadConfig({}, { dataDir: dir, dbUrl: path.join(dir, 'platform.db'), keyDir: path.join(dir, 'keys'), logLevel: 'silent', checkpointIntervalMs: 0 }),
);
await platform.app.listen({ port: 0, host: '127.0.0.1' });
const centerUrl = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
// The backend hashes what it receives, as the direct server does.
const backend = http.createServer((req, res) => {
  const h = createHash(hashName);
  req.on('data', (d: Buffer) => h.update(d));
  req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ hash: h.digest('hex') })));
});
await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
const children: ChildProcess[] = [];
let direct: https.Server | undefined;

try {
  console.log(
    `transfer bench: ${os.cpus().length} cores (${os.cpus()[0]?.model}), load average ${os.loadavg()[0]!.toFixed(1)}, ${size / MiB} MiB, ${suite}, chunks of ${chunkBytes / MiB} MiB`,
  );
  const provider = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00610001')}`;
  const consumer = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00610002')}`;
  for (const m of [provider, consumer]) await platform.exchange.createMember(ADMIN, {}, { memberClass: 'GOV', memberCode: m.split('/')[2]!, name: m });
  const make = async (name: string, member: string, subsystem: string, services = {}) =>
    initNode({
      centerUrl,
      memberId: member,
      subsystems: [subsystem],
      dir: path.join(dir, name),
      suite,
      host: '127.0.0.1',
      clientPort: await freePort(),
      serverPort: await freePort(),
      services,
    });
  const p = await make('provider', provider, 'archive', {
    files: { backend: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`, timeoutMs: 600_000 },
  });
  const c = await make('consumer', consumer, 'registry');
  for (const n of [p, c]) {
    await platform.exchange.approveRegistration({ type: 'system', roles: [] }, {}, n.nodeId);
    const raw = JSON.parse(fs.readFileSync(n.configFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(n.configFile, JSON.stringify({ ...raw, logLevel: 'warn', transfer: { chunkBytes } }));
  }
  await platform.exchange.createService(ADMIN, {}, { subsystemId: `${provider}/archive`, code: 'files', title: 'bench' });
  await platform.exchange.grantAccessRight(
    ADMIN,
    {},
    {
      consumer: `${consumer}/registry`,
      service: `${provider}/archive/files`,
      endpoints: [{ method: 'POST', path: '/files/*' }],
      fields: null,
      purpose: PURPOSE,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validUntil: null,
    },
  );
  children.push(await startNodeProcess(p.configFile), await startNodeProcess(c.configFile));
  const [providerProc, consumerProc] = children as [ChildProcess, ChildProcess];
  const consumerPort = (JSON.parse(fs.readFileSync(c.configFile, 'utf8')) as { clientPort: number }).clientPort;

  // Direct: the same bytes over one HTTPS connection (the provider node's certificate) to a server that hashes them.
  const files = nodeFiles(path.join(dir, 'provider'));
  direct = https.createServer({ key: fs.readFileSync(files.tlsKey), cert: fs.readFileSync(files.tlsCert) }, (req, res) => {
    const h = createHash(hashName);
    req.on('data', (d: Buffer) => h.update(d));
    req.on('end', () => res.writeHead(201).end(h.digest('hex')));
  });
  await new Promise<void>((r) => direct!.listen(0, '127.0.0.1', r));
  const t0 = performance.now();
  const d = await send(
    https.request({
      host: '127.0.0.1',
      port: (direct.address() as AddressInfo).port,
      method: 'PUT',
      path: '/',
      rejectUnauthorized: false,
      headers: { 'content-length': size },
    }),
  );
  const directMs = performance.now() - t0;
  console.log(`direct    one HTTPS stream             ${mbps(directMs).toFixed(0).padStart(5)} MB/s  (${(directMs / 1000).toFixed(1)} s)`);

  // The sender knows its file's hash before sending (not timed).
  const h = createHash(hashName);
  for await (const piece of payload(size)) h.update(piece);
  const fileHash = h.digest('hex');
  const headers = { [H.client]: `${consumer}/registry`, 'x-api-key': c.apiKeys.registry!, [H.purpose]: PURPOSE };
  const opened = await fetch(`http://127.0.0.1:${consumerPort}/transfers/r1/${provider}/archive/files/files/bench.bin`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ size, hash: fileHash }),
  });
  const { transferId } = (await opened.json()) as { transferId: string };
  // Resets the peak (VmHWM) to the current RSS, so the peak read after is the one while moving the file.
  for (const ch of children) fs.writeFileSync(`/proc/${ch.pid}/clear_refs`, '5');
  const before = [memoryOf(providerProc.pid!), memoryOf(consumerProc.pid!)];
  const t1 = performance.now();
  const m = await send(
    http.request({
      host: '127.0.0.1',
      port: consumerPort,
      method: 'PUT',
      path: `/transfers/${transferId}`,
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': size },
    }),
  );
  const mediatedMs = performance.now() - t1;
  const after = [memoryOf(providerProc.pid!), memoryOf(consumerProc.pid!)];
  const result = JSON.parse(m.body) as { status?: string; fileHash?: string };
  if (m.status !== 200 || result.fileHash !== fileHash || d.body !== fileHash) throw new Error(`transfer failed: ${m.status} ${m.body}`);
  console.log(
    `mediated  consumer node → provider node ${mbps(mediatedMs).toFixed(0).padStart(5)} MB/s  (${(mediatedMs / 1000).toFixed(1)} s, whole-file check from disk and delivery to the backend included)`,
  );
  console.log(`          ratio ${((directMs / mediatedMs) * 100).toFixed(1)}% of direct`);
  for (const [i, name] of ['provider node', 'consumer node'].entries())
    console.log(
      `          ${name.padEnd(14)} RSS ${before[i]!.rss.toFixed(0)} MiB before, ${after[i]!.rss.toFixed(0)} MiB after; peak while moving the file ${after[i]!.peak.toFixed(0)} MiB`,
    );
} finally {
  for (const ch of children) ch.kill('SIGTERM');
  direct?.close();
  backend.close();
  await platform.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
