import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../../core/clock.js';
import { getSuite, type CryptoSuite } from '../../core/crypto/index.js';
import { tablesOf, type Db } from '../../core/db/database.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { findAccessRight } from '../protocol/access-check.js';
import type { ConfNode } from '../protocol/globalconf.js';
import { parseSubsystemId } from '../protocol/identifiers.js';
import { canonicalRequest, canonicalResponse, H, MESSAGE_ID, requestHash, type RequestEnvelope, type ResponseEnvelope } from '../protocol/messages.js';
import { XRoadError, type XRoadErrorType } from '../protocol/xroad-errors.js';
import type { GlobalConfHolder } from '../node/globalconf-client.js';
import { checkFreeText, header, readBody } from '../node/http-util.js';
import { outcomeOf, requestFields, type MessageLog } from '../node/message-log.js';
import type { NodeConfig } from '../node/node-config.js';
import type { NodeLogger } from '../node/node-logger.js';
import type { SignedCall } from '../node/signed-call.js';
import { openEventStore, Signal, type EventReader, type EventStore, type StoredEvent } from './event-store.js';

/** What the node gives its pub/sub part: identity, keys, configuration, database and the signed transport. */
export interface PubSubContext {
  config: NodeConfig;
  db: Db;
  clock: Clock;
  log: NodeLogger;
  suite: CryptoSuite;
  globalConf: GlobalConfHolder;
  messageLog: MessageLog;
  sign(data: Buffer): Promise<string>;
  verifyBy(node: ConfNode, data: Buffer, signature: string): boolean;
  apiKeyOk(subsystemCode: string, key: string): boolean;
  /** The registered node whose certificate opened this TLS connection. */
  peerNode(req: http.IncomingMessage): ConfNode | undefined;
  /** Sends a signed message to another node and returns its verified answer, logged (see createSignedCall). */
  signedCall: SignedCall;
}

/** The pub/sub part of a running node. */
export interface PubSub {
  store: EventStore;
  /** Handles `/r1/…/{pub|api|pull}/v1/…` on the client side; false when the path is not pub/sub. */
  handleClient(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  /** Handles subscriptions and event deliveries from other nodes on the server side; false when not pub/sub. */
  handleServer(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  /** Events waiting: published but not acknowledged by a subscriber node, received but not yet taken by the local system. */
  depth(): Promise<{ outgoing: number; incoming: number }>;
  /**
   * Deletes the published events every subscriber acknowledged, and the received events the backend
   * or local system has taken, that are older than `pubsub.retainDays` (also run every `pubsub.retentionIntervalMs`).
   */
  pruneNow(): Promise<RetentionStatus>;
  /** What retention has done since the node started. */
  retention(): RetentionStatus;
  close(): Promise<void>;
}

/** `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/{pub|api|pull|push}/v1/…`: the GovStack pub/sub paths of a room (the publishing subsystem). */
const PUBSUB_ROUTE = /^\/r1\/([^/?]+)\/([^/?]+)\/([^/?]+)\/([^/?]+)\/(pub|api|pull|push)\/v1\/([^?]*)$/;
const EVENT_TYPE = /^[A-Za-z0-9._-]{1,100}$/;

/** Whether a client- or server-side path belongs to pub/sub. */
export function isPubSubPath(url: string): boolean {
  const q = url.indexOf('?');
  return PUBSUB_ROUTE.test(q < 0 ? url : url.slice(0, q));
}

interface SubscriptionRow {
  id: string;
  service: string;
  consumer: string;
  consumer_node: string;
  purpose: string;
  cursor_seq: number;
  created_at: string;
}
interface LocalSubscriptionRow {
  id: string;
  service: string;
  client: string;
  delivery: 'PUSH' | 'PULL';
  push_url: string;
  provider_node: string;
  delivered_seq: number;
  created_at: string;
}
interface InboxRow {
  seq: number;
  subscription_id: string;
  event_id: string;
  sequence: number;
  service: string;
  publisher: string;
  payload: string;
  published_at: string;
  received_at: string;
}
interface PubSubTables {
  pubsub_subscriptions: SubscriptionRow;
  pubsub_local_subscriptions: LocalSubscriptionRow;
  pubsub_inbox: InboxRow;
}

/** Retention of published events since the node started: deleted in total, kept after the last run. */
export interface RetentionStatus {
  retainDays: number;
  lastRunAt: string | null;
  deleted: number;
  kept: number | null;
  /** Received events deleted from the inbox after delivery (consumer side). */
  inboxDeleted: number;
}

/** An event as GovStack's `EventItem`, with our publishing time. */
export interface EventItem {
  id: string;
  sequence: number;
  eventType: string;
  publisherId: { instanceId: string; memberClass: string; memberCode: string; applicationCode: string };
  publishedAt: string;
  event: unknown;
}

function publisherId(subsystem: string): EventItem['publisherId'] {
  const s = parseSubsystemId(subsystem);
  return { instanceId: s?.instance ?? '', memberClass: s?.memberClass ?? '', memberCode: s?.memberCode ?? '', applicationCode: s?.subsystem ?? '' };
}

function eventItem(e: { id: string; seq: number; service: string; publisher: string; payload: string; publishedAt: string }): EventItem {
  return {
    id: e.id,
    sequence: e.seq,
    eventType: e.service.slice(e.service.lastIndexOf('/') + 1),
    publisherId: publisherId(e.publisher),
    publishedAt: e.publishedAt,
    event: JSON.parse(e.payload) as unknown,
  };
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...extra }).end(body);
}

/** A pub/sub answer that is not an exchange failure, bilingual like the typed errors. */
function notice(type: string, zh: string, en: string, detail?: string) {
  return { type, message: zh, messageEn: en, detail: detail ?? null };
}

/** Answers that are not exchange failures (nothing to pull, acknowledging out of order, no such subscription). */
function sendNotice(res: http.ServerResponse, status: number, type: string, zh: string, en: string, detail?: string): void {
  sendJson(res, status, notice(type, zh, en, detail));
}

const unknownSubscription = (detail: string) => notice('UnknownSubscription', '没有该订阅', 'No such subscription', detail);

async function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  const body = await readBody(req, max, 'Client.BodyTooLarge');
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new XRoadError('Client.InvalidRequest', 'the body is not JSON');
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Publish/subscribe between nodes, following the GovStack Information Mediator pub/sub API where
 * it fits. An event type is a service of the publishing subsystem (the "room") declared with its
 * JSON schema in the provider node's `events`; it is registered at the center like any service,
 * and a consumer subsystem with an access right on it may subscribe (the right's purpose is the
 * one given with X-Road-Purpose when subscribing; the right is checked again before every delivery).
 *
 * - Local systems publish on their own node: `POST /r1/ROOM/pub/v1/{eventType}` with
 *   `{ event }` (GovStack `PublishEvent`; X-Road-Id, when given, becomes the event id and makes a
 *   repeated publish harmless). The node stores the event durably before answering 201 `{ id }`.
 * - Local systems subscribe on their own node: `POST /r1/ROOM/api/v1/subs/{eventType}` with
 *   `{ delivery: PUSH|PULL, pushUrl }`; the node asks the provider node (signed, over mutual TLS).
 *   `GET /r1/ROOM/api/v1/subs` lists them; `DELETE /r1/ROOM/api/v1/subs/{eventType}` unsubscribes
 *   (the provider node is told, signed, and stops delivering and keeping events for it). Pull: `GET /r1/ROOM/pull/v1/{eventType}` gives the next
 *   unacknowledged event, `DELETE /r1/ROOM/pull/v1/{eventType}/{eventId}` acknowledges it.
 * - The provider node delivers batches in order to each subscriber node (`POST
 *   /r1/ROOM/push/v1/{eventType}` on its server side, signed like messages and logged in both
 *   message logs) until acknowledged, retrying with exponential back-off: at least once. The
 *   subscriber node keeps each event id once per subscription, so its backend (one POST per event,
 *   in order, retried with back-off) or its local system (pull) sees each event once and in order.
 */
export async function startPubSub(ctx: PubSubContext): Promise<PubSub> {
  const { config, db, clock, log } = ctx;
  const self = config.nodeId;
  const q = tablesOf<PubSubTables>(db);
  const store = await openEventStore(config.pubsub.store, db, self, config.pubsub.retainDays);
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validators = new Map<string, ValidateFunction>();
  for (const [subsystem, types] of Object.entries(config.events)) {
    for (const [type, { schema }] of Object.entries(types)) validators.set(`${subsystem}/${type}`, ajv.compile(schema));
  }
  let closed = false;
  const inboxSignal = new Signal();
  /** The delivery (`d:` subscription id) and push (`p:` local subscription id) loops, each stoppable on its own. */
  const loops = new Map<string, { done: Promise<void>; stop(): void }>();
  /**
   * Runs `body` as the loop `key` (once: a second start while it runs is ignored) until the node
   * closes or `stopLoop(key)`; `ctl.sleep` returns early when the loop is stopped.
   */
  const runLoop = (key: string, body: (ctl: { active(): boolean; sleep(ms: number): Promise<void> }) => Promise<void>) => {
    if (loops.has(key)) return;
    const wake = new Signal();
    let stopped = false;
    const entry = {
      done: Promise.resolve(),
      stop() {
        stopped = true;
        wake.notify();
      },
    };
    loops.set(key, entry);
    entry.done = body({ active: () => !closed && !stopped, sleep: (ms) => wake.wait(ms) }).finally(() => {
      if (loops.get(key) === entry) loops.delete(key);
    });
  };
  /** Stops the loop `key` and waits until it has ended (its current step finishes first). */
  const stopLoop = async (key: string): Promise<void> => {
    const entry = loops.get(key);
    if (!entry) return;
    entry.stop();
    inboxSignal.notify();
    await entry.done;
  };
  const backoff = (attempt: number) => Math.min(config.pubsub.retryMaxMs, config.pubsub.retryInitialMs * 2 ** Math.min(attempt, 20));

  // ── signed messages between nodes ─────────────────────────────────────────────────────────
  /** Sends a signed JSON request to another node (checked and logged by `ctx.signedCall`) and reads its JSON answer. */
  const callJson = async (
    node: ConfNode,
    message: { method?: 'POST' | 'DELETE'; path: string; client: string; service: string; purpose: string; body: unknown },
  ): Promise<{ status: number; error: string; json: unknown }> => {
    const answer = await ctx.signedCall(
      node,
      {
        method: message.method ?? 'POST',
        path: message.path,
        messageId: randomUUID(),
        client: message.client,
        service: message.service,
        userId: '',
        issue: '',
        purpose: message.purpose,
        contentType: 'application/json',
      },
      Buffer.from(JSON.stringify(message.body)),
    );
    // Pub/sub answers are small JSON: one spooled to disk (larger than the node's spool threshold) is not read.
    const bytes = answer.body.spooled ? undefined : answer.body.bytes();
    await answer.body.dispose();
    let json: unknown = null;
    try {
      json = bytes ? JSON.parse(bytes.toString('utf8')) : null;
    } catch {
      json = null;
    }
    return { status: answer.response.status, error: answer.response.error, json };
  };

  /**
   * Serves a signed request from another node: checks the sender's certificate, signature, body
   * hash, time window, recipient and message id, runs `handle`, then signs, logs (role provider)
   * and sends the answer.
   */
  const serveSigned = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    handle: (env: RequestEnvelope, peer: ConfNode, body: Buffer) => Promise<{ status: number; value: unknown }>,
  ): Promise<void> => {
    const started = clock.now();
    let peer: ConfNode | undefined;
    let env: RequestEnvelope | undefined;
    let reqHash = '';
    let body: Buffer = Buffer.alloc(0);
    const answer = async (status: number, payload: Buffer, error: XRoadErrorType | '') => {
      const respEnv: ResponseEnvelope = {
        messageId: env?.messageId ?? header(req.headers, H.id),
        requestHash: reqHash,
        status,
        contentType: 'application/json; charset=utf-8',
        error,
        timestamp: clock.now().toISOString(),
        sender: self,
        recipient: peer?.id ?? '',
        bodyHash: ctx.suite.hash(payload).toString('hex'),
      };
      const signature = await ctx.sign(canonicalResponse(respEnv));
      if (env && peer) {
        await ctx.messageLog.append(
          {
            ...requestFields(env, reqHash, header(req.headers, H.signature), 'provider', peer.id, self),
            response_timestamp: respEnv.timestamp,
            response_status: status,
            response_content_type: respEnv.contentType,
            response_error: error,
            response_body_hash: respEnv.bodyHash,
            response_signature: signature,
            outcome: outcomeOf(error, status),
            bodies: 'full',
            started_at: started.toISOString(),
            ended_at: clock.now().toISOString(),
          },
          { request: body, response: payload },
        );
      }
      const headers: Record<string, string | number> = {
        [H.id]: respEnv.messageId,
        [H.requestHash]: reqHash,
        [H.timestamp]: respEnv.timestamp,
        [H.bodyHash]: respEnv.bodyHash,
        [H.signature]: signature,
        'content-type': respEnv.contentType,
        'content-length': payload.length,
      };
      if (error) res.setHeader(H.error, error);
      res.writeHead(status, headers).end(payload);
    };
    try {
      ctx.globalConf.usable('Server.ServerProxy.OutdatedGlobalConf');
      peer = ctx.peerNode(req);
      if (!peer || header(req.headers, H.sender) !== peer.id) {
        peer = undefined;
        throw new XRoadError('Server.ServerProxy.UnknownSender', 'the TLS certificate does not belong to the sending node');
      }
      body = await readBody(req, config.maxBodyBytes, 'Client.BodyTooLarge');
      const url = req.url ?? '/';
      const m = PUBSUB_ROUTE.exec(url)!;
      env = {
        method: req.method ?? 'POST',
        path: url,
        messageId: header(req.headers, H.id),
        client: header(req.headers, H.client),
        service: `${m.slice(1, 5).join('/')}/${m[6]!.split('/').pop() ?? ''}`,
        userId: header(req.headers, H.userId),
        issue: header(req.headers, H.issue),
        purpose: decodeHeader(header(req.headers, H.purpose)),
        timestamp: header(req.headers, H.timestamp),
        sender: peer.id,
        recipient: header(req.headers, H.recipient),
        contentType: header(req.headers, 'content-type'),
        bodyHash: header(req.headers, H.bodyHash),
      };
      const canonical = canonicalRequest(env);
      reqHash = requestHash(canonical, body);
      if (!ctx.verifyBy(peer, canonical, header(req.headers, H.signature)))
        throw new XRoadError('Server.ServerProxy.InvalidSignature', 'the request signature does not verify');
      if (getSuite(peer.signSuite).hash(body).toString('hex') !== env.bodyHash)
        throw new XRoadError('Server.ServerProxy.InvalidSignature', 'the body does not match its signed hash');
      const sent = Date.parse(env.timestamp);
      if (Number.isNaN(sent) || Math.abs(started.getTime() - sent) > config.maxClockSkewMs)
        throw new XRoadError('Server.ServerProxy.ExpiredMessage', `timestamp ${env.timestamp}`);
      if (env.recipient !== self) throw new XRoadError('Server.ServerProxy.WrongRecipient', `addressed to ${env.recipient}`);
      if (!MESSAGE_ID.test(env.messageId)) throw new XRoadError('Client.InvalidRequest', 'bad X-Road-Id');
      if (!peer.subsystems.includes(env.client)) throw new XRoadError('Server.ServerProxy.UnknownSender', `${peer.id} does not act for ${env.client}`);
      if (!(await ctx.messageLog.claimMessageId('provider', peer.id, env.messageId, started.toISOString())))
        throw new XRoadError('Server.ServerProxy.ReplayedMessage', env.messageId);
      const out = await handle(env, peer, body);
      await answer(out.status, Buffer.from(JSON.stringify(out.value)), '');
    } catch (e) {
      const xe = e instanceof XRoadError ? e : new XRoadError('Server.ServerProxy.InternalError');
      if (!(e instanceof XRoadError)) log.error('pub/sub request failed', { error: (e as Error).stack });
      await answer(xe.status, Buffer.from(JSON.stringify(xe.body())), xe.type);
    }
  };

  // ── provider side: delivering to subscriber nodes ────────────────────────────────────────
  const startDelivery = (sub: SubscriptionRow) =>
    runLoop(`d:${sub.id}`, async ({ active, sleep }) => {
      let reader: EventReader | undefined;
      let batch: StoredEvent[] = [];
      let attempt = 0;
      while (active()) {
        try {
          if (batch.length === 0) {
            reader ??= store.reader(sub.service, sub.cursor_seq);
            batch = await reader.next(config.pubsub.batchSize, 1000);
            if (batch.length === 0) continue;
          }
          const conf = ctx.globalConf.usable('Server.ServerProxy.OutdatedGlobalConf');
          const at = clock.now().toISOString();
          const access = findAccessRight(conf.accessRights, {
            client: sub.consumer,
            service: sub.service,
            method: 'POST',
            subpath: '/',
            purpose: sub.purpose,
            at,
          });
          if ('denied' in access) throw new XRoadError('Server.ServerProxy.AccessDenied', access.denied);
          const node = conf.nodes.find((n) => n.id === sub.consumer_node);
          if (!node) throw new XRoadError('Client.UnknownService', `node ${sub.consumer_node}`);
          const room = sub.service.slice(0, sub.service.lastIndexOf('/'));
          const type = sub.service.slice(sub.service.lastIndexOf('/') + 1);
          const r = await callJson(node, {
            path: `/r1/${room}/push/v1/${type}`,
            client: room,
            service: sub.service,
            purpose: sub.purpose,
            body: { subscriptionId: sub.id, events: batch.map(eventItem) },
          });
          if (r.status !== 200) throw new XRoadError('Server.ClientProxy.NetworkError', `${node.id} answered ${r.status} ${r.error}`);
          const last = batch[batch.length - 1]!.seq;
          await q.updateTable('pubsub_subscriptions').set({ cursor_seq: last }).where('id', '=', sub.id).execute();
          sub.cursor_seq = last;
          batch = [];
          attempt = 0;
        } catch (e) {
          const wait = backoff(attempt++);
          log.warn('event delivery failed, retrying', { subscription: sub.id, consumer: sub.consumer, retryInMs: wait, error: (e as Error).message });
          if (!(e instanceof XRoadError) && batch.length === 0) {
            // The store failed (e.g. NATS unreachable): read again from the acknowledged position.
            await reader?.close().catch(() => undefined);
            reader = undefined;
          }
          await sleep(wait);
        }
      }
      await reader?.close().catch(() => undefined);
    });

  // ── consumer side: the inbox and the push to the backend ─────────────────────────────────
  let inboxNext: number | undefined;
  let inboxLock: Promise<unknown> = Promise.resolve();
  /** Adds received events to the inbox, skipping the ids already there; one writer at a time gives the sequence. */
  const receive = (sub: LocalSubscriptionRow, events: EventItem[]): Promise<number> => {
    const run = async () => {
      if (inboxNext === undefined) {
        const row = await q
          .selectFrom('pubsub_inbox')
          .select((eb) => eb.fn.max<number | null>('seq').as('max'))
          .executeTakeFirst();
        inboxNext = Number(row?.max ?? 0) + 1;
      }
      try {
        return await db.transaction().execute(async (trx) => {
          const t = tablesOf<PubSubTables>(trx);
          // Cancelled while the batch was on its way: nothing to keep.
          if (!(await t.selectFrom('pubsub_local_subscriptions').select('id').where('id', '=', sub.id).executeTakeFirst())) return 0;
          const ids = events.map((e) => e.id);
          const seen = new Set<string>();
          for (let i = 0; i < ids.length; i += 500) {
            const rows = await t
              .selectFrom('pubsub_inbox')
              .select('event_id')
              .where('subscription_id', '=', sub.id)
              .where('event_id', 'in', ids.slice(i, i + 500))
              .execute();
            for (const r of rows) seen.add(r.event_id);
          }
          // Retention deletes a subscription's oldest taken events and keeps the last one taken, so an
          // event older than the oldest kept was taken already (the provider node delivers in sequence order).
          const oldest = await t.selectFrom('pubsub_inbox').select('sequence').where('subscription_id', '=', sub.id).orderBy('seq').limit(1).executeTakeFirst();
          const floor = oldest ? Number(oldest.sequence) : -Infinity;
          const now = clock.now().toISOString();
          let next = inboxNext!;
          const rows: InboxRow[] = [];
          for (const e of events) {
            if (seen.has(e.id) || e.sequence < floor) continue;
            seen.add(e.id);
            rows.push({
              seq: next++,
              subscription_id: sub.id,
              event_id: e.id,
              sequence: e.sequence,
              service: sub.service,
              publisher: `${e.publisherId.instanceId}/${e.publisherId.memberClass}/${e.publisherId.memberCode}/${e.publisherId.applicationCode}`,
              payload: JSON.stringify(e.event),
              published_at: e.publishedAt,
              received_at: now,
            });
          }
          for (let i = 0; i < rows.length; i += 100)
            await t
              .insertInto('pubsub_inbox')
              .values(rows.slice(i, i + 100))
              .execute();
          inboxNext = next;
          return rows.length;
        });
      } catch (e) {
        inboxNext = undefined;
        throw e;
      }
    };
    const p = inboxLock.then(run, run);
    inboxLock = p.catch(() => undefined);
    return p.then((n) => {
      if (n > 0) inboxSignal.notify();
      return n;
    });
  };

  const pushAgents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };
  const pushOne = (sub: LocalSubscriptionRow, row: InboxRow) =>
    new Promise<void>((resolve, reject) => {
      const target = new URL(sub.push_url);
      const item = eventItem({
        id: row.event_id,
        seq: row.sequence,
        service: row.service,
        publisher: row.publisher,
        payload: row.payload,
        publishedAt: row.published_at,
      });
      const body = Buffer.from(JSON.stringify(item));
      const secure = target.protocol === 'https:';
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? pushAgents.https : pushAgents.http,
        timeout: 30_000,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': body.length,
          [H.client]: row.publisher,
          'x-zt-event-id': row.event_id,
          'x-zt-event-type': item.eventType,
          'x-zt-event-sequence': String(row.sequence),
          'x-zt-subscription': sub.id,
        },
      });
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          const s = response.statusCode ?? 500;
          if (s >= 200 && s < 300) resolve();
          else reject(new Error(`the backend answered ${s}`));
        });
        response.on('error', reject);
      });
      request.on('timeout', () => request.destroy(new Error('the backend did not answer in 30 s')));
      request.on('error', reject);
      request.end(body);
    });

  const startPush = (sub: LocalSubscriptionRow) =>
    runLoop(`p:${sub.id}`, async ({ active, sleep }) => {
      let attempt = 0;
      while (active()) {
        try {
          const rows = await q
            .selectFrom('pubsub_inbox')
            .selectAll()
            .where('subscription_id', '=', sub.id)
            .where('seq', '>', sub.delivered_seq)
            .orderBy('seq')
            .limit(200)
            .execute();
          if (rows.length === 0) {
            await inboxSignal.wait(1000);
            continue;
          }
          for (const row of rows) {
            if (!active()) break;
            await pushOne(sub, row);
            await q.updateTable('pubsub_local_subscriptions').set({ delivered_seq: row.seq }).where('id', '=', sub.id).execute();
            sub.delivered_seq = row.seq;
            attempt = 0;
          }
        } catch (e) {
          const wait = backoff(attempt++);
          log.warn('push to the backend failed, retrying', { subscription: sub.id, retryInMs: wait, error: (e as Error).message });
          await sleep(wait);
        }
      }
    });

  // ── provider side: retention of published events ─────────────────────────────────────────
  const retained: RetentionStatus = { retainDays: config.pubsub.retainDays, lastRunAt: null, deleted: 0, kept: null, inboxDeleted: 0 };

  /**
   * Deletes the inbox's events received before `before` that the backend or local system has taken,
   * oldest first, except each subscription's last one taken: the oldest event kept is the floor
   * below which `receive` knows a repeat without its row. Returns how many were deleted.
   */
  const pruneInbox = (before: string): Promise<number> => {
    const run = async () => {
      let deleted = 0;
      for (const s of await q.selectFrom('pubsub_local_subscriptions').select(['id', 'delivered_seq']).execute()) {
        // Up to the first event still young enough, so that what goes is always the oldest part.
        const young = await q
          .selectFrom('pubsub_inbox')
          .select((eb) => eb.fn.min<number | null>('seq').as('seq'))
          .where('subscription_id', '=', s.id)
          .where('received_at', '>=', before)
          .executeTakeFirst();
        const below = Math.min(Number(s.delivered_seq), young?.seq == null ? Infinity : Number(young.seq));
        const r = await q.deleteFrom('pubsub_inbox').where('subscription_id', '=', s.id).where('seq', '<', below).executeTakeFirst();
        deleted += Number(r.numDeletedRows);
      }
      return deleted;
    };
    // Under the inbox lock: a batch being added sees the inbox before or after, never half-pruned.
    const done = inboxLock.then(run, run);
    inboxLock = done.catch(() => undefined);
    return done;
  };
  let pruning: Promise<RetentionStatus> | undefined;
  const pruneNow = (): Promise<RetentionStatus> => {
    const run = async () => {
      const now = clock.now();
      const acknowledged = new Map<string, number>();
      for (const s of await q.selectFrom('pubsub_subscriptions').select(['service', 'cursor_seq']).execute()) {
        const seq = Number(s.cursor_seq);
        acknowledged.set(s.service, Math.min(seq, acknowledged.get(s.service) ?? seq));
      }
      const before = new Date(now.getTime() - config.pubsub.retainDays * 86_400_000).toISOString();
      const r = await store.prune(before, acknowledged);
      const taken = await pruneInbox(before);
      retained.lastRunAt = now.toISOString();
      retained.deleted += r.deleted;
      retained.kept = r.kept;
      retained.inboxDeleted += taken;
      if (r.deleted > 0) log.info('acknowledged events deleted', { deleted: r.deleted, kept: r.kept });
      if (taken > 0) log.info('delivered events deleted from the inbox', { deleted: taken });
      return { ...retained };
    };
    // One run at a time; a caller during a run waits for it and then runs.
    pruning = (pruning ?? Promise.resolve(retained)).catch(() => retained).then(run);
    return pruning;
  };
  const retentionTimer = setInterval(
    () => void pruneNow().catch((e: unknown) => log.error('event retention failed', { error: (e as Error).message })),
    config.pubsub.retentionIntervalMs,
  );
  retentionTimer.unref();

  for (const sub of await q.selectFrom('pubsub_subscriptions').selectAll().execute()) startDelivery({ ...sub, cursor_seq: Number(sub.cursor_seq) });
  for (const sub of await q.selectFrom('pubsub_local_subscriptions').selectAll().where('delivery', '=', 'PUSH').execute())
    startPush({ ...sub, delivered_seq: Number(sub.delivered_seq) });

  // ── client side: local systems publish, subscribe and pull ───────────────────────────────
  /** The authenticated local subsystem (X-Road-Client or X-GovStack-Client of this node, with its API key). */
  const localClient = (req: http.IncomingMessage): string => {
    const client = header(req.headers, H.client) || header(req.headers, 'x-govstack-client');
    const id = parseSubsystemId(client);
    if (!id) throw new XRoadError('Client.InvalidRequest', 'X-Road-Client (or X-GovStack-Client) must be INSTANCE/CLASS/MEMBER/SUBSYSTEM');
    if (`${id.instance}/${id.memberClass}/${id.memberCode}` !== config.memberId || !ctx.apiKeyOk(id.subsystem, header(req.headers, 'x-api-key')))
      throw new XRoadError('Client.Unauthorized', 'X-API-Key does not authenticate the X-Road-Client subsystem on this node');
    return client;
  };

  const localSubscription = async (client: string, service: string): Promise<LocalSubscriptionRow> => {
    const sub = await q.selectFrom('pubsub_local_subscriptions').selectAll().where('client', '=', client).where('service', '=', service).executeTakeFirst();
    if (!sub) throw new XRoadError('Client.UnknownService', `no subscription of ${client} to ${service}`);
    return { ...sub, delivered_seq: Number(sub.delivered_seq) };
  };

  /**
   * Cancels a local subscription (GovStack deleteSub): the subscription of `client` to `service`,
   * or the one named by `id` (which must be the client's and to that service). The provider node
   * is told first (signed, logged on both nodes); once it has let go of the subscription (or no
   * longer knew it), the push loop is stopped and the subscription and its inbox are deleted, so
   * nothing is pushed or pulled for it afterwards. Answers 204; 404 `UnknownSubscription`; 403
   * `ForeignSubscription` for another subsystem's subscription; the provider's error otherwise
   * (the subscription is then kept).
   */
  const unsubscribe = async (req: http.IncomingMessage, res: http.ServerResponse, client: string, service: string, id: string | null): Promise<void> => {
    const found = id
      ? await q.selectFrom('pubsub_local_subscriptions').selectAll().where('id', '=', id).executeTakeFirst()
      : await q.selectFrom('pubsub_local_subscriptions').selectAll().where('client', '=', client).where('service', '=', service).executeTakeFirst();
    if (found && found.client !== client) {
      sendNotice(res, 403, 'ForeignSubscription', '该订阅属于其他订阅方，不能取消', 'The subscription belongs to another subscriber', String(id));
      return;
    }
    if (!found || found.service !== service) {
      sendJson(res, 404, unknownSubscription(id ? `${id} (${service})` : `${client} → ${service}`));
      return;
    }
    const room = service.slice(0, service.lastIndexOf('/'));
    const type = service.slice(service.lastIndexOf('/') + 1);
    const conf = ctx.globalConf.usable('Server.ClientProxy.OutdatedGlobalConf');
    const provider = conf.nodes.find((n) => n.id === found.provider_node);
    if (provider) {
      const purpose = checkFreeText(decodeHeader(header(req.headers, H.purpose)), 'X-Road-Purpose');
      const r = await callJson(provider, { method: 'DELETE', path: `/r1/${room}/api/v1/subs/${type}`, client, service, purpose, body: { id: found.id } });
      const gone = r.status === 404 && isObject(r.json) && r.json.type === 'UnknownSubscription';
      if (r.status !== 200 && !gone) {
        const body = isObject(r.json) ? r.json : new XRoadError('Server.ClientProxy.NetworkError', `${provider.id} answered ${r.status}`).body();
        sendJson(res, r.status === 200 ? 502 : r.status, body, r.error ? { [H.error]: r.error } : {});
        return;
      }
    } else {
      // The provider node has left the exchange: nothing more can arrive.
      log.warn('unsubscribing without the provider node, which is not in the global configuration', { subscription: found.id, provider: found.provider_node });
    }
    await stopLoop(`p:${found.id}`);
    // Under the inbox lock, so that a batch being added finishes first (and a later one finds no subscription).
    const run = () =>
      db.transaction().execute(async (trx) => {
        const t = tablesOf<PubSubTables>(trx);
        await t.deleteFrom('pubsub_inbox').where('subscription_id', '=', found.id).execute();
        await t.deleteFrom('pubsub_local_subscriptions').where('id', '=', found.id).execute();
      });
    const done = inboxLock.then(run, run);
    inboxLock = done.catch(() => undefined);
    await done;
    log.info('unsubscribed', { subscription: found.id, client, service });
    res.writeHead(204).end();
  };

  const handleClient = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const m = PUBSUB_ROUTE.exec(qi < 0 ? url : url.slice(0, qi));
    if (!m || m[5] === 'push') return false;
    const room = m.slice(1, 5).join('/');
    if (!parseSubsystemId(room)) throw new XRoadError('Client.InvalidRequest', 'malformed room (publishing subsystem) identifier');
    const kind = m[5]!;
    const rest = m[6]!.split('/');
    const method = req.method ?? 'GET';
    const client = localClient(req);

    if (kind === 'pub') {
      // POST pub/v1/{eventType}: publish.
      const [type, extra] = rest;
      if (method !== 'POST' || !type || extra !== undefined) throw new XRoadError('Client.InvalidRequest', 'publish with POST /r1/ROOM/pub/v1/{eventType}');
      if (client !== room) throw new XRoadError('Client.Unauthorized', `only ${room} publishes in its room`);
      const code = room.slice(room.lastIndexOf('/') + 1);
      const validate = validators.get(`${code}/${type}`);
      if (!validate) throw new XRoadError('Server.ServerProxy.UnknownService', `event type ${room}/${type} is not declared on this node`);
      const input = await readJson(req, config.maxBodyBytes);
      if (!isObject(input) || !('event' in input)) throw new XRoadError('Client.InvalidRequest', 'event: required (body { "eventType"?, "event" })');
      if (input.eventType !== undefined && input.eventType !== type) throw new XRoadError('Client.InvalidRequest', `eventType: must be ${type} as in the path`);
      if (!validate(input.event)) {
        const fields = (validate.errors ?? []).map(
          (e) =>
            `event${e.instancePath.replace(/\//g, '.')}${e.keyword === 'required' ? `.${String(e.params.missingProperty)}` : ''}: ${e.message ?? e.keyword}`,
        );
        throw new XRoadError('Client.InvalidRequest', `the event does not match the schema of ${type}: ${fields.join('; ')}`);
      }
      const given = header(req.headers, H.id);
      if (given && !MESSAGE_ID.test(given)) throw new XRoadError('Client.InvalidRequest', 'X-Road-Id must be 1–100 characters of A–Z a–z 0–9 . _ : -');
      const id = given || randomUUID();
      const r = await store.publish({
        id,
        service: `${room}/${type}`,
        publisher: client,
        payload: JSON.stringify(input.event),
        publishedAt: clock.now().toISOString(),
      });
      sendJson(res, r.duplicate ? 200 : 201, { id, sequence: r.seq, duplicate: r.duplicate });
      return true;
    }

    if (kind === 'api') {
      if (rest[0] !== 'subs') throw new XRoadError('Client.InvalidRequest', 'supported: api/v1/subs and api/v1/subs/{eventType}');
      if (rest.length === 1) {
        if (method !== 'GET') throw new XRoadError('Client.InvalidRequest', 'list subscriptions with GET');
        const subs = await q
          .selectFrom('pubsub_local_subscriptions')
          .selectAll()
          .where('client', '=', client)
          .where('service', 'like', `${room}/%`)
          .orderBy('created_at')
          .execute();
        sendJson(res, 200, subs.map(presentSubscription));
        return true;
      }
      const type = rest[1]!;
      if (rest.length !== 2 || !EVENT_TYPE.test(type)) throw new XRoadError('Client.InvalidRequest', 'api/v1/subs/{eventType}');
      const service = `${room}/${type}`;
      if (method === 'GET') {
        sendJson(res, 200, presentSubscription(await localSubscription(client, service)));
        return true;
      }
      if (method === 'DELETE') {
        await unsubscribe(req, res, client, service, new URLSearchParams(qi < 0 ? '' : url.slice(qi)).get('id'));
        return true;
      }
      if (method !== 'POST') throw new XRoadError('Client.InvalidRequest', 'subscribe with POST, unsubscribe with DELETE');
      const input = await readJson(req, 64 * 1024);
      if (!isObject(input)) throw new XRoadError('Client.InvalidRequest', 'the body must be a JSON object');
      const delivery = input.delivery ?? 'PUSH';
      if (delivery !== 'PUSH' && delivery !== 'PULL') throw new XRoadError('Client.InvalidRequest', 'delivery: must be PUSH or PULL');
      let pushUrl = '';
      if (delivery === 'PUSH') {
        try {
          const u = new URL(String(input.pushUrl ?? ''));
          if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
          pushUrl = u.toString();
        } catch {
          throw new XRoadError('Client.InvalidRequest', 'pushUrl: must be the http(s) URL of the backend that receives the events');
        }
      }
      const purpose = checkFreeText(decodeHeader(header(req.headers, H.purpose)), 'X-Road-Purpose');
      const conf = ctx.globalConf.usable('Server.ClientProxy.OutdatedGlobalConf');
      const provider = conf.nodes.find((n) => n.subsystems.includes(room));
      if (!provider) throw new XRoadError('Client.UnknownService', service);
      const existing = await q
        .selectFrom('pubsub_local_subscriptions')
        .selectAll()
        .where('client', '=', client)
        .where('service', '=', service)
        .executeTakeFirst();
      const r = await callJson(provider, { path: `/r1/${room}/api/v1/subs/${type}`, client, service, purpose, body: { id: existing?.id ?? randomUUID() } });
      if (r.status !== 200 || !isObject(r.json) || typeof r.json.id !== 'string') {
        const body = isObject(r.json) ? r.json : new XRoadError('Server.ClientProxy.NetworkError', `${provider.id} answered ${r.status}`).body();
        sendJson(res, r.status === 200 ? 502 : r.status, body, r.error ? { [H.error]: r.error } : {});
        return true;
      }
      const row: LocalSubscriptionRow = {
        id: r.json.id,
        service,
        client,
        delivery,
        push_url: pushUrl,
        provider_node: provider.id,
        delivered_seq: Number(existing?.delivered_seq ?? 0),
        created_at: existing?.created_at ?? clock.now().toISOString(),
      };
      if (existing) {
        await q.updateTable('pubsub_local_subscriptions').set({ delivery, push_url: pushUrl }).where('id', '=', existing.id).execute();
      } else {
        // The inbox already holds older events of other subscriptions: start after them.
        const max = await q
          .selectFrom('pubsub_inbox')
          .select((eb) => eb.fn.max<number | null>('seq').as('max'))
          .executeTakeFirst();
        row.delivered_seq = Number(max?.max ?? 0);
        await q.insertInto('pubsub_local_subscriptions').values(row).execute();
      }
      log.info('subscribed', { subscription: row.id, client, service, delivery });
      if (delivery === 'PUSH') startPush(row);
      sendJson(res, existing ? 200 : 201, presentSubscription(row));
      return true;
    }

    // pull/v1/{eventType}[/{eventId}]
    const [type, eventId, extra] = rest;
    if (!type || !EVENT_TYPE.test(type) || extra !== undefined) throw new XRoadError('Client.InvalidRequest', 'pull/v1/{eventType}[/{eventId}]');
    const sub = await localSubscription(client, `${room}/${type}`);
    if (sub.delivery !== 'PULL') throw new XRoadError('Client.InvalidRequest', 'the subscription delivers by PUSH');
    const next = await q
      .selectFrom('pubsub_inbox')
      .selectAll()
      .where('subscription_id', '=', sub.id)
      .where('seq', '>', sub.delivered_seq)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    if (method === 'GET' && eventId === undefined) {
      if (!next) sendNotice(res, 404, 'NoEventAvailable', '暂无待取的事件', 'No event available');
      else
        sendJson(
          res,
          200,
          eventItem({
            id: next.event_id,
            seq: next.sequence,
            service: next.service,
            publisher: next.publisher,
            payload: next.payload,
            publishedAt: next.published_at,
          }),
        );
      return true;
    }
    if (method !== 'DELETE' || eventId === undefined)
      throw new XRoadError('Client.InvalidRequest', 'pull with GET pull/v1/{eventType}, acknowledge with DELETE pull/v1/{eventType}/{eventId}');
    if (next?.event_id === eventId) {
      await q.updateTable('pubsub_local_subscriptions').set({ delivered_seq: next.seq }).where('id', '=', sub.id).execute();
      res.writeHead(204).end();
      return true;
    }
    const known = await q.selectFrom('pubsub_inbox').select('seq').where('subscription_id', '=', sub.id).where('event_id', '=', eventId).executeTakeFirst();
    if (known && Number(known.seq) <= sub.delivered_seq) res.writeHead(204).end();
    else if (known) sendNotice(res, 409, 'NotNextEvent', '只能确认下一个待取的事件', 'Only the next pulled event can be acknowledged', eventId);
    else sendNotice(res, 404, 'UnknownEvent', '没有该事件', 'No such event', eventId);
    return true;
  };

  // ── server side: other nodes subscribe and deliver ───────────────────────────────────────
  const handleServer = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const url = req.url ?? '/';
    const m = PUBSUB_ROUTE.exec(url);
    if (!m) return false;
    await serveSigned(req, res, async (env, peer, body) => {
      const room = m.slice(1, 5).join('/');
      const rest = m[6]!.split('/');
      const conf = ctx.globalConf.usable('Server.ServerProxy.OutdatedGlobalConf');
      const input = JSON.parse(body.toString('utf8')) as unknown;
      const cancel = env.method === 'DELETE' && m[5] === 'api' && rest[0] === 'subs' && rest.length === 2;
      if ((env.method !== 'POST' && !cancel) || !isObject(input))
        throw new XRoadError('Client.InvalidRequest', 'POST (DELETE to unsubscribe) with a JSON object');
      if (cancel) {
        // A consumer node cancels a subscription of one of its subsystems: no more deliveries, and
        // the events it had not acknowledged are no longer kept for it.
        const service = `${room}/${rest[1]!}`;
        if (typeof input.id !== 'string' || !MESSAGE_ID.test(input.id)) throw new XRoadError('Client.InvalidRequest', 'id: the subscription id');
        const sub = await q.selectFrom('pubsub_subscriptions').selectAll().where('id', '=', input.id).executeTakeFirst();
        if (!sub || sub.service !== service) return { status: 404, value: unknownSubscription(`${input.id} (${service})`) };
        if (sub.consumer !== env.client) throw new XRoadError('Server.ServerProxy.AccessDenied', `subscription ${sub.id} belongs to another consumer`);
        await q.deleteFrom('pubsub_subscriptions').where('id', '=', sub.id).execute();
        // Not awaited: a delivery in flight ends on its own; its acknowledgement then updates nothing.
        void stopLoop(`d:${sub.id}`);
        log.info('subscription cancelled', { subscription: sub.id, consumer: sub.consumer, service });
        return { status: 200, value: { id: sub.id, eventType: rest[1]!, deleted: true } };
      }
      if (m[5] === 'api' && rest[0] === 'subs' && rest.length === 2) {
        // A consumer node subscribes one of its subsystems.
        const type = rest[1]!;
        const service = `${room}/${type}`;
        const own = conf.nodes.find((n) => n.id === self);
        if (!own?.subsystems.includes(room) || !validators.has(`${room.slice(room.lastIndexOf('/') + 1)}/${type}`))
          throw new XRoadError('Server.ServerProxy.UnknownService', `event type ${service}`);
        const access = findAccessRight(conf.accessRights, {
          client: env.client,
          service,
          method: 'POST',
          subpath: '/',
          purpose: env.purpose,
          at: clock.now().toISOString(),
        });
        if ('denied' in access) throw new XRoadError('Server.ServerProxy.AccessDenied', access.denied);
        const existing = await q
          .selectFrom('pubsub_subscriptions')
          .selectAll()
          .where('consumer', '=', env.client)
          .where('service', '=', service)
          .executeTakeFirst();
        if (existing) {
          await q.updateTable('pubsub_subscriptions').set({ purpose: env.purpose, consumer_node: peer.id }).where('id', '=', existing.id).execute();
          return { status: 200, value: { id: existing.id, eventType: type, created: false } };
        }
        if (typeof input.id !== 'string' || !MESSAGE_ID.test(input.id)) throw new XRoadError('Client.InvalidRequest', 'id: the subscription id');
        const row: SubscriptionRow = {
          id: input.id,
          service,
          consumer: env.client,
          consumer_node: peer.id,
          purpose: env.purpose,
          cursor_seq: await store.lastSeq(),
          created_at: clock.now().toISOString(),
        };
        await q.insertInto('pubsub_subscriptions').values(row).execute();
        log.info('subscription accepted', { subscription: row.id, consumer: row.consumer, service });
        startDelivery(row);
        return { status: 200, value: { id: row.id, eventType: type, created: true } };
      }
      if (m[5] === 'push' && rest.length === 1) {
        // The provider node delivers a batch of events to a subscription of ours.
        const sub =
          typeof input.subscriptionId === 'string'
            ? await q.selectFrom('pubsub_local_subscriptions').selectAll().where('id', '=', input.subscriptionId).executeTakeFirst()
            : undefined;
        if (!sub || sub.provider_node !== peer.id || sub.service !== `${room}/${rest[0]}` || env.client !== room)
          throw new XRoadError('Server.ServerProxy.UnknownService', `no subscription ${String(input.subscriptionId)} of ${room}/${rest[0]} from ${peer.id}`);
        const events = input.events;
        if (!Array.isArray(events) || !events.every((e) => isObject(e) && typeof e.id === 'string' && typeof e.sequence === 'number'))
          throw new XRoadError('Client.InvalidRequest', 'events: an array of EventItem');
        const added = await receive({ ...sub, delivered_seq: Number(sub.delivered_seq) }, events as unknown as EventItem[]);
        return { status: 200, value: { received: events.length, added } };
      }
      throw new XRoadError('Client.InvalidRequest', 'unknown pub/sub path');
    });
    return true;
  };

  return {
    store,
    handleClient,
    handleServer,
    async depth() {
      const subs = await q.selectFrom('pubsub_subscriptions').select(['service', 'cursor_seq']).execute();
      let outgoing = 0;
      if (store.kind === 'database') {
        for (const s of subs) {
          const r = await tablesOf<{ pubsub_events: { seq: number; service: string } }>(db)
            .selectFrom('pubsub_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('service', '=', s.service)
            .where('seq', '>', s.cursor_seq)
            .executeTakeFirst();
          outgoing += Number(r?.n ?? 0);
        }
      }
      const local = await q.selectFrom('pubsub_local_subscriptions').select(['id', 'delivered_seq']).execute();
      let incoming = 0;
      for (const s of local) {
        const r = await q
          .selectFrom('pubsub_inbox')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('subscription_id', '=', s.id)
          .where('seq', '>', s.delivered_seq)
          .executeTakeFirst();
        incoming += Number(r?.n ?? 0);
      }
      return { outgoing, incoming };
    },
    pruneNow,
    retention: () => ({ ...retained }),
    async close() {
      closed = true;
      clearInterval(retentionTimer);
      await pruning?.catch(() => undefined);
      const running = [...loops.values()];
      for (const l of running) l.stop();
      inboxSignal.notify();
      if (store.kind === 'database') await store.close();
      await Promise.all(running.map((l) => l.done));
      await inboxLock;
      pushAgents.http.destroy();
      pushAgents.https.destroy();
      if (store.kind === 'nats') await store.close();
    },
  };
}

function presentSubscription(s: LocalSubscriptionRow) {
  return {
    id: s.id,
    subscriberId: publisherId(s.client),
    eventType: s.service.slice(s.service.lastIndexOf('/') + 1),
    delivery: s.delivery,
    pushUrl: s.push_url || null,
    createdAt: s.created_at,
  };
}

function decodeHeader(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
