/**
 * One demo department's running parts: its backend system on a loopback port and its exchange
 * node in front of it, both from the node's folder (`node.json` from `node init`, `demo-node.json`
 * naming the backend). `zhengtong demo` runs each in its own process (`demo-node-main.ts`).
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { parseNodeConfig, startNode, type ExchangeNode } from '../exchange/index.js';
import { createRegistryAdapter } from '../registries/index.js';
import { demoEnterprises, demoRecipients, keyedJsonBackend, listenLoopback } from './demo-backends.js';
import type { DemoNodeSpec } from './demo-exchange.js';

export interface DemoNodeParts {
  node: ExchangeNode;
  backendUrl: string;
  close(): Promise<void>;
}

/** Starts the backend and then the node (told where the backend listens). */
export async function runDemoNode(dir: string): Promise<DemoNodeParts> {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'demo-node.json'), 'utf8')) as DemoNodeSpec;
  let backend: http.Server;
  if (spec.backend === 'enterprises') backend = keyedJsonBackend(demoEnterprises(), (e) => e.uscc);
  else if (spec.backend === 'recipients') backend = keyedJsonBackend(demoRecipients(), (r) => r.idNumber);
  else backend = createRegistryAdapter({ platformUrl: spec.centerUrl, apiKey: spec.platformApiKey!, registry: spec.registry ?? 'population' });
  const backendUrl = await listenLoopback(backend);
  const closeBackend = () => {
    backend.closeAllConnections();
    backend.close();
  };
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'node.json'), 'utf8')) as Record<string, unknown>;
    raw.logLevel = spec.logLevel;
    raw.centerUrl = spec.centerUrl;
    // The backend's port is drawn afresh at each start; the node is told where it is.
    raw.services = { [spec.serviceCode]: { backend: backendUrl, timeoutMs: 10_000, log: 'full' } };
    const node = await startNode(parseNodeConfig(raw, dir));
    return {
      node,
      backendUrl,
      async close() {
        closeBackend();
        await node.close();
      },
    };
  } catch (e) {
    closeBackend();
    throw e;
  }
}
