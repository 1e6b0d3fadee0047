/**
 * One demo department's running parts: its backend system on a loopback port and its exchange
 * node in front of it, both from the node's folder (`node.json` from `node init`, `demo-node.json`
 * naming the backend). `zhengtong demo` runs each in its own process (`demo-node-main.ts`).
 */
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { parseNodeConfig, startNode, type ExchangeNode } from '../exchange/index.js';
import {
  createRegistryAdapter,
  registryChangeEventSchema,
  startRegistryEventPublisher,
  type PublisherLog,
  type RegistryEventPublisher,
} from '../registries/index.js';
import { demoEnterprises, demoRecipients, keyedJsonBackend, listenLoopback } from './demo-backends.js';
import type { DemoNodeSpec } from './demo-exchange.js';

export interface DemoNodeParts {
  node: ExchangeNode;
  backendUrl: string;
  /** The registry's change-event publisher (registry departments). */
  events?: RegistryEventPublisher;
  close(): Promise<void>;
}

/** The registry event publisher's cursor, in the node's folder. */
export const REGISTRY_EVENTS_CURSOR = 'registry-events.cursor.json';

const LOG_LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

/** JSON lines on stderr at or above `level`, like the node's own log. */
function publisherLog(level: string, nodeId: string): PublisherLog {
  const min = LOG_LEVELS[level] ?? 30;
  return (at, msg, fields = {}) => {
    if (LOG_LEVELS[at]! >= min) process.stderr.write(JSON.stringify({ level: at, time: new Date().toISOString(), node: nodeId, msg, ...fields }) + '\n');
  };
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
    const subsystem = Object.keys(raw.subsystems as Record<string, unknown>)[0]!;
    // The registry department's node publishes the registry's change events ({registry}.changed).
    if (spec.events) raw.events = { [subsystem]: { [spec.events.eventType]: { schema: registryChangeEventSchema() } } };
    const node = await startNode(parseNodeConfig(raw, dir));
    const events = spec.events
      ? startRegistryEventPublisher({
          platformUrl: spec.centerUrl,
          apiKey: spec.platformApiKey!,
          registry: spec.registry ?? 'population',
          nodeUrl: node.clientUrl,
          publisher: `${node.config.memberId}/${subsystem}`,
          nodeApiKey: spec.events.nodeApiKey,
          eventType: spec.events.eventType,
          cursorFile: path.join(dir, REGISTRY_EVENTS_CURSOR),
          pollIntervalMs: spec.events.pollIntervalMs ?? 2000,
          log: publisherLog(spec.logLevel, node.config.nodeId),
        })
      : undefined;
    return {
      node,
      backendUrl,
      ...(events ? { events } : {}),
      async close() {
        await events?.close();
        closeBackend();
        await node.close();
      },
    };
  } catch (e) {
    closeBackend();
    throw e;
  }
}
