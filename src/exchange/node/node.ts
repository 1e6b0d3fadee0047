import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { systemClock, type Clock } from '../../core/clock.js';
import { getSuite, readKeyFile, type CryptoSuite, type KeyPair, type PublicKey } from '../../core/crypto/index.js';
import { openDatabase, type Database } from '../../core/db/database.js';
import { migrateToLatest } from '../../core/db/migrate.js';
import { AppError } from '../../core/errors.js';
import { findAccessRight, normaliseSubpath } from '../protocol/access-check.js';
import { BatchSigner, VerifiedRoots, verifySignatureToken } from '../protocol/batch-signature.js';
import { answerMetaservice, isMetaservice, listClients, type Metaservice } from '../protocol/metaservices.js';
import { filterFields } from '../protocol/field-filter.js';
import type { ConfNode, GlobalConf } from '../protocol/globalconf.js';
import { parseServiceId, parseSubsystemId, subsystemOfService } from '../protocol/identifiers.js';
import { canonicalRequest, canonicalResponse, H, MESSAGE_ID, requestHashOf, type RequestEnvelope, type ResponseEnvelope } from '../protocol/messages.js';
import { XRoadError, type XRoadErrorType } from '../protocol/xroad-errors.js';
import { archiveMessages, lastArchive, type ArchiveRow } from './archive.js';
import { GlobalConfHolder } from './globalconf-client.js';
import { clientOf, decodeHeader, header, messageHeaders, serviceOfRoute } from './http-util.js';
import { disposeWhenDone, MessageBody, resetSpool, type BodyHashName, type BodyReadOptions } from './message-body.js';
import { MessageLog, outcomeOf, requestFields } from './message-log.js';
import { nodeFiles, type NodeConfig } from './node-config.js';
import { nodeMigrations } from './node.migration.js';
import { createNodeCaller, createSignedCall, keptBodies, NODE_CALL_TIMEOUT_MS, type SignedAnswer } from './signed-call.js';
import { NodeMetrics } from './node-metrics.js';
import { createNodeLogger, type NodeLogger } from './node-logger.js';
import { isPubSubPath, startPubSub, type PubSub } from '../pubsub/pubsub.js';
import { createTransfers } from '../transfer/transfer.js';

/** A running department node. */
export interface ExchangeNode {
  config: NodeConfig;
  /** Base URL of the client side (local systems). */
  clientUrl: string;
  /** Base URL of the server side (other nodes, mutual TLS). */
  serverUrl: string;
  database: Database;
  messageLog: MessageLog;
  globalConf: GlobalConfHolder;
  /** Polls the center now (also done every `pollIntervalMs`). */
  pollNow(): Promise<'updated' | 'unchanged' | 'failed'>;
  /**
   * Archives the records that ended before `before` (default: now minus the retention setting)
   * into signed files and removes them from the live log. Also run every `archive.intervalMs`.
   */
  archiveNow(before?: Date): Promise<ArchiveRow[]>;
  close(): Promise<void>;
}

interface NodeKeys {
  suite: CryptoSuite;
  signing: KeyPair;
  tlsKey: string;
  tlsCert: string;
  trustRoot: string;
}

const ROUTE = /^\/r1\/([^/?]+)\/([^/?]+)\/([^/?]+)\/([^/?]+)\/([^/?]+)(\/[^?]*)?$/;
const fingerprintOf = (f256: string) => f256.replace(/:/g, '').toLowerCase();
const sha256hex = (s: string) => createHash('sha256').update(s).digest();

// A TLS connection's peer certificate does not change (no renegotiation), so its fingerprint is
// read once per connection: getPeerCertificate() decodes the whole certificate into an object.
const peerFingerprints = new WeakMap<TLSSocket, string>();
function peerFingerprintOf(socket: TLSSocket): string {
  let fp = peerFingerprints.get(socket);
  if (fp === undefined) peerFingerprints.set(socket, (fp = fingerprintOf(socket.getPeerCertificate().fingerprint256 ?? '')));
  return fp;
}

/** Fetches the node's certificate from the center when it is not on disk yet (after approval). */
async function ensureCertificate(config: NodeConfig, file: string): Promise<void> {
  if (fs.existsSync(file)) return;
  const res = await fetch(new URL(`/api/v1/exchange/registrations/${config.nodeId}`, config.centerUrl), { signal: AbortSignal.timeout(10_000) });
  const reg = (await res.json()) as { status?: string; certificatePem?: string | null };
  if (!res.ok || reg.status !== 'approved' || !reg.certificatePem) {
    throw new AppError(
      'EXCHANGE_NODE_NOT_APPROVED',
      `节点 ${config.nodeId} 尚未获批（${reg.status ?? res.status}）：请管理员执行 zhengtong center approve ${config.nodeId}`,
    );
  }
  await fs.promises.writeFile(file, reg.certificatePem);
}

async function loadKeys(config: NodeConfig): Promise<NodeKeys> {
  const files = nodeFiles(config.dataDir);
  await ensureCertificate(config, files.tlsCert);
  const { suite, keyPair } = await readKeyFile(files.signingKey);
  return {
    suite,
    signing: keyPair,
    tlsKey: await fs.promises.readFile(files.tlsKey, 'utf8'),
    tlsCert: await fs.promises.readFile(files.tlsCert, 'utf8'),
    trustRoot: await fs.promises.readFile(files.trustRoot, 'utf8'),
  };
}

function sendError(res: http.ServerResponse, e: XRoadError, extra: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(e.body()));
  // Set apart so the metrics can read it back (headers given to writeHead are not).
  res.setHeader(H.error, e.type);
  res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, ...extra });
  res.end(body);
}

/**
 * Starts a department node: opens its database, loads its keys (fetching its certificate once
 * approved), loads and polls the global configuration, and listens on the client side (HTTP, API
 * key per subsystem) and the server side (HTTPS, mutual TLS with center-issued certificates).
 *
 * @throws EXCHANGE_NODE_NOT_APPROVED while the registration is pending.
 */
export async function startNode(config: NodeConfig, options: { clock?: Clock; logger?: NodeLogger } = {}): Promise<ExchangeNode> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createNodeLogger(config.logLevel, config.nodeId);
  const files = nodeFiles(config.dataDir);
  const keys = await loadKeys(config);
  const database = await openDatabase(config.dbUrl);
  let clientServer: http.Server | undefined;
  let serverSide: https.Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  let archiveTimer: NodeJS.Timeout | undefined;
  let pubsub: PubSub | undefined;
  try {
    await migrateToLatest(database.db, database.dialect, nodeMigrations);
    await resetSpool(files.spool);
    const messageLog = await MessageLog.forNode(database.db, keys.suite, config, { create: true });
    const globalConf = new GlobalConfHolder(
      { centerUrl: config.centerUrl, center: config.center, instance: config.instance, file: files.globalConf, warnBeforeExpiryMs: config.warnBeforeExpiryMs },
      clock,
      log,
    );
    await globalConf.loadFromDisk();
    await globalConf.poll();

    const self = config.nodeId;
    // The inactivity timeout is the agent's, the one every call to another node uses (NODE_CALL_TIMEOUT_MS):
    // a request whose timeout equals its agent's does not re-arm its socket's timer on each call.
    const agent = new https.Agent({
      keepAlive: true,
      noDelay: true,
      maxSockets: 256,
      timeout: NODE_CALL_TIMEOUT_MS,
      key: keys.tlsKey,
      cert: keys.tlsCert,
      ca: [keys.trustRoot],
    });
    const signer = new BatchSigner(keys.suite, keys.signing.privateKey);
    const sign = (data: Buffer) => signer.sign(data);
    // Importing a key validates it (for SM2 a point check in JavaScript): once per key, not per message.
    const peerKeys = new Map<string, PublicKey>();
    const verifiedRoots = new VerifiedRoots();
    const verifyBy = (node: ConfNode, data: Buffer, signature: string) => {
      try {
        const suite = getSuite(node.signSuite);
        const keyId = `${node.signSuite}:${node.signPublicKey}`;
        let key = peerKeys.get(keyId);
        if (!key) peerKeys.set(keyId, (key = suite.importPublicKey(node.signPublicKey)));
        return verifySignatureToken(suite, key, data, signature, { roots: verifiedRoots, keyId });
      } catch {
        return false;
      }
    };
    const metrics = new NodeMetrics(self, {
      confExpiresIn: () => {
        const held = globalConf.held();
        return held ? (Date.parse(held.conf.expiresAt) - clock.now().getTime()) / 1000 : undefined;
      },
      signatures: () => signer.stats,
      pendingLogWrites: () => messageLog.pending,
    });
    const certNotAfter = new Date(new X509Certificate(keys.tlsCert).validTo).toISOString();
    // The labels a message is counted under, once the handler knows them (bounded: only services and
    // subsystems of the global configuration become label values).
    const labels = new WeakMap<http.IncomingMessage, { service: string; client: string }>();
    // Per configuration (a new one is a new object), the labels of each (service, client) pair seen.
    const knownLabels = new WeakMap<GlobalConf, Map<string, { service: string; client: string }>>();
    const label = (req: http.IncomingMessage, conf: GlobalConf, service: string, client: string) => {
      let known = knownLabels.get(conf);
      if (!known) knownLabels.set(conf, (known = new Map()));
      const key = `${service}\n${client}`;
      let value = known.get(key);
      if (!value) {
        const code = service.slice(service.lastIndexOf('/') + 1);
        const knownService =
          conf.services.some((s) => s.id === service) || (isMetaservice(code) && conf.nodes.some((n) => n.subsystems.includes(subsystemOfService(service))));
        const knownClient = conf.nodes.some((n) => n.subsystems.includes(client));
        value = { service: knownService ? service : 'unknown', client: knownClient ? client : 'unknown' };
        // Bounded by what callers send: beyond a few thousand pairs, start over.
        if (known.size >= 4096) known.clear();
        known.set(key, value);
      }
      labels.set(req, value);
    };
    const apiKeyOk = (subsystemCode: string, given: string) => {
      const expected = config.subsystems[subsystemCode]?.apiKeySha256;
      return !!expected && given.length > 0 && timingSafeEqual(sha256hex(given), Buffer.from(expected, 'hex'));
    };

    // File transfer (src/exchange/transfer): /transfers/… on the client side, /t1/transfers/… between nodes.
    const transfers = createTransfers({
      config,
      db: database.db,
      suite: keys.suite,
      clock,
      log,
      globalConf,
      messageLog,
      sign,
      verifyBy,
      agent,
      isCertOf: (node, cert) => fingerprintOf(cert.fingerprint256) === node.certFingerprint,
      peerFingerprint: (req) => peerFingerprintOf(req.socket as TLSSocket),
      apiKeyOk,
    });

    // ── client side: a local system calls a service of another department ──────────────────
    const handleClient = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      const query = q < 0 ? '' : url.slice(q);
      if (pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', node: self, globalConf: globalConf.status() }));
        return;
      }
      if (pathname === '/metrics' || pathname === '/status') {
        // Operations data: for the department's own systems and monitoring (any subsystem API key,
        // as X-API-Key or as a bearer token, which is what Prometheus sends).
        const key = header(req.headers, 'x-api-key') || header(req.headers, 'authorization').replace(/^Bearer\s+/i, '');
        if (!Object.keys(config.subsystems).some((code) => apiKeyOk(code, key)))
          throw new XRoadError('Client.Unauthorized', 'X-API-Key (or Authorization: Bearer) does not authenticate a subsystem of this node');
        if (pathname === '/metrics') {
          const text = Buffer.from(await metrics.text());
          res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': text.length }).end(text);
          return;
        }
        const held = globalConf.held();
        const now = clock.now().getTime();
        const status = {
          node: self,
          member: config.memberId,
          suite: keys.suite.name,
          globalConf: {
            ...globalConf.status(),
            generatedAt: held?.conf.generatedAt ?? null,
            ageSeconds: held ? Math.max(0, Math.round((now - Date.parse(held.conf.generatedAt)) / 1000)) : null,
            expiresInSeconds: held ? Math.round((Date.parse(held.conf.expiresAt) - now) / 1000) : null,
            usable: !!held && held.conf.expiresAt > clock.now().toISOString(),
          },
          certificate: { notAfter: certNotAfter, expiresInDays: Math.floor((Date.parse(certNotAfter) - now) / 86_400_000) },
          messageLog: { ...(await messageLog.size()), pending: messageLog.pending },
          signatures: { ...signer.stats },
          lastArchive: (await lastArchive(database.db)) ?? null,
          pubsub: { store: pubsub!.store.kind, waiting: await pubsub!.depth(), retention: pubsub!.retention() },
        };
        const body = Buffer.from(JSON.stringify(status));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body);
        return;
      }
      if (pathname === '/listClients') {
        if (req.method !== 'GET') throw new XRoadError('Client.InvalidRequest', 'listClients is read with GET');
        // Any local system of this node (the API key of one of its subsystems) may list the clients.
        const key = header(req.headers, 'x-api-key');
        if (!Object.keys(config.subsystems).some((code) => apiKeyOk(code, key)))
          throw new XRoadError('Client.Unauthorized', 'X-API-Key does not authenticate a subsystem of this node');
        const conf = globalConf.usable('Server.ClientProxy.OutdatedGlobalConf');
        const body = Buffer.from(JSON.stringify(listClients(conf, new URLSearchParams(query).get('instanceId'))));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length }).end(body);
        return;
      }
      if (pathname.startsWith('/transfers/')) return transfers.handleClient(req, res, pathname, query);
      if (await pubsub!.handleClient(req, res)) return;
      const m = ROUTE.exec(pathname);
      if (!m) throw new XRoadError('Client.InvalidRequest', 'the path must be /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]');
      const { service, subpath } = serviceOfRoute(m);
      const client = clientOf(req.headers);
      const clientId = parseSubsystemId(client);
      if (!clientId) throw new XRoadError('Client.InvalidRequest', 'X-Road-Client (or X-GovStack-Client) must be INSTANCE/CLASS/MEMBER/SUBSYSTEM');
      if (
        `${clientId.instance}/${clientId.memberClass}/${clientId.memberCode}` !== config.memberId ||
        !apiKeyOk(clientId.subsystem, header(req.headers, 'x-api-key'))
      ) {
        throw new XRoadError('Client.Unauthorized', 'X-API-Key does not authenticate the X-Road-Client subsystem on this node');
      }
      const { givenId, messageId, userId, issue, purpose } = messageHeaders(req.headers);
      const conf = globalConf.usable('Server.ClientProxy.OutdatedGlobalConf');
      label(req, conf, service, client);
      const provider = conf.nodes.find((n) => n.subsystems.includes(subsystemOfService(service)));
      if (!provider) throw new XRoadError('Client.UnknownService', service);
      const body = await MessageBody.read(req, bodyRead('Client.BodyTooLarge', [keys.suite.hashName, 'sha512']));
      let answer: SignedAnswer;
      try {
        const started = clock.now().toISOString();
        // An id the caller chose must not have been used before; one the node drew (a random UUID) cannot have been.
        if (givenId && !(await messageLog.claimMessageId('consumer', self, messageId, started)))
          throw new XRoadError('Client.InvalidRequest', `X-Road-Id ${messageId} was already used`);

        answer = await signedCall(
          provider,
          {
            method: req.method ?? 'GET',
            path: `/r1/${service}${m[6] ? subpath : ''}${query}`,
            messageId,
            client,
            service,
            userId,
            issue,
            purpose,
            timestamp: started,
            contentType: header(req.headers, 'content-type'),
          },
          body,
        );
      } finally {
        void body.dispose();
      }
      const respEnv = answer.response;
      const out: Record<string, string | number> = { [H.id]: messageId, [H.requestHash]: respEnv.requestHash, 'content-length': answer.body.size };
      if (respEnv.contentType) out['content-type'] = respEnv.contentType;
      if (respEnv.error) res.setHeader(H.error, respEnv.error);
      disposeWhenDone(res, answer.body);
      answer.body.send(res.writeHead(respEnv.status, out));
    };

    // Bodies above `spoolAboveBytes` stream through a spool file (message-body.ts); the folder is emptied at start.
    const bodyRead = (tooLarge: XRoadErrorType, hashes: BodyHashName[]): BodyReadOptions => ({
      max: config.maxBodyBytes,
      tooLarge,
      spoolAbove: config.spoolAboveBytes,
      spoolDir: files.spool,
      hashes,
    });
    const signedCall = createSignedCall({
      self,
      suite: keys.suite,
      clock,
      messageLog,
      sign,
      verifyBy,
      callNode: createNodeCaller(agent, { max: config.maxBodyBytes, spoolAbove: config.spoolAboveBytes, spoolDir: files.spool }),
      maxKeptBodyBytes: config.maxWholeBodyBytes,
    });

    // ── server side: another department's node calls a service of ours ────────────────────
    const handleServer = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
      if (isPubSubPath(req.url ?? '') && (await pubsub!.handleServer(req, res))) return;
      if (req.url?.startsWith('/t1/')) return transfers.handleServer(req, res, req.url.split('?')[0]!);
      const started = clock.now();
      let consumerNode: ConfNode | undefined;
      let env: RequestEnvelope | undefined;
      let reqHash = '';
      let logBodies: 'full' | 'metadata' = 'metadata';
      let body = MessageBody.EMPTY;
      const answer = async (status: number, contentType: string, payload: MessageBody, error: XRoadErrorType | '', extra: Record<string, string> = {}) => {
        disposeWhenDone(res, payload);
        const respEnv: ResponseEnvelope = {
          messageId: env?.messageId ?? header(req.headers, H.id),
          requestHash: reqHash,
          status,
          contentType,
          error,
          timestamp: clock.now().toISOString(),
          sender: self,
          recipient: consumerNode?.id ?? '',
          bodyHash: payload.hash(keys.suite).toString('hex'),
        };
        const signature = await sign(canonicalResponse(respEnv));
        if (env && consumerNode) {
          const kept = logBodies === 'full' ? await keptBodies(body, payload, config.maxWholeBodyBytes) : undefined;
          await messageLog.append(
            {
              ...requestFields(env, reqHash, header(req.headers, H.signature), 'provider', env.sender, self),
              response_timestamp: respEnv.timestamp,
              response_status: status,
              response_content_type: contentType,
              response_error: error,
              response_body_hash: respEnv.bodyHash,
              response_signature: signature,
              outcome: outcomeOf(error, status),
              bodies: kept ? 'full' : 'metadata',
              started_at: started.toISOString(),
              ended_at: clock.now().toISOString(),
            },
            kept,
          );
        }
        const headers: Record<string, string | number> = {
          [H.id]: respEnv.messageId,
          [H.requestHash]: reqHash,
          [H.timestamp]: respEnv.timestamp,
          [H.bodyHash]: respEnv.bodyHash,
          [H.signature]: signature,
          'content-length': payload.size,
          ...extra,
        };
        if (contentType) headers['content-type'] = contentType;
        if (error) res.setHeader(H.error, error);
        payload.send(res.writeHead(status, headers));
      };
      try {
        const conf = globalConf.usable('Server.ServerProxy.OutdatedGlobalConf');
        const peerFingerprint = peerFingerprintOf(req.socket as TLSSocket);
        consumerNode = conf.nodes.find((n) => n.certFingerprint === peerFingerprint);
        if (!consumerNode || header(req.headers, H.sender) !== consumerNode.id) {
          consumerNode = undefined;
          throw new XRoadError('Server.ServerProxy.UnknownSender', 'the TLS certificate does not belong to the sending node');
        }
        body = await MessageBody.read(req, bodyRead('Client.BodyTooLarge', [getSuite(consumerNode.signSuite).hashName, 'sha512']));
        // A spooled request goes when the answer is done (sent or broken off).
        disposeWhenDone(res, body);
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const pathname = q < 0 ? url : url.slice(0, q);
        const m = ROUTE.exec(pathname);
        const service = m ? m.slice(1, 6).join('/') : '';
        env = {
          method: req.method ?? 'GET',
          path: url,
          messageId: header(req.headers, H.id),
          client: header(req.headers, H.client),
          service,
          userId: header(req.headers, H.userId),
          issue: header(req.headers, H.issue),
          purpose: decodeHeader(header(req.headers, H.purpose)),
          timestamp: header(req.headers, H.timestamp),
          sender: consumerNode.id,
          recipient: header(req.headers, H.recipient),
          contentType: header(req.headers, 'content-type'),
          bodyHash: header(req.headers, H.bodyHash),
        };
        const canonical = canonicalRequest(env);
        reqHash = requestHashOf(canonical, body.hash('sha512'));
        if (!verifyBy(consumerNode, canonical, header(req.headers, H.signature)))
          throw new XRoadError('Server.ServerProxy.InvalidSignature', 'the request signature does not verify');
        if (body.hash(getSuite(consumerNode.signSuite)).toString('hex') !== env.bodyHash)
          throw new XRoadError('Server.ServerProxy.InvalidSignature', 'the body does not match its signed hash');
        const sent = Date.parse(env.timestamp);
        if (Number.isNaN(sent) || Math.abs(started.getTime() - sent) > config.maxClockSkewMs)
          throw new XRoadError('Server.ServerProxy.ExpiredMessage', `timestamp ${env.timestamp}`);
        if (env.recipient !== self) throw new XRoadError('Server.ServerProxy.WrongRecipient', `addressed to ${env.recipient}`);
        if (!MESSAGE_ID.test(env.messageId)) throw new XRoadError('Client.InvalidRequest', 'bad X-Road-Id');
        if (!consumerNode.subsystems.includes(env.client))
          throw new XRoadError('Server.ServerProxy.UnknownSender', `${consumerNode.id} does not act for ${env.client}`);
        const subpath = m ? normaliseSubpath(m[6] ?? '') : undefined;
        if (!m || subpath === undefined || !parseServiceId(service)) throw new XRoadError('Client.InvalidRequest', 'malformed service identifier or path');
        label(req, conf, service, env.client);
        const own = conf.nodes.find((n) => n.id === self);
        const setting = config.services[m[5]!];
        if (!setting && isMetaservice(m[5]!) && !m[6] && own?.subsystems.includes(subsystemOfService(service))) {
          // listMethods / allowedMethods / getOpenAPI of one of our subsystems: any registered consumer may ask; logged in full.
          logBodies = 'full';
          if (env.method !== 'GET') throw new XRoadError('Client.InvalidRequest', `${m[5]} is read with GET`);
          if (!(await messageLog.claimMessageId('provider', consumerNode.id, env.messageId, started.toISOString()))) {
            logBodies = 'metadata';
            throw new XRoadError('Server.ServerProxy.ReplayedMessage', env.messageId);
          }
          const result = answerMetaservice(m[5]! as Metaservice, {
            conf,
            subsystem: subsystemOfService(service),
            client: env.client,
            query: q < 0 ? '' : url.slice(q),
            at: started.toISOString(),
            provided: (code) => code in config.services,
          });
          await answer(200, 'application/json; charset=utf-8', MessageBody.of(Buffer.from(JSON.stringify(result))), '');
          return;
        }
        if (!own?.subsystems.includes(subsystemOfService(service)) || !setting) throw new XRoadError('Server.ServerProxy.UnknownService', service);
        logBodies = setting.log;
        if (!(await messageLog.claimMessageId('provider', consumerNode.id, env.messageId, started.toISOString()))) {
          logBodies = 'metadata';
          throw new XRoadError('Server.ServerProxy.ReplayedMessage', env.messageId);
        }
        const access = findAccessRight(conf.accessRights, {
          client: env.client,
          service,
          method: env.method,
          subpath,
          purpose: env.purpose,
          at: started.toISOString(),
        });
        if ('denied' in access) throw new XRoadError('Server.ServerProxy.AccessDenied', access.denied);

        const backend = await callBackend(setting, env, m[6] ? subpath : '', q < 0 ? '' : url.slice(q), body);
        disposeWhenDone(res, backend.body);
        let payload = backend.body;
        if (access.right.fields !== null && backend.status >= 200 && backend.status < 300 && payload.size > 0) {
          if (!/\bjson\b/i.test(backend.contentType))
            throw new XRoadError('Server.ServerProxy.ServiceFailed', 'the grant filters fields but the backend did not answer JSON');
          // Filtering needs the whole document: bounded by maxWholeBodyBytes, not by what streams through.
          const whole = await payload.load(config.maxWholeBodyBytes);
          if (!whole)
            throw new XRoadError(
              'Server.ServerProxy.ServiceFailed',
              `the grant filters fields but the answer exceeds ${config.maxWholeBodyBytes} bytes (maxWholeBodyBytes)`,
            );
          let parsed: unknown;
          try {
            parsed = JSON.parse(whole.toString('utf8'));
          } catch {
            throw new XRoadError('Server.ServerProxy.ServiceFailed', 'the backend answered malformed JSON');
          }
          payload = MessageBody.of(Buffer.from(JSON.stringify(filterFields(parsed, access.right.fields))));
        }
        await answer(backend.status, backend.contentType, payload, '');
      } catch (e) {
        const xe = e instanceof XRoadError ? e : new XRoadError('Server.ServerProxy.InternalError');
        if (!(e instanceof XRoadError)) log.error('provider request failed', { error: (e as Error).stack });
        await answer(xe.status, 'application/json; charset=utf-8', MessageBody.of(Buffer.from(JSON.stringify(xe.body()))), xe.type);
      }
    };

    // Backends are called over kept-alive connections with node:http (fetch costs several times
    // the CPU per call); the timeout covers the whole answer, body included.
    const backendAgents = { http: new http.Agent({ keepAlive: true, maxSockets: 256 }), https: new https.Agent({ keepAlive: true, maxSockets: 256 }) };
    const callBackend = (setting: NodeConfig['services'][string], env: RequestEnvelope, subpath: string, query: string, body: MessageBody) =>
      new Promise<{ status: number; contentType: string; body: MessageBody }>((resolve, reject) => {
        const headers: Record<string, string | number> = { [H.client]: env.client, [H.id]: env.messageId };
        if (env.userId) headers[H.userId] = env.userId;
        if (env.issue) headers[H.issue] = env.issue;
        if (env.purpose) headers[H.purpose] = encodeURIComponent(env.purpose);
        if (env.contentType) headers['content-type'] = env.contentType;
        const withBody = env.method !== 'GET' && env.method !== 'HEAD';
        if (withBody) headers['content-length'] = body.size;
        const failed = (detail: string) => new XRoadError('Server.ServerProxy.ServiceFailed', detail);
        let target: URL;
        try {
          target = new URL(setting.backend.replace(/\/$/, '') + subpath + query);
        } catch {
          reject(failed('the backend address is malformed'));
          return;
        }
        const secure = target.protocol === 'https:';
        const deadline = Date.now() + setting.timeoutMs;
        const attempt = (mayRetry: boolean) => {
          const request = (secure ? https : http).request(target, { method: env.method, headers, agent: secure ? backendAgents.https : backendAgents.http });
          const timer = setTimeout(() => request.destroy(failed(`no answer within ${setting.timeoutMs} ms`)), Math.max(1, deadline - Date.now()));
          let answered = false;
          const settle =
            <T>(f: (v: T) => void) =>
            (v: T) => {
              clearTimeout(timer);
              f(v);
            };
          request.on('response', (response) => {
            answered = true;
            MessageBody.read(response, bodyRead('Server.ServerProxy.BodyTooLarge', [keys.suite.hashName])).then(
              settle((b: MessageBody) => resolve({ status: response.statusCode ?? 502, contentType: header(response.headers, 'content-type'), body: b })),
              settle((e: unknown) => reject(e instanceof XRoadError ? e : failed('the backend connection broke'))),
            );
          });
          request.on('error', (e: NodeJS.ErrnoException) => {
            clearTimeout(timer);
            // A kept-alive connection the backend closed while idle fails at once on reuse; a GET or
            // HEAD is sent again once on a fresh connection (what Node's documentation advises).
            if (mayRetry && !answered && !withBody && request.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) attempt(false);
            else reject(e instanceof XRoadError ? e : failed('the backend cannot be reached'));
          });
          if (withBody) body.send(request);
          else request.end();
        };
        attempt(true);
      });

    const guard =
      (handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>, internal: XRoadErrorType, role: 'consumer' | 'provider') =>
      (req: http.IncomingMessage, res: http.ServerResponse) => {
        if (req.url?.startsWith('/r1/')) {
          const t0 = performance.now();
          res.once('finish', () => {
            const error = String(res.getHeader(H.error) ?? '');
            const { service, client } = labels.get(req) ?? { service: 'unknown', client: 'unknown' };
            metrics.observe({ role, service, client, outcome: outcomeOf(error, res.statusCode), error, seconds: (performance.now() - t0) / 1000 });
          });
        }
        handler(req, res).catch((e: unknown) => {
          if (!(e instanceof XRoadError)) log.error('request failed', { error: (e as Error).stack });
          if (!res.headersSent) sendError(res, e instanceof XRoadError ? e : new XRoadError(internal));
          else res.destroy();
        });
      };

    pubsub = await startPubSub({
      config,
      db: database.db,
      clock,
      log,
      suite: keys.suite,
      globalConf,
      messageLog,
      sign,
      verifyBy,
      apiKeyOk,
      peerNode: (req) => globalConf.held()?.conf.nodes.find((n) => n.certFingerprint === peerFingerprintOf(req.socket as TLSSocket)),
      signedCall,
    });
    clientServer = http.createServer({ keepAliveTimeout: 65_000, noDelay: true }, guard(handleClient, 'Server.ClientProxy.InternalError', 'consumer'));
    serverSide = https.createServer(
      { key: keys.tlsKey, cert: keys.tlsCert, ca: [keys.trustRoot], requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 65_000, noDelay: true },
      guard(handleServer, 'Server.ServerProxy.InternalError', 'provider'),
    );
    await listen(clientServer, config.clientPort, config.host);
    await listen(serverSide, config.serverPort, config.host);
    const clientPort = (clientServer.address() as AddressInfo).port;
    const serverPort = (serverSide.address() as AddressInfo).port;
    timer = setInterval(() => void globalConf.poll(), config.pollIntervalMs);
    timer.unref();
    let archiving: Promise<ArchiveRow[]> | undefined;
    const archiveNow = (before?: Date): Promise<ArchiveRow[]> => {
      const cutoff = before ?? new Date(clock.now().getTime() - (config.archive?.afterDays ?? 0) * 86_400_000);
      // One archiving run at a time; a second caller waits for the running one and then runs.
      const run = async () =>
        archiveMessages(database.db, {
          nodeId: self,
          suite: keys.suite,
          signing: keys.signing,
          dir: path.resolve(config.dataDir, config.archive?.dir ?? 'archive'),
          before: cutoff.toISOString(),
          clock,
        });
      archiving = (archiving ?? Promise.resolve([])).catch(() => []).then(run);
      return archiving;
    };
    if (config.archive) {
      archiveTimer = setInterval(
        () =>
          void archiveNow().then(
            (rows) => rows.length > 0 && log.info('message log archived', { files: rows.map((r) => r.file) }),
            (e: unknown) => log.error('message log archiving failed', { error: (e as Error).message }),
          ),
        config.archive.intervalMs,
      );
      archiveTimer.unref();
    }
    log.info('node started', { clientPort, serverPort, globalConf: globalConf.status() });

    const closeServer = (s: http.Server) => new Promise<void>((r) => s.close(() => r()));
    return {
      config,
      clientUrl: `http://${config.host}:${clientPort}`,
      serverUrl: `https://${config.host}:${serverPort}`,
      database,
      messageLog,
      globalConf,
      pollNow: () => globalConf.poll(),
      archiveNow,
      async close() {
        clearInterval(timer);
        clearInterval(archiveTimer);
        await archiving?.catch(() => undefined);
        await globalConf.idle();
        agent.destroy();
        backendAgents.http.destroy();
        backendAgents.https.destroy();
        clientServer!.closeAllConnections();
        serverSide!.closeAllConnections();
        await Promise.all([closeServer(clientServer!), closeServer(serverSide!)]);
        await pubsub!.close();
        await transfers.close();
        await database.close();
      },
    };
  } catch (e) {
    clearInterval(timer);
    clientServer?.close();
    serverSide?.close();
    await pubsub?.close();
    await database.close();
    throw e;
  }
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export type { GlobalConf };
