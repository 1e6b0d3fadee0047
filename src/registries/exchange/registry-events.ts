/**
 * A registry's change events (变更通知): the registry department's node publishes one event per
 * entry of the registry's append-only log, as the pub/sub event type `{registry}.changed` of the
 * department's subsystem, so other departments subscribe instead of polling.
 *
 * An event says which record changed, which attributes, by which source department, when, and the
 * entry's number and Merkle leaf hash — never a value. Values stay behind the lookup and history
 * services, where the node applies the consumer's granted fields and the platform records the
 * access in the consumer's name; a subscriber fetches what it is allowed to see there and can
 * match the history entry (`seq`, `leafHash`) and prove it in the registry's signed log.
 *
 * The publisher is a loop beside the node: it reads new entries from the platform
 * (`GET /api/v1/registries/{registry}/exchange/changes?after=…`, the registry department's service
 * credential) and publishes each on the node's client side with X-Road-Id `{registry}-{seq}`, so
 * a repeat after a crash is a duplicate the node stores once. The position is kept in a cursor
 * file written atomically after each published batch.
 */
import fs from 'node:fs';
import { Type, type Static } from 'typebox';
import { writeFileAtomic } from '../../core/crypto/atomic-write.js';
import { StrictObject, StringEnum } from '../../core/http/schema-helpers.js';

/** One registry change as published (and as the platform's change feed lists it). */
export const RegistryChangeSchema = StrictObject(
  {
    registry: Type.String({ minLength: 1, maxLength: 40 }),
    recordKey: Type.String({ minLength: 1, maxLength: 40, description: '记录键（人口库为公民身份号码）/ the record key' }),
    seq: Type.Integer({ minimum: 1, description: '该库变更日志中的条目序号 / the entry number in the registry log' }),
    occurredAt: Type.String({ minLength: 1 }),
    change: StringEnum(['create', 'update'] as const),
    attributes: Type.Array(Type.String({ maxLength: 60 }), {
      minItems: 1,
      description: '变更的属性名（不含取值）/ names of the changed attributes, no values',
    }),
    sources: Type.Array(
      StrictObject({
        source: Type.String({ maxLength: 40 }),
        orgUscc: Type.Union([Type.String(), Type.Null()]),
        orgName: Type.Union([Type.String(), Type.Null()]),
      }),
      { description: '写入的来源部门 / the source departments that wrote the entry' },
    ),
    leafHash: Type.String({ pattern: '^[0-9a-f]{16,128}$', description: '条目的默克尔叶哈希 / the entry’s Merkle leaf hash' }),
  },
  { title: 'RegistryChange' },
);
export type RegistryChange = Static<typeof RegistryChangeSchema>;

/** The platform's change feed page: entries after the asked position, and the log's size now. */
export const RegistryChangePageSchema = Type.Object({ items: Type.Array(RegistryChangeSchema), head: Type.Integer() });
export type RegistryChangePage = Static<typeof RegistryChangePageSchema>;

/** The pub/sub event type of a registry's changes. */
export const registryEventType = (registry: string) => `${registry}.changed`;

/** The JSON schema a node declares the event type with (`node.json` `events`): plain JSON, no TypeBox markers. */
export function registryChangeEventSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(RegistryChangeSchema)) as Record<string, unknown>;
}

/** The X-Road-Id of an entry's event: the same on every attempt, so the node keeps it once. */
export const registryEventId = (registry: string, seq: number) => `${registry}-${seq}`;

export type PublisherLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface RegistryEventPublisherOptions {
  /** The platform's base URL. */
  platformUrl: string;
  /** The registry department's service credential on the platform (as the registry adapter's). */
  apiKey: string;
  registry: string;
  /** The node's client side base URL. */
  nodeUrl: string;
  /** The publishing subsystem (the room): INSTANCE/CLASS/MEMBER/SUBSYSTEM of the registry department. */
  publisher: string;
  /** The subsystem's API key on the node. */
  nodeApiKey: string;
  /** Default `{registry}.changed`. */
  eventType?: string;
  /** Where the position is kept (in the node's data folder). */
  cursorFile: string;
  /** Pause between polls when there is nothing new. */
  pollIntervalMs?: number;
  /** Entries read and published per round. */
  batchSize?: number;
  /** First pause after a failure (doubling on each further one up to `maxBackoffMs`). */
  retryInitialMs?: number;
  maxBackoffMs?: number;
  /** Without a cursor file: publish the log from its first entry, or only what comes after now (default). */
  startAt?: 'beginning' | 'now';
  /** Timeout of each HTTP call. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  log?: PublisherLog;
}

export interface RegistryEventPublisherStatus {
  /** The last entry published (null until the cursor is known). */
  cursor: number | null;
  /** Events the node stored new, and repeats it recognised. */
  published: number;
  duplicates: number;
  /** Failures in a row (0 when the last round went through). */
  failures: number;
  lastError: string | null;
}

export interface RegistryEventPublisher {
  status(): RegistryEventPublisherStatus;
  /** Stops after the call in flight; resolves when the loop has ended. */
  close(): Promise<void>;
}

interface Cursor {
  registry: string;
  eventType: string;
  seq: number;
}

class CallFailed extends Error {
  constructor(
    readonly side: 'platform' | 'node',
    readonly status: number,
    detail: string,
  ) {
    super(`${side} answered ${status}${detail ? `: ${detail}` : ''}`);
  }
}

/** A short, secret-free description of an error answer (its code or X-Road type and message). */
async function describeAnswer(r: Response): Promise<string> {
  try {
    const body = (await r.json()) as { error?: { code?: string; message?: string }; type?: string; message?: string; detail?: string };
    if (body.error) return `${body.error.code ?? ''} ${body.error.message ?? ''}`.trim().slice(0, 300);
    return `${body.type ?? ''} ${body.detail ?? body.message ?? ''}`.trim().slice(0, 300);
  } catch {
    return '';
  }
}

function readCursor(file: string, registry: string, eventType: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const c = JSON.parse(text) as Partial<Cursor>;
  if (c.registry !== registry || c.eventType !== eventType || !Number.isInteger(c.seq) || c.seq! < 0)
    throw new Error(`游标文件 ${file} 不属于 ${registry}/${eventType} 或已损坏 (the cursor file belongs elsewhere or is damaged)`);
  return c.seq;
}

/** JSON lines on stderr, like the node's own log. */
const stderrLog: PublisherLog = (level, msg, fields = {}) =>
  process.stderr.write(JSON.stringify({ level, time: new Date().toISOString(), component: 'registry-events', msg, ...fields }) + '\n');

/**
 * Starts the loop that publishes a registry's changes on its department's node. Each entry is
 * published at least once and, because its X-Road-Id is fixed, stored once by the node; entries
 * go out in log order. When the platform or the node does not answer (or refuses), the loop
 * pauses with growing back-off and tries the same entry again — it never skips one.
 *
 * @example
 * const events = startRegistryEventPublisher({ platformUrl, apiKey, registry: 'population',
 *   nodeUrl: node.clientUrl, publisher: 'CN-DEMO/GOV/…/population', nodeApiKey, cursorFile: path.join(dir, 'registry-events.cursor.json') });
 */
export function startRegistryEventPublisher(options: RegistryEventPublisherOptions): RegistryEventPublisher {
  const { registry, publisher } = options;
  const eventType = options.eventType ?? registryEventType(registry);
  const pollMs = options.pollIntervalMs ?? 2000;
  const batch = options.batchSize ?? 100;
  const retryMs = options.retryInitialMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 60_000;
  const timeoutMs = options.requestTimeoutMs ?? 15_000;
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? stderrLog;
  const feed = `${options.platformUrl.replace(/\/$/, '')}/api/v1/registries/${encodeURIComponent(registry)}/exchange/changes`;
  const pubUrl = `${options.nodeUrl.replace(/\/$/, '')}/r1/${publisher}/pub/v1/${eventType}`;

  const state: RegistryEventPublisherStatus = { cursor: null, published: 0, duplicates: 0, failures: 0, lastError: null };
  const stop = new AbortController();
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  const signal = () => AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]);

  const saveCursor = async (seq: number) => {
    await writeFileAtomic(options.cursorFile, JSON.stringify({ registry, eventType, seq } satisfies Cursor) + '\n', 0o600, true);
    state.cursor = seq;
  };

  const readPage = async (after: number, limit: number): Promise<RegistryChangePage> => {
    const r = await doFetch(`${feed}?after=${after}&limit=${limit}`, {
      headers: { 'x-api-key': options.apiKey, accept: 'application/json' },
      signal: signal(),
    });
    if (!r.ok) throw new CallFailed('platform', r.status, await describeAnswer(r));
    return (await r.json()) as RegistryChangePage;
  };

  const publish = async (change: RegistryChange): Promise<boolean> => {
    const r = await doFetch(pubUrl, {
      method: 'POST',
      headers: {
        'x-road-client': publisher,
        'x-api-key': options.nodeApiKey,
        'x-road-id': registryEventId(registry, change.seq),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ eventType, event: change }),
      signal: signal(),
    });
    if (r.status !== 201 && r.status !== 200) throw new CallFailed('node', r.status, await describeAnswer(r));
    return ((await r.json()) as { duplicate?: boolean }).duplicate === true;
  };

  /** One round: publishes up to a batch; true when more may be waiting. */
  const round = async (): Promise<boolean> => {
    let cursor = state.cursor ?? readCursor(options.cursorFile, registry, eventType);
    if (cursor === undefined) {
      cursor = options.startAt === 'beginning' ? 0 : (await readPage(0, 0)).head; // the head only: no entry leaves
      await saveCursor(cursor);
      log('info', 'registry events: starting', { registry, eventType, from: cursor });
    }
    state.cursor = cursor;
    const page = await readPage(cursor, batch);
    let done = cursor;
    try {
      for (const change of page.items) {
        if (stop.signal.aborted) break;
        if (change.seq <= done) continue;
        if (await publish(change)) state.duplicates++;
        else state.published++;
        done = change.seq;
      }
    } finally {
      if (done !== cursor) await saveCursor(done);
    }
    return page.items.length >= batch;
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      let more = false;
      try {
        more = await round();
        if (state.failures > 0) log('info', 'registry events: publishing again', { registry, after: state.failures });
        state.failures = 0;
        state.lastError = null;
      } catch (e) {
        if (stop.signal.aborted) break;
        state.failures++;
        state.lastError = e instanceof CallFailed ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
        const pause = Math.min(maxBackoff, retryMs * 2 ** Math.min(state.failures - 1, 20));
        // The first failure and then every tenth: a long outage does not flood the log.
        if (state.failures === 1 || state.failures % 10 === 0)
          log('warn', 'registry events: not published, will retry', { registry, failures: state.failures, retryInMs: pause, error: state.lastError });
        await sleep(pause);
        continue;
      }
      if (!more) await sleep(pollMs);
    }
  })();

  return {
    status: () => ({ ...state }),
    async close() {
      stop.abort();
      wake?.();
      await loop;
    },
  };
}
