/**
 * Pub/sub end to end: local system → provider node (publish, stored durably) → consumer node
 * (signed batch over mutual TLS, inbox deduplicated by event id) → consumer backend (one POST per
 * event, in order), beside the same number of the same events POSTed directly to the backend with
 * the same concurrency, in the same run (STYLE.md §13). Each node is its own process
 * (`zhengtong node --config`, run through tsx), with the full message log. Everything shares this
 * machine's cores: read the ratio, not the absolute.
 *
 * Usage: npx tsx bench/exchange-pubsub.bench.ts [--events=5000] [--concurrency=16] [--suite=ed25519] [--store=database|nats://…]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Actor } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { initNode } from '../src/exchange/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { createPlatform } from '../src/platform.js';
import { makeUscc } from '../src/standards/index.js';
import { freePort, startNodeProcess } from './lib/node-process.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    suite: { type: 'string', default: 'ed25519' },
    store: { type: 'string', default: 'database' },
  },
});
const EVENTS = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const suite = values.suite as 'ed25519' | 'sm2';
const ADMIN: Actor = { type: 'staff', id: 'bench', name: 'bench', roles: ['system-admin'] };
const PURPOSE = 'benchmark';
const event = (n: number) => ({ n, name: '张三', note: 'x'.repeat(200) });

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `EVENTS` bodies with `CONCURRENCY` callers; resolves when all were answered 2xx. */
async function send(url: (n: number) => string, body: (n: number) => string, headers: (n: number) => Record<string, string>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < EVENTS; i = next++) {
        const status = await post(url(i), body(i), headers(i));
        if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
      }
    }),
  );
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-pubsub-'));
const platform = await createPlatform(
  loadConfig({}, { dataDir: dir, dbUrl: path.join(dir, 'platform.db'), keyDir: path.join(dir, 'keys'), logLevel: 'silent', checkpointIntervalMs: 0 }),
);
await platform.app.listen({ port: 0, host: '127.0.0.1' });
const centerUrl = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
let received = 0;
let onAll: () => void = () => undefined;
const backend = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(204).end();
    if (++received === EVENTS) onAll();
  });
});
await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
const children: ChildProcess[] = [];
const allReceived = () => new Promise<void>((r) => (onAll = r));

try {
  console.log(
    `pub/sub bench: ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, ${EVENTS} events, ${CONCURRENCY} publishers, ${suite}, store ${values.store}`,
  );
  // Baseline: the same events POSTed straight to the backend.
  received = 0;
  const done0 = allReceived();
  const d0 = performance.now();
  await send(
    () => `${backendUrl}/events`,
    (i) => JSON.stringify({ id: `direct-${i}`, sequence: i, eventType: 'tick', event: event(i) }),
    () => ({}),
  );
  await done0;
  const directMs = performance.now() - d0;
  console.log(`direct    ${((EVENTS / directMs) * 1000).toFixed(0).padStart(6)} events/s  (${directMs.toFixed(0)} ms)`);

  const provider = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00510001')}`;
  const consumer = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00510002')}`;
  for (const m of [provider, consumer]) await platform.exchange.createMember(ADMIN, {}, { memberClass: 'GOV', memberCode: m.split('/')[2]!, name: m });
  const make = async (name: string, member: string, subsystem: string) =>
    initNode({
      centerUrl,
      memberId: member,
      subsystems: [subsystem],
      dir: path.join(dir, name),
      suite,
      host: '127.0.0.1',
      clientPort: await freePort(),
      serverPort: await freePort(),
    });
  const p = await make('provider', provider, 'civil');
  const c = await make('consumer', consumer, 'hukou');
  for (const n of [p, c]) {
    await platform.exchange.approveRegistration({ type: 'system', roles: [] }, {}, n.nodeId);
    const raw = JSON.parse(fs.readFileSync(n.configFile, 'utf8')) as Record<string, unknown>;
    const extra = n === p ? { events: { civil: { tick: { schema: { type: 'object', required: ['n'] } } } }, pubsub: { store: values.store } } : {};
    fs.writeFileSync(n.configFile, JSON.stringify({ ...raw, logLevel: 'warn', ...extra }));
  }
  await platform.exchange.createService(ADMIN, {}, { subsystemId: `${provider}/civil`, code: 'tick', title: 'bench' });
  await platform.exchange.grantAccessRight(
    ADMIN,
    {},
    {
      consumer: `${consumer}/hukou`,
      service: `${provider}/civil/tick`,
      endpoints: [],
      fields: null,
      purpose: PURPOSE,
      validFrom: new Date(Date.now() - 60_000).toISOString(),
      validUntil: null,
    },
  );
  children.push(await startNodeProcess(p.configFile), await startNodeProcess(c.configFile));
  const clientUrl = (n: typeof p) => `http://127.0.0.1:${(JSON.parse(fs.readFileSync(n.configFile, 'utf8')) as { clientPort: number }).clientPort}`;
  const room = `/r1/${provider}/civil`;
  const sub = await post(`${clientUrl(c)}${room}/api/v1/subs/tick`, JSON.stringify({ delivery: 'PUSH', pushUrl: `${backendUrl}/events` }), {
    [H.client]: `${consumer}/hukou`,
    'x-api-key': c.apiKeys.hukou!,
    [H.purpose]: PURPOSE,
  });
  if (sub !== 201) throw new Error(`subscribe answered ${sub}`);

  received = 0;
  const done1 = allReceived();
  const t0 = performance.now();
  await send(
    () => `${clientUrl(p)}${room}/pub/v1/tick`,
    (i) => JSON.stringify({ event: event(i) }),
    () => ({ [H.client]: `${provider}/civil`, 'x-api-key': p.apiKeys.civil! }),
  );
  const publishedMs = performance.now() - t0;
  await done1;
  const mediatedMs = performance.now() - t0;
  console.log(`published ${((EVENTS / publishedMs) * 1000).toFixed(0).padStart(6)} events/s  (${publishedMs.toFixed(0)} ms: stored by the provider node)`);
  console.log(`mediated  ${((EVENTS / mediatedMs) * 1000).toFixed(0).padStart(6)} events/s  (${mediatedMs.toFixed(0)} ms: at the consumer backend)`);
  console.log(`ratio     ${((directMs / mediatedMs) * 100).toFixed(1)}% of direct`);
} finally {
  for (const ch of children) ch.kill('SIGTERM');
  agent.destroy();
  backend.close();
  await platform.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
