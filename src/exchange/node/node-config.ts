import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';
import { validationError } from '../../core/errors.js';

const Suite = Type.Union([Type.Literal('ed25519'), Type.Literal('sm2')]);

/** `node.json`: written by `zhengtong node init`, read by `zhengtong node --config`. Paths are relative to the file. */
export const NodeConfigSchema = Type.Object(
  {
    nodeId: Type.String({ minLength: 1 }),
    centerUrl: Type.String({ minLength: 1 }),
    /** The center's signing key, pinned at init: global configurations must be signed with it. */
    center: Type.Object({ suite: Suite, publicKey: Type.String(), fingerprint: Type.String() }),
    instance: Type.String(),
    memberId: Type.String(),
    /** The subsystems this node acts for; local systems authenticate with the subsystem's API key (SHA-256 kept here). */
    subsystems: Type.Record(Type.String(), Type.Object({ apiKeySha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) })),
    /** The address other nodes reach this node's server side at (published in the global configuration). */
    address: Type.String(),
    host: Type.String({ default: '127.0.0.1' }),
    /** Port of the client side (local systems, plain HTTP on the department's network). */
    clientPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Port of the server side (other nodes, mutual TLS). */
    serverPort: Type.Integer({ minimum: 0, maximum: 65535 }),
    dbUrl: Type.String({ default: 'node.db' }),
    dataDir: Type.String({ default: '.' }),
    suite: Suite,
    /** Services this node provides: code → backend base URL, timeout and what the message log keeps. */
    services: Type.Record(
      Type.String(),
      Type.Object({
        backend: Type.String(),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
        log: Type.Union([Type.Literal('full'), Type.Literal('metadata')], { default: 'full' }),
      }),
      { default: {} },
    ),
    /** Event types this node publishes: subsystem code → event type → JSON schema of the event (pub/sub). */
    events: Type.Record(
      Type.String(),
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9._-]{1,100}$' }), Type.Object({ schema: Type.Record(Type.String(), Type.Unknown()) })),
      {
        default: {},
      },
    ),
    /** Pub/sub: where published events are kept (`database`, or a NATS JetStream `nats://…` URL), delivery batch, retry back-off and retention. */
    pubsub: Type.Object(
      {
        store: Type.String({ pattern: '^(database|nats://.+)$', default: 'database' }),
        batchSize: Type.Integer({ minimum: 1, maximum: 2000, default: 500 }),
        retryInitialMs: Type.Integer({ minimum: 10, default: 200 }),
        retryMaxMs: Type.Integer({ minimum: 10, default: 60_000 }),
        /** Retention: events every subscriber acknowledged are deleted once this old (database store, checked every `retentionIntervalMs`); with NATS, the stream's maximum age (0: none). */
        retainDays: Type.Number({ minimum: 0, default: 3 }),
        retentionIntervalMs: Type.Integer({ minimum: 100, default: 600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    pollIntervalMs: Type.Integer({ minimum: 1000, default: 60_000 }),
    /** Largest body of an ordinary message (request or response) the node passes on; larger payloads go by file transfer. */
    maxBodyBytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
    /**
     * Bodies larger than this stream through the node: spooled to a file in `spool/` while they are
     * hashed, then sent on from it, so memory does not grow with body size (smaller ones stay in memory).
     */
    spoolAboveBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    /**
     * Largest body the node reads whole into memory: to keep it in the message log (a larger one is
     * logged as metadata, its signed hash still naming it) or to apply a grant's field filter to it
     * (a larger filtered answer is refused with `Server.ServerProxy.ServiceFailed`).
     */
    maxWholeBodyBytes: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
    /**
     * File transfer: chunk size this node sends with, largest file it accepts, folder for received chunks (relative to dataDir);
     * open transfers untouched for `abandonAfterHours` are abandoned (chunks deleted), checked every `sweepIntervalMs`.
     */
    transfer: Type.Object(
      {
        chunkBytes: Type.Integer({ minimum: 64 * 1024, maximum: 64 * 1024 * 1024, default: 8 * 1024 * 1024 }),
        maxFileBytes: Type.Integer({ minimum: 1, default: 1024 ** 4 }),
        dir: Type.String({ default: 'transfers' }),
        abandonAfterHours: Type.Number({ exclusiveMinimum: 0, default: 24 }),
        sweepIntervalMs: Type.Integer({ minimum: 100, default: 600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Messages whose timestamp is further than this from the receiver's clock are refused. */
    maxClockSkewMs: Type.Integer({ minimum: 1000, default: 5 * 60_000 }),
    /** Log a warning when the configuration expires within this time. */
    warnBeforeExpiryMs: Type.Integer({ minimum: 0, default: 2 * 3600_000 }),
    logLevel: Type.String({ default: 'info' }),
    /**
     * The message log: `encryptBodies` encrypts the kept bodies at rest with the node's data key
     * (`keys/message-log.key.json`, created when missing) and its suite's cipher (AES-256-GCM or SM4).
     */
    messageLog: Type.Optional(Type.Object({ encryptBodies: Type.Boolean({ default: false }) }, { additionalProperties: false })),
    /** Retention: records older than `afterDays` move into signed archive files in `dir` (relative to dataDir), checked every `intervalMs`. */
    archive: Type.Optional(
      Type.Object(
        {
          afterDays: Type.Number({ minimum: 0 }),
          dir: Type.String({ default: 'archive' }),
          intervalMs: Type.Integer({ minimum: 1000, default: 3600_000 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type NodeConfig = Static<typeof NodeConfigSchema>;

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const check = ajv.compile(NodeConfigSchema);

/**
 * Checks a parsed node configuration (filling defaults) and resolves its paths against `baseDir`.
 *
 * @throws VALIDATION_FAILED naming each bad field.
 */
export function parseNodeConfig(raw: unknown, baseDir: string): NodeConfig {
  const copy = structuredClone(raw);
  if (!check(copy)) {
    throw validationError(
      (check.errors ?? []).map((e) => ({ field: `node.json${e.instancePath.replace(/\//g, '.')}`, reason: e.message ?? e.keyword })),
      '节点配置不合法 (invalid node configuration)',
    );
  }
  const c = copy as NodeConfig;
  const dataDir = path.resolve(baseDir, c.dataDir);
  return { ...c, dataDir, dbUrl: /^postgres(ql)?:\/\//i.test(c.dbUrl) ? c.dbUrl : path.resolve(dataDir, c.dbUrl.replace(/^sqlite:(\/\/)?/i, '')) };
}

/** Reads and checks `node.json`. */
export function loadNodeConfig(file: string): NodeConfig {
  const text = fs.readFileSync(file, 'utf8');
  return parseNodeConfig(JSON.parse(text), path.dirname(path.resolve(file)));
}

/** The files a node keeps in its data folder. */
export function nodeFiles(dataDir: string) {
  return {
    signingKey: path.join(dataDir, 'keys', 'signing.key.json'),
    /** The data key of the message log's bodies at rest (body-encryption.ts). */
    bodyKey: path.join(dataDir, 'keys', 'message-log.key.json'),
    tlsKey: path.join(dataDir, 'keys', 'tls.key.pem'),
    tlsCert: path.join(dataDir, 'keys', 'tls.cert.pem'),
    trustRoot: path.join(dataDir, 'keys', 'trust-root.pem'),
    globalConf: path.join(dataDir, 'globalconf.json'),
    bodies: path.join(dataDir, 'bodies'),
    /** Bodies of messages in flight larger than `spoolAboveBytes` (emptied when the node starts). */
    spool: path.join(dataDir, 'spool'),
  };
}
