/**
 * One demo department as its own process (started by `zhengtong demo`): the department's backend
 * system on a loopback port and its exchange node in front of it. Usage:
 * `node demo-node-main.js <node folder>`; the folder holds `node.json` (from `node init`) and
 * `demo-node.json` (which backend to run). Prints one JSON line `{"ready":…}` once listening and
 * stops on SIGINT/SIGTERM or when its parent closes stdin (so it never outlives the demo).
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { parseNodeConfig, startNode } from '../exchange/index.js';
import { demoEnterprises, demoRecipients, keyedJsonBackend, listenLoopback } from './demo-backends.js';
import type { DemoNodeSpec } from './demo-exchange.js';

async function main(dir: string): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'demo-node.json'), 'utf8')) as DemoNodeSpec;
  let backend: http.Server | undefined;
  if (spec.backend === 'enterprises') backend = keyedJsonBackend(demoEnterprises(), (e) => e.uscc);
  else if (spec.backend === 'recipients') backend = keyedJsonBackend(demoRecipients(), (r) => r.idNumber);
  const backendUrl = backend ? await listenLoopback(backend) : null;

  const raw = JSON.parse(fs.readFileSync(path.join(dir, 'node.json'), 'utf8')) as Record<string, unknown>;
  raw.logLevel = spec.logLevel;
  raw.centerUrl = spec.centerUrl;
  // The backend's port is drawn afresh at each start; the node is told where it is.
  if (backendUrl && spec.serviceCode) raw.services = { [spec.serviceCode]: { backend: backendUrl, timeoutMs: 10_000, log: 'full' } };
  const node = await startNode(parseNodeConfig(raw, dir));
  process.stdout.write(JSON.stringify({ ready: true, key: spec.key, clientUrl: node.clientUrl, serverUrl: node.serverUrl, backendUrl }) + '\n');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    backend?.closeAllConnections();
    backend?.close();
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop).on('close', stop).resume();
}

main(path.resolve(process.argv[2] ?? '.')).catch((e: unknown) => {
  process.stderr.write(`demo node failed: ${(e as Error).message}\n`);
  process.exit(1);
});
