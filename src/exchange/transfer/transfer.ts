import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { getSuite, type CryptoSuite } from '../../core/crypto/index.js';
import { tablesOf, type Db } from '../../core/db/database.js';
import { findAccessRight, normaliseSubpath } from '../protocol/access-check.js';
import type { ConfNode, GlobalConf } from '../protocol/globalconf.js';
import { parseServiceId, parseSubsystemId, subsystemOfService } from '../protocol/identifiers.js';
import {
  canonicalRequest,
  canonicalResponse,
  H,
  MESSAGE_ID,
  requestEnvelopeOf,
  requestHash,
  type RequestEnvelope,
  type ResponseEnvelope,
} from '../protocol/messages.js';
import { XROAD_ERRORS, XRoadError, type XRoadErrorType } from '../protocol/xroad-errors.js';
import type { GlobalConfHolder } from '../node/globalconf-client.js';
import { clientOf, header, messageHeaders, readBody, serviceOfRoute } from '../node/http-util.js';
import { requestFields, type MessageLog, type MessageRecord } from '../node/message-log.js';
import type { NodeConfig } from '../node/node-config.js';
import type { NodeLogger } from '../node/node-logger.js';
import { MessageBody } from '../node/message-body.js';
import { createNodeCaller, type NodeAnswer } from '../node/signed-call.js';
import { canonicalChunk, chunkLength, hashFile, streamHash, T, transferContentType, transferShape, type ChunkEnvelope } from './transfer-protocol.js';

/** What a node lends its file transfers. */
export interface TransferDeps {
  config: NodeConfig;
  db: Db;
  suite: CryptoSuite;
  clock: Clock;
  log: NodeLogger;
  globalConf: GlobalConfHolder;
  messageLog: MessageLog;
  /** Signs with the node's key (batched with the node's messages). */
  sign(data: Buffer): Promise<string>;
  verifyBy(node: ConfNode, data: Buffer, signature: string): boolean;
  /** The mutual-TLS agent the node calls other nodes with. */
  agent: https.Agent;
  /**
   * @deprecated Unused: calls go through `createNodeCaller`, which pins the certificate the global
   * configuration names. Still accepted so node.ts can stop passing it on its own schedule.
   */
  isCertOf?(node: ConfNode, cert: PeerCertificate): boolean;
  /** The fingerprint of the TLS client certificate of a server-side request. */
  peerFingerprint(req: http.IncomingMessage): string;
  apiKeyOk(subsystemCode: string, key: string): boolean;
}

interface TransferRow {
  role: 'consumer' | 'provider';
  id: string;
  envelope: string;
  signature: string;
  size: number | string;
  chunk_size: number;
  status: 'open' | 'verifying' | 'complete' | 'failed' | 'abandoned';
  result: string | null;
  created_at: string;
  ended_at: string | null;
}

interface TransferTables {
  transfers: TransferRow;
  transfer_chunks: { transfer_id: string; idx: number; hash: string; signature: string; received_at: string };
}

/** The provider's signed answer at the end of a transfer (also its answer to a refused opening). */
export interface TransferResult {
  envelope: ResponseEnvelope;
  signature: string;
  /** The JSON body `envelope.bodyHash` covers. */
  body: string;
}

/** The body of a transfer result. */
export interface TransferOutcome {
  transferId: string;
  status: 'complete' | 'failed' | 'denied';
  size: number;
  /** The hash of the file as the provider node read it back from its disk. */
  fileHash: string;
  /** Status the provider's backend answered the delivered file with (0 when not delivered). */
  backendStatus: number;
  error: XRoadErrorType | '';
  detail: string | null;
}

const CLIENT_ROUTE = /^\/transfers\/r1\/([^/?]+)\/([^/?]+)\/([^/?]+)\/([^/?]+)\/([^/?]+)(\/[^?]*)?$/;
const ONE = /^\/transfers\/([A-Za-z0-9._:-]{1,100})$/;
const SERVER_ONE = /^\/t1\/transfers\/([A-Za-z0-9._:-]{1,100})$/;
const SERVER_CHUNK = /^\/t1\/transfers\/([A-Za-z0-9._:-]{1,100})\/chunks\/(\d{1,9})$/;
const SMALL = 64 * 1024;

const invalid = (detail: string) => new XRoadError('Client.InvalidRequest', detail);
const json = (res: http.ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}) => {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...extra }).end(body);
};

/**
 * File transfer on a node (see transfer-protocol.ts for the wire protocol).
 *
 * Client side (local systems, API key of the subsystem):
 * - `POST /transfers/r1/{service}[/path]` with `{ "size": bytes, "hash": "<hex>" }` (the whole
 *   file's hash with this node's suite: SHA-256, or SM3 with `sm2`) and the usual X-Road headers
 *   opens a transfer; answers `{ transferId, chunkSize, chunks, nextOffset }`.
 * - `PUT /transfers/{id}?offset=N` streams the file's bytes from offset N (a multiple of the chunk
 *   size): the node cuts them into chunks, hashes and signs each and sends it on. Answers 200 with
 *   the provider's result when the file is complete, 202 with `nextOffset` when the stream ended
 *   early; a broken stream loses only the chunk it was in.
 * - `GET /transfers/{id}` tells which chunks the provider node has verified (`nextOffset`).
 *
 * Server side (other nodes, mutual TLS): `POST /t1/transfers`, `PUT /t1/transfers/{id}/chunks/{i}`,
 * `GET /t1/transfers/{id}`. Received chunks go straight to disk (`transfer.dir`), never whole in
 * memory; the consumer node holds at most two chunks of the file at a time.
 */
export function createTransfers(deps: TransferDeps) {
  const { config, suite, clock, log, globalConf, messageLog } = deps;
  const self = config.nodeId;
  const db: Kysely<TransferTables> = tablesOf<TransferTables>(deps.db);
  const dir = path.resolve(config.dataDir, config.transfer.dir);
  const fileOf = (id: string) => path.join(dir, `${createHash('sha256').update(id).digest('hex').slice(0, 40)}.part`);
  const now = () => clock.now().toISOString();

  // A transfer left half-finished by a stopped node is finished again on its next status query.
  const reopened = db
    .updateTable('transfers')
    .set({ status: 'open' })
    .where('role', '=', 'provider')
    .where('status', '=', 'verifying')
    .execute()
    .catch((e: unknown) => log.error('reopening unfinished transfers failed', { error: (e as Error).message }));
  const findTransfer = async (role: 'consumer' | 'provider', id: string) => {
    await reopened;
    return db.selectFrom('transfers').selectAll().where('role', '=', role).where('id', '=', id).executeTakeFirst();
  };

  /** Records a transfer opened with `env` on this side; false when this side already has one with its id. */
  const recordOpening = async (role: 'consumer' | 'provider', env: RequestEnvelope, signature: string, startedAt: string): Promise<boolean> => {
    const shape = transferShape(env)!;
    const row: TransferRow = {
      role,
      id: env.messageId,
      envelope: JSON.stringify(env),
      signature,
      size: shape.size,
      chunk_size: shape.chunkSize,
      status: 'open',
      result: null,
      created_at: startedAt,
      ended_at: null,
    };
    return (
      (await db
        .insertInto('transfers')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst()) !== undefined
    );
  };

  // ── abandoned transfers ─────────────────────────────────────────────────────────────────
  // A transfer nobody moves on for `transfer.abandonAfterHours` is abandoned: its chunks (rows and
  // file) are deleted, its row stays with status `abandoned`. Progress is the last verified chunk
  // on the provider side; on the consumer side, the last chunk handed on since this node started
  // (kept in memory: after a restart the opening time counts until the next chunk).
  const abandonAfterMs = config.transfer.abandonAfterHours * 3600_000;
  const progressed = new Map<string, string>();
  const abandonedError = (id: string) =>
    new XRoadError(
      'Client.InvalidRequest',
      `传输 ${id} 因长时间无进展已被放弃，已收到的分块已删除，请重新发起传输 (transfer ${id} was abandoned after too long without progress and its chunks were deleted; open a new transfer)`,
    );
  const abandonedView = (row: TransferRow) => {
    const shape = transferShape(JSON.parse(row.envelope) as RequestEnvelope)!;
    return {
      transferId: row.id,
      status: 'abandoned',
      size: shape.size,
      chunkSize: shape.chunkSize,
      chunks: shape.chunks,
      detail: abandonedError(row.id).detail,
    };
  };

  /** Marks an open transfer abandoned and deletes its chunks; false when it was no longer open. */
  const abandon = async (role: 'consumer' | 'provider', id: string, why: string): Promise<boolean> => {
    const moved = await db
      .updateTable('transfers')
      .set({ status: 'abandoned', ended_at: now() })
      .where('role', '=', role)
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    progressed.delete(id);
    if (Number(moved.numUpdatedRows) !== 1) return false;
    if (role === 'provider') {
      await db.deleteFrom('transfer_chunks').where('transfer_id', '=', id).execute();
      await fs.promises.rm(fileOf(id), { force: true });
    }
    log.info('file transfer abandoned', { transferId: id, role, why });
    return true;
  };

  /** Abandons the open transfers without progress for `transfer.abandonAfterHours`; returns how many. */
  const sweepNow = async (): Promise<number> => {
    await reopened;
    const cutoff = new Date(clock.now().getTime() - abandonAfterMs).toISOString();
    const stale = await db
      .selectFrom('transfers as t')
      .leftJoin('transfer_chunks as c', (j) => j.onRef('c.transfer_id', '=', 't.id').on('t.role', '=', 'provider'))
      .select(['t.role', 't.id'])
      .select((eb) => eb.fn.max('c.received_at').as('last_chunk_at'))
      .where('t.status', '=', 'open')
      .where('t.created_at', '<', cutoff)
      .groupBy(['t.role', 't.id'])
      .execute();
    let abandoned = 0;
    for (const r of stale) {
      const last = r.role === 'provider' ? r.last_chunk_at : progressed.get(r.id);
      if (last && last >= cutoff) continue;
      if (await abandon(r.role, r.id, `no progress since ${last ?? 'it was opened'}`)) abandoned++;
    }
    return abandoned;
  };
  let sweeping: Promise<unknown> | undefined;
  const sweepTimer = setInterval(() => {
    sweeping ??= sweepNow()
      .catch((e: unknown) => log.error('abandoning stale transfers failed', { error: (e as Error).message }))
      .finally(() => (sweeping = undefined));
  }, config.transfer.sweepIntervalMs);
  sweepTimer.unref();

  // ── calls to the provider node ──────────────────────────────────────────────────────────
  // The node-to-node transport of messages (mutual TLS, pinned certificate). Each call carries
  // the transfer's X-Road headers; `target` is the /t1/… route of the call.
  const callNode = createNodeCaller(deps.agent, { max: SMALL });
  const toProvider = (
    provider: ConfNode,
    env: RequestEnvelope,
    target: Pick<RequestEnvelope, 'method' | 'path'> & Partial<RequestEnvelope>,
    signature: string,
    body: Buffer = Buffer.alloc(0),
  ) => callNode(provider, { ...env, contentType: '', ...target }, MessageBody.of(body), signature);

  /** A provider's answer as JSON; its exchange error (typed) is passed on to the local system. */
  const providerJson = <R>(answer: NodeAnswer): R => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.bytes().toString('utf8'));
    } catch {
      throw new XRoadError('Server.ClientProxy.NetworkError', `the provider node answered ${answer.status} without JSON`);
    }
    const error = header(answer.headers, H.error);
    if (answer.status >= 400) {
      const type = (error in XROAD_ERRORS ? error : 'Server.ClientProxy.NetworkError') as XRoadErrorType;
      throw new XRoadError(type, (parsed as { detail?: string | null }).detail ?? undefined);
    }
    return parsed as R;
  };

  const providerOf = (conf: GlobalConf, env: RequestEnvelope) => {
    const provider = conf.nodes.find((n) => n.id === env.recipient);
    if (!provider) throw new XRoadError('Client.UnknownService', env.service);
    return provider;
  };

  /** Checks a provider's signed result and logs the transfer on this (consumer) side, once. */
  const acceptResult = async (row: TransferRow, provider: ConfNode, result: TransferResult): Promise<TransferOutcome> => {
    const env = JSON.parse(row.envelope) as RequestEnvelope;
    const r = result.envelope;
    const expectedRequestHash = requestHash(canonicalRequest(env), Buffer.alloc(0));
    const ps = getSuite(provider.signSuite);
    if (
      r.messageId !== env.messageId ||
      r.sender !== provider.id ||
      r.recipient !== self ||
      !deps.verifyBy(provider, canonicalResponse(r), result.signature) ||
      ps.hash(Buffer.from(result.body, 'utf8')).toString('hex') !== r.bodyHash
    )
      throw new XRoadError('Server.ClientProxy.InvalidSignature', `transfer result of ${provider.id}`);
    if (r.requestHash !== expectedRequestHash) throw new XRoadError('Server.ClientProxy.InvalidRequestHash');
    const outcome = JSON.parse(result.body) as TransferOutcome;
    const moved = await db
      .updateTable('transfers')
      .set({ status: outcome.status === 'complete' ? 'complete' : 'failed', result: JSON.stringify(result), ended_at: now() })
      .where('role', '=', 'consumer')
      .where('id', '=', row.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 1) await messageLog.append(logEntry('consumer', env, row.signature, row.created_at, result));
    return outcome;
  };

  // ── client side ─────────────────────────────────────────────────────────────────────────
  const authenticate = (req: http.IncomingMessage, client: string) => {
    const id = parseSubsystemId(client);
    if (!id || `${id.instance}/${id.memberClass}/${id.memberCode}` !== config.memberId || !deps.apiKeyOk(id.subsystem, header(req.headers, 'x-api-key')))
      throw new XRoadError('Client.Unauthorized', 'X-API-Key does not authenticate the X-Road-Client subsystem on this node');
  };

  const ownTransfer = async (req: http.IncomingMessage, id: string) => {
    const row = await findTransfer('consumer', id);
    const client = header(req.headers, H.client);
    // The same answer for an unknown transfer and another subsystem's: ids are not disclosed.
    if (!row || (JSON.parse(row.envelope) as RequestEnvelope).client !== client) {
      authenticate(req, client);
      throw invalid(`no transfer ${id} of ${client}`);
    }
    authenticate(req, client);
    return row;
  };

  const open = async (req: http.IncomingMessage, res: http.ServerResponse, m: RegExpExecArray, query: string) => {
    if (req.method !== 'POST') throw invalid('a transfer is opened with POST');
    const { service, subpath } = serviceOfRoute(m);
    const client = clientOf(req.headers);
    authenticate(req, client);
    const { messageId: transferId, userId, issue, purpose } = messageHeaders(req.headers);
    let input: { size?: unknown; hash?: unknown };
    try {
      input = JSON.parse((await readBody(req, SMALL, 'Client.BodyTooLarge')).toString('utf8')) as typeof input;
    } catch (e) {
      if (e instanceof XRoadError) throw e;
      throw invalid('the body must be JSON { "size": bytes, "hash": hex }');
    }
    const size = input?.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) throw invalid('size must be a whole number of bytes, at least 1');
    if (size > config.transfer.maxFileBytes) throw new XRoadError('Client.BodyTooLarge', `size: at most ${config.transfer.maxFileBytes} bytes`);
    const hashText = typeof input.hash === 'string' ? input.hash.toLowerCase().replace(new RegExp(`^${suite.hashName}:`), '') : '';
    if (!/^[0-9a-f]{64}$/.test(hashText)) throw invalid(`hash must be the file's ${suite.hashName} digest, 64 hex digits`);
    const conf = globalConf.usable('Server.ClientProxy.OutdatedGlobalConf');
    const provider = conf.nodes.find((n) => n.subsystems.includes(subsystemOfService(service)));
    if (!provider) throw new XRoadError('Client.UnknownService', service);
    const started = now();
    const env: RequestEnvelope = {
      method: 'POST',
      path: `/r1/${service}${m[6] ? subpath : ''}${query}`,
      messageId: transferId,
      client,
      service,
      userId,
      issue,
      purpose,
      timestamp: started,
      sender: self,
      recipient: provider.id,
      contentType: transferContentType(size, config.transfer.chunkBytes),
      bodyHash: hashText,
    };
    const signature = await deps.sign(canonicalRequest(env));
    const inserted = await recordOpening('consumer', env, signature, started);
    if (!inserted) throw invalid(`X-Road-Id ${transferId} was already used`);
    try {
      const opening = Buffer.from(JSON.stringify({ envelope: env, signature }));
      providerJson(await toProvider(provider, env, { method: 'POST', path: '/t1/transfers', contentType: 'application/json' }, signature, opening));
    } catch (e) {
      await db.deleteFrom('transfers').where('role', '=', 'consumer').where('id', '=', transferId).execute();
      throw e;
    }
    const shape = transferShape(env)!;
    json(res, 201, { transferId, chunkSize: shape.chunkSize, chunks: shape.chunks, hashAlgorithm: suite.hashName, nextOffset: 0 }, { [H.id]: transferId });
  };

  /** The provider's view of a transfer; logs the result here when it has not been yet. */
  const remoteStatus = async (row: TransferRow) => {
    const env = JSON.parse(row.envelope) as RequestEnvelope;
    const provider = providerOf(globalConf.usable('Server.ClientProxy.OutdatedGlobalConf'), env);
    const remote = providerJson<{ status: TransferRow['status']; received: number[]; result: TransferResult | null }>(
      await toProvider(provider, env, { method: 'GET', path: `/t1/transfers/${row.id}` }, row.signature),
    );
    if (remote.status === 'abandoned') {
      await abandon('consumer', row.id, 'the provider node abandoned it');
      return abandonedView(row);
    }
    const outcome = remote.result ? await acceptResult(row, provider, remote.result) : null;
    const shape = transferShape(env)!;
    const have = new Set(remote.received);
    const missing: number[] = [];
    for (let i = 0; i < shape.chunks && missing.length < 1000; i++) if (!have.has(i)) missing.push(i);
    return {
      transferId: row.id,
      status: outcome ? outcome.status : 'open',
      size: shape.size,
      chunkSize: shape.chunkSize,
      chunks: shape.chunks,
      receivedChunks: have.size,
      nextOffset: missing.length > 0 ? missing[0]! * shape.chunkSize : shape.size,
      missing,
      result: outcome,
    };
  };

  const upload = async (req: http.IncomingMessage, res: http.ServerResponse, row: TransferRow, query: string) => {
    const env = JSON.parse(row.envelope) as RequestEnvelope;
    const shape = transferShape(env)!;
    if (row.status === 'abandoned') throw abandonedError(row.id);
    if (row.status !== 'open') throw invalid(`transfer ${row.id} is ${row.status}`);
    const offsetText = new URLSearchParams(query).get('offset') ?? '0';
    const offset = /^\d{1,16}$/.test(offsetText) ? Number(offsetText) : NaN;
    if (!Number.isSafeInteger(offset) || offset % shape.chunkSize !== 0 || offset >= shape.size)
      throw invalid(`offset must be a multiple of the chunk size ${shape.chunkSize} below the size ${shape.size}`);
    const provider = providerOf(globalConf.usable('Server.ClientProxy.OutdatedGlobalConf'), env);
    let outcome: TransferOutcome | null = null;
    const sendChunk = async (index: number, data: Buffer) => {
      const c: ChunkEnvelope = {
        transferId: row.id,
        index,
        offset: index * shape.chunkSize,
        length: data.length,
        hash: suite.hash(data).toString('hex'),
        sender: self,
        recipient: provider.id,
        timestamp: now(),
      };
      const signature = await deps.sign(canonicalChunk(c));
      // The chunk's hash travels as its body hash, its signature and timestamp as a message's.
      const target = {
        method: 'PUT',
        path: `/t1/transfers/${row.id}/chunks/${index}`,
        timestamp: c.timestamp,
        bodyHash: c.hash,
        contentType: 'application/octet-stream',
      };
      const answer = providerJson<{ status: string; result: TransferResult | null }>(await toProvider(provider, env, target, signature, data));
      if (answer.status === 'abandoned') {
        await abandon('consumer', row.id, 'the provider node abandoned it');
        throw abandonedError(row.id);
      }
      progressed.set(row.id, now());
      if (answer.result) outcome = await acceptResult(row, provider, answer.result);
    };
    // Two buffers: one chunk fills from the local system while the one before is on its way.
    const buffers = [Buffer.allocUnsafe(shape.chunkSize), Buffer.allocUnsafe(shape.chunkSize)];
    let which = 0;
    let filled = 0;
    let index = offset / shape.chunkSize;
    let inflight: Promise<void> | undefined;
    const flush = async () => {
      const data = buffers[which]!.subarray(0, filled);
      await inflight;
      inflight = sendChunk(index, data);
      inflight.catch(() => undefined); // awaited before the next chunk or at the end
      index++;
      which ^= 1;
      filled = 0;
    };
    try {
      for await (const piece of req as AsyncIterable<Buffer>) {
        let rest = piece;
        while (rest.length > 0) {
          if (index >= shape.chunks) throw invalid(`the body runs past the size ${shape.size}`);
          const want = chunkLength(shape, index) - filled;
          const n = Math.min(want, rest.length);
          rest.copy(buffers[which]!, filled, 0, n);
          filled += n;
          rest = rest.subarray(n);
          if (filled === chunkLength(shape, index)) await flush();
        }
      }
      await inflight;
    } catch (e) {
      // The last chunk's answer waits for the provider's whole-file check and delivery, which may
      // outlast the transport's 60 s: the provider finishes anyway, so the answer is its status (202).
      const lastUnanswered = e instanceof XRoadError && e.type === 'Server.ClientProxy.NetworkError' && index === shape.chunks;
      // The local system's stream broke: the chunks sent so far stay; the transfer resumes from them.
      if (e instanceof XRoadError && !lastUnanswered) throw e;
      if (!lastUnanswered) throw invalid(`the upload stream broke at chunk ${index}: resume from GET /transfers/${row.id}`);
    } finally {
      await inflight?.catch(() => undefined);
    }
    if (outcome) {
      const { error, detail } = outcome as TransferOutcome;
      if (error) throw new XRoadError(error, detail ?? undefined);
      json(res, 200, outcome, { [H.id]: row.id });
      return;
    }
    json(res, 202, await remoteStatus(row), { [H.id]: row.id });
  };

  const handleClient = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string, query: string): Promise<void> => {
    const m = CLIENT_ROUTE.exec(pathname);
    if (m) return open(req, res, m, query);
    const one = ONE.exec(pathname);
    if (!one) throw invalid('the path must be /transfers/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path] or /transfers/{id}');
    const row = await ownTransfer(req, one[1]!);
    if (req.method === 'GET') json(res, 200, row.status === 'abandoned' ? abandonedView(row) : await remoteStatus(row));
    else if (req.method === 'PUT') await upload(req, res, row, query);
    else throw invalid('a transfer is read with GET and sent with PUT');
  };

  // ── server side ─────────────────────────────────────────────────────────────────────────
  const peerNode = (req: http.IncomingMessage, conf: GlobalConf) => {
    const node = conf.nodes.find((n) => n.certFingerprint === deps.peerFingerprint(req));
    if (!node || header(req.headers, H.sender) !== node.id)
      throw new XRoadError('Server.ServerProxy.UnknownSender', 'the TLS certificate does not belong to the sending node');
    return node;
  };

  /** The provider's signed answer: logged in its message log, returned to the consumer node. */
  const conclude = async (env: RequestEnvelope, signature: string, startedAt: string, outcome: TransferOutcome): Promise<TransferResult> => {
    const body = JSON.stringify(outcome);
    const envelope: ResponseEnvelope = {
      messageId: env.messageId,
      requestHash: requestHash(canonicalRequest(env), Buffer.alloc(0)),
      status: outcome.error ? XROAD_ERRORS[outcome.error].status : outcome.backendStatus,
      contentType: 'application/json; charset=utf-8',
      error: outcome.error,
      timestamp: now(),
      sender: self,
      recipient: env.sender,
      bodyHash: suite.hash(Buffer.from(body, 'utf8')).toString('hex'),
    };
    const result: TransferResult = { envelope, signature: await deps.sign(canonicalResponse(envelope)), body };
    await messageLog.append(logEntry('provider', env, signature, startedAt, result));
    return result;
  };

  const logEntry = (
    role: 'consumer' | 'provider',
    env: RequestEnvelope,
    signature: string,
    startedAt: string,
    result: TransferResult,
  ): Omit<MessageRecord, 'seq' | 'hash' | 'prev_hash'> => {
    const r = result.envelope;
    return {
      ...requestFields(env, r.requestHash, signature, role, env.sender, env.recipient),
      response_timestamp: r.timestamp,
      response_status: r.status,
      response_content_type: r.contentType,
      response_error: r.error,
      response_body_hash: r.bodyHash,
      response_signature: result.signature,
      outcome: r.error === 'Server.ServerProxy.AccessDenied' ? 'denied' : r.error || r.status >= 300 ? 'error' : 'ok',
      bodies: 'metadata',
      started_at: startedAt,
      ended_at: now(),
    };
  };

  const accessFor = (conf: GlobalConf, env: RequestEnvelope) => {
    const q = env.path.indexOf('?');
    const subpath = normaliseSubpath((q < 0 ? env.path : env.path.slice(0, q)).slice(`/r1/${env.service}`.length));
    if (subpath === undefined) throw invalid('malformed path');
    return findAccessRight(conf.accessRights, { client: env.client, service: env.service, method: env.method, subpath, purpose: env.purpose, at: now() });
  };

  const serverOpen = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const started = now();
    const conf = globalConf.usable('Server.ServerProxy.OutdatedGlobalConf');
    const consumer = peerNode(req, conf);
    let given: { envelope?: Partial<Record<keyof RequestEnvelope, unknown>>; signature?: unknown };
    try {
      given = JSON.parse((await readBody(req, SMALL, 'Client.BodyTooLarge')).toString('utf8')) as typeof given;
    } catch (e) {
      if (e instanceof XRoadError) throw e;
      throw invalid('the opening must be JSON { envelope, signature }');
    }
    const env = requestEnvelopeOf(given?.envelope);
    if (typeof given?.signature !== 'string' || !env) throw invalid('the opening envelope is incomplete');
    const signature = given.signature;
    if (env.sender !== consumer.id || !deps.verifyBy(consumer, canonicalRequest(env), signature))
      throw new XRoadError('Server.ServerProxy.InvalidSignature', 'the transfer opening signature does not verify');
    const sent = Date.parse(env.timestamp);
    if (Number.isNaN(sent) || Math.abs(clock.now().getTime() - sent) > config.maxClockSkewMs)
      throw new XRoadError('Server.ServerProxy.ExpiredMessage', `timestamp ${env.timestamp}`);
    if (env.recipient !== self) throw new XRoadError('Server.ServerProxy.WrongRecipient', `addressed to ${env.recipient}`);
    if (!MESSAGE_ID.test(env.messageId) || env.method !== 'POST' || !env.path.startsWith(`/r1/${env.service}`) || !parseServiceId(env.service))
      throw invalid('malformed transfer opening');
    const shape = transferShape(env);
    if (!shape || shape.chunkSize > 64 * 1024 * 1024 || !/^[0-9a-f]{64}$/.test(env.bodyHash)) throw invalid('malformed transfer size, chunk size or hash');
    if (shape.size > config.transfer.maxFileBytes) throw new XRoadError('Client.BodyTooLarge', `size: at most ${config.transfer.maxFileBytes} bytes`);
    if (!consumer.subsystems.includes(env.client)) throw new XRoadError('Server.ServerProxy.UnknownSender', `${consumer.id} does not act for ${env.client}`);
    const own = conf.nodes.find((n) => n.id === self);
    const code = env.service.slice(env.service.lastIndexOf('/') + 1);
    if (!own?.subsystems.includes(subsystemOfService(env.service)) || !config.services[code])
      throw new XRoadError('Server.ServerProxy.UnknownService', env.service);
    if (!(await messageLog.claimMessageId('provider', consumer.id, env.messageId, started)))
      throw new XRoadError('Server.ServerProxy.ReplayedMessage', env.messageId);
    const access = accessFor(conf, env);
    if ('denied' in access) {
      await conclude(env, signature, started, {
        transferId: env.messageId,
        status: 'denied',
        size: shape.size,
        fileHash: '',
        backendStatus: 0,
        error: 'Server.ServerProxy.AccessDenied',
        detail: access.denied,
      });
      throw new XRoadError('Server.ServerProxy.AccessDenied', access.denied);
    }
    const inserted = await recordOpening('provider', env, signature, started);
    if (!inserted) throw new XRoadError('Server.ServerProxy.ReplayedMessage', env.messageId);
    await fs.promises.mkdir(dir, { recursive: true });
    const fh = await fs.promises.open(fileOf(env.messageId), 'w');
    try {
      await fh.truncate(shape.size); // sparse: chunks land at their offsets in any order
    } finally {
      await fh.close();
    }
    json(res, 201, { transferId: env.messageId, chunks: shape.chunks });
  };

  const providerTransfer = async (req: http.IncomingMessage, id: string) => {
    const conf = globalConf.usable('Server.ServerProxy.OutdatedGlobalConf');
    const consumer = peerNode(req, conf);
    const row = await findTransfer('provider', id);
    const env = row ? (JSON.parse(row.envelope) as RequestEnvelope) : undefined;
    if (!row || !env || env.sender !== consumer.id) throw invalid(`no transfer ${id} from ${consumer.id}`);
    return { conf, consumer, row, env, shape: transferShape(env)! };
  };

  const received = async (id: string) =>
    (await db.selectFrom('transfer_chunks').select('idx').where('transfer_id', '=', id).orderBy('idx').execute()).map((r) => Number(r.idx));

  const serverStatus = async (req: http.IncomingMessage, res: http.ServerResponse, id: string) => {
    const found = await providerTransfer(req, id);
    // Every chunk in but no result (the node stopped while finishing): finish now.
    if (found.row.status === 'open' && (await received(id)).length === found.shape.chunks) await finish(found.row, found.env, found.consumer);
    const row = (await findTransfer('provider', id))!;
    json(res, 200, {
      transferId: id,
      status: row.status,
      received: await received(id),
      result: row.result ? (JSON.parse(row.result) as TransferResult) : null,
    });
  };

  const serverChunk = async (req: http.IncomingMessage, res: http.ServerResponse, id: string, index: number) => {
    const { conf, consumer, row, env, shape } = await providerTransfer(req, id);
    if (row.status !== 'open') {
      req.resume();
      json(res, 200, { transferId: id, status: row.status, result: row.result ? (JSON.parse(row.result) as TransferResult) : null });
      return;
    }
    if (index >= shape.chunks) throw invalid(`chunk index must be below ${shape.chunks}`);
    const c: ChunkEnvelope = {
      transferId: id,
      index,
      offset: index * shape.chunkSize,
      length: chunkLength(shape, index),
      // X-ZT-Chunk-Hash is what nodes before the shared transport sent.
      hash: header(req.headers, H.bodyHash) || header(req.headers, T.chunkHash),
      sender: consumer.id,
      recipient: self,
      timestamp: header(req.headers, H.timestamp),
    };
    const signature = header(req.headers, H.signature);
    const offset = header(req.headers, T.offset); // sent by older nodes; the index fixes the offset
    if ((offset && offset !== String(c.offset)) || header(req.headers, 'content-length') !== String(c.length))
      throw invalid(`chunk ${index} is ${c.length} bytes at offset ${c.offset}`);
    if (header(req.headers, H.recipient) !== self)
      throw new XRoadError('Server.ServerProxy.WrongRecipient', `addressed to ${header(req.headers, H.recipient)}`);
    if (!deps.verifyBy(consumer, canonicalChunk(c), signature))
      throw new XRoadError('Server.ServerProxy.InvalidSignature', `chunk ${index}: the signature does not verify`);
    const sent = Date.parse(c.timestamp);
    if (Number.isNaN(sent) || Math.abs(clock.now().getTime() - sent) > config.maxClockSkewMs)
      throw new XRoadError('Server.ServerProxy.ExpiredMessage', `timestamp ${c.timestamp}`);
    // A right revoked during a transfer stops it.
    const access = accessFor(conf, env);
    if ('denied' in access) throw new XRoadError('Server.ServerProxy.AccessDenied', access.denied);
    const already = await db.selectFrom('transfer_chunks').select('hash').where('transfer_id', '=', id).where('idx', '=', index).executeTakeFirst();
    if (already && already.hash === c.hash) {
      req.resume(); // sent again by a resumed transfer: already verified
    } else {
      // Straight to disk at the chunk's offset, hashed on the way; recorded only when the hash holds.
      const hash = streamHash(getSuite(consumer.signSuite));
      const fh = await fs.promises.open(fileOf(id), 'r+');
      let at = c.offset;
      try {
        // Socket reads are small (16–64 KiB): written in batches of about 1 MiB, one writev each.
        let batch: Buffer[] = [];
        let batched = 0;
        const write = async () => {
          await fh.writev(batch, at);
          at += batched;
          batch = [];
          batched = 0;
        };
        for await (const piece of req as AsyncIterable<Buffer>) {
          if (at + batched + piece.length > c.offset + c.length) throw invalid(`chunk ${index} is longer than ${c.length} bytes`);
          hash.update(piece);
          batch.push(piece);
          batched += piece.length;
          if (batched >= 1024 * 1024) await write();
        }
        if (batched > 0) await write();
        if (at !== c.offset + c.length) throw invalid(`chunk ${index} is shorter than ${c.length} bytes`);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      if (hash.digest('hex') !== c.hash) throw new XRoadError('Server.ServerProxy.InvalidSignature', `chunk ${index} does not match its signed hash`);
      await db
        .insertInto('transfer_chunks')
        .values({ transfer_id: id, idx: index, hash: c.hash, signature, received_at: now() })
        .onConflict((oc) => oc.columns(['transfer_id', 'idx']).doUpdateSet({ hash: c.hash, signature, received_at: now() }))
        .execute();
    }
    const have = await received(id);
    const result = have.length === shape.chunks ? await finish(row, env, consumer) : null;
    json(res, 200, { transferId: id, status: result ? 'done' : 'open', received: have.length, result });
  };

  /** All chunks in: check the whole file, hand it to the backend, sign, log. Once per transfer. */
  const finish = async (row: TransferRow, env: RequestEnvelope, consumer: ConfNode): Promise<TransferResult | null> => {
    const claimed = await db
      .updateTable('transfers')
      .set({ status: 'verifying' })
      .where('role', '=', 'provider')
      .where('id', '=', row.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return null;
    const shape = transferShape(env)!;
    const file = fileOf(row.id);
    const fileHash = await hashFile(getSuite(consumer.signSuite), file);
    let error: XRoadErrorType | '' = '';
    let detail: string | null = null;
    let backendStatus = 0;
    if (fileHash !== env.bodyHash) {
      error = 'Server.ServerProxy.InvalidSignature';
      detail = 'the file does not match its signed whole-file hash';
    } else {
      try {
        backendStatus = await deliver(env, file, shape.size, getSuite(consumer.signSuite).hashName, fileHash);
        if (backendStatus >= 300) {
          error = 'Server.ServerProxy.ServiceFailed';
          detail = `the backend answered ${backendStatus}`;
        }
      } catch (e) {
        error = 'Server.ServerProxy.ServiceFailed';
        detail = e instanceof XRoadError ? (e.detail ?? null) : 'the backend cannot be reached';
      }
    }
    const status = error ? 'failed' : 'complete';
    const result = await conclude(env, row.signature, row.created_at, { transferId: row.id, status, size: shape.size, fileHash, backendStatus, error, detail });
    await db
      .updateTable('transfers')
      .set({ status, result: JSON.stringify(result), ended_at: now() })
      .where('role', '=', 'provider')
      .where('id', '=', row.id)
      .execute();
    // Delivered: the backend holds the file now; the node keeps the evidence, not the bytes.
    if (status === 'complete') await fs.promises.rm(file, { force: true });
    log.info('file transfer finished', { transferId: row.id, consumer: consumer.id, status, size: shape.size, backendStatus });
    return result;
  };

  /** Streams the received file to the service's backend (POST to the service path), like a message body. */
  const deliver = (env: RequestEnvelope, file: string, size: number, hashName: string, fileHash: string) =>
    new Promise<number>((resolve, reject) => {
      const code = env.service.slice(env.service.lastIndexOf('/') + 1);
      const setting = config.services[code]!;
      const failed = (detail: string) => new XRoadError('Server.ServerProxy.ServiceFailed', detail);
      const rest = env.path.slice(`/r1/${env.service}`.length);
      let target: URL;
      try {
        target = new URL(setting.backend.replace(/\/$/, '') + rest);
      } catch {
        reject(failed('the backend address is malformed'));
        return;
      }
      const headers: Record<string, string | number> = {
        [H.client]: env.client,
        [H.id]: env.messageId,
        'content-type': 'application/octet-stream',
        'content-length': size,
        'x-zt-file-hash': `${hashName}:${fileHash}`,
      };
      if (env.userId) headers[H.userId] = env.userId;
      if (env.issue) headers[H.issue] = env.issue;
      if (env.purpose) headers[H.purpose] = encodeURIComponent(env.purpose);
      const request = (target.protocol === 'https:' ? https : http).request(target, { method: 'POST', headers, timeout: setting.timeoutMs });
      request.on('timeout', () => request.destroy(failed(`no progress within ${setting.timeoutMs} ms`)));
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 502));
        response.on('error', () => reject(failed('the backend connection broke')));
      });
      request.on('error', (e) => reject(e instanceof XRoadError ? e : failed('the backend cannot be reached')));
      fs.createReadStream(file, { highWaterMark: 1024 * 1024 })
        .on('error', (e) => request.destroy(e))
        .pipe(request);
    });

  const handleServer = async (req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> => {
    if (pathname === '/t1/transfers') {
      if (req.method !== 'POST') throw invalid('a transfer is opened with POST');
      return serverOpen(req, res);
    }
    const chunk = SERVER_CHUNK.exec(pathname);
    if (chunk) {
      if (req.method !== 'PUT') throw invalid('a chunk is sent with PUT');
      return serverChunk(req, res, chunk[1]!, Number(chunk[2]));
    }
    const one = SERVER_ONE.exec(pathname);
    if (one && req.method === 'GET') return serverStatus(req, res, one[1]!);
    throw invalid('unknown transfer route');
  };

  return {
    handleClient,
    handleServer,
    sweepNow,
    /** Stops the sweep of abandoned transfers (waiting for one under way). */
    async close() {
      clearInterval(sweepTimer);
      await sweeping;
    },
  };
}
