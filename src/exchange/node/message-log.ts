import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { CryptoSuite } from '../../core/crypto/index.js';
import type SQLite from 'better-sqlite3';
import { sqliteHandleOf, tablesOf, type Db } from '../../core/db/database.js';
import type { RequestEnvelope } from '../protocol/messages.js';
import { bodyKeyMissing, loadBodyCipher, type BodyCipher } from './body-encryption.js';
import { nodeFiles, type NodeConfig } from './node-config.js';

/** One exchanged message as the node logged it: what was asked, by whom, why, and what was answered. */
export interface MessageRecord {
  seq: number;
  message_id: string;
  role: 'consumer' | 'provider';
  client: string;
  service: string;
  user_id: string;
  issue: string;
  purpose: string;
  method: string;
  path: string;
  consumer_node: string;
  provider_node: string;
  request_timestamp: string;
  request_content_type: string;
  request_body_hash: string;
  request_hash: string;
  request_signature: string;
  response_timestamp: string;
  response_status: number;
  response_content_type: string;
  response_error: string;
  response_body_hash: string;
  response_signature: string;
  outcome: 'ok' | 'denied' | 'error';
  bodies: 'full' | 'metadata';
  started_at: string;
  ended_at: string;
  prev_hash: string;
  hash: string;
}

/** A record's outcome from the answer's error type and HTTP status. */
export function outcomeOf(error: string, status: number): MessageRecord['outcome'] {
  if (error === 'Server.ServerProxy.AccessDenied') return 'denied';
  return error || status >= 500 ? 'error' : 'ok';
}

/** The request half of a record: what was asked, by whom and why, between which nodes, and the signed request. */
export function requestFields(
  env: RequestEnvelope,
  reqHash: string,
  signature: string,
  role: 'consumer' | 'provider',
  consumerNode: string,
  providerNode: string,
) {
  return {
    message_id: env.messageId,
    role,
    client: env.client,
    service: env.service,
    user_id: env.userId,
    issue: env.issue,
    purpose: env.purpose,
    method: env.method,
    path: env.path,
    consumer_node: consumerNode,
    provider_node: providerNode,
    request_timestamp: env.timestamp,
    request_content_type: env.contentType,
    request_body_hash: env.bodyHash,
    request_hash: reqHash,
    request_signature: signature,
  };
}

interface NodeTables {
  message_log: MessageRecord;
  message_log_head: { id: number; seq: number; hash: string };
  message_ids: { role: string; sender: string; message_id: string; seen_at: string };
  /** `key_id`: the data key the body is encrypted with (body-encryption.ts); null for plaintext. */
  message_bodies: { seq: number; part: 'request' | 'response'; body: Uint8Array; key_id: string | null };
}

const q = (db: Db): Kysely<NodeTables> => tablesOf<NodeTables>(db);

/** The record fields the chain hash covers, in a fixed order. */
const CHAINED: readonly (keyof Omit<MessageRecord, 'hash' | 'prev_hash'>)[] = [
  'seq',
  'message_id',
  'role',
  'client',
  'service',
  'user_id',
  'issue',
  'purpose',
  'method',
  'path',
  'consumer_node',
  'provider_node',
  'request_timestamp',
  'request_content_type',
  'request_body_hash',
  'request_hash',
  'request_signature',
  'response_timestamp',
  'response_status',
  'response_content_type',
  'response_error',
  'response_body_hash',
  'response_signature',
  'outcome',
  'bodies',
  'started_at',
  'ended_at',
];

/** Every column of a record, in the order of the insert. */
const COLUMNS: readonly (keyof MessageRecord)[] = [...CHAINED, 'prev_hash', 'hash'];

/** The text a record's hash covers: its fields as a JSON array (so none runs into the next). */
export function canonicalMessageRecord(r: Omit<MessageRecord, 'hash' | 'prev_hash'>): string {
  return JSON.stringify(CHAINED.map((k) => r[k]));
}

/** `hash = H(prev_hash ‖ "\n" ‖ canonical record)` in hex, with the node's suite hash. */
export function chainHash(hash: (d: string) => Buffer, prevHash: string, r: Omit<MessageRecord, 'hash' | 'prev_hash'>): string {
  return hash(`${prevHash}\n${canonicalMessageRecord(r)}`).toString('hex');
}

/**
 * Where a body was kept by nodes before bodies moved into the database (one file per message and
 * direction, named by a hash of the id); still read for records written then.
 */
export function bodyFile(dir: string, role: string, messageId: string, part: 'request' | 'response'): string {
  const name = createHash('sha256').update(`${role}\n${messageId}`).digest('hex').slice(0, 40);
  return path.join(dir, name.slice(0, 2), `${name}.${part}`);
}

/** The bodies of one message, kept when the service's setting is `full`. */
export interface MessageBodies {
  request: Uint8Array;
  response: Uint8Array;
}

interface PendingAppend {
  entry: Omit<MessageRecord, 'seq' | 'hash' | 'prev_hash'>;
  bodies: MessageBodies | undefined;
  resolve: (r: MessageRecord) => void;
  reject: (e: unknown) => void;
}

interface PendingClaim {
  row: NodeTables['message_ids'];
  resolve: (claimed: boolean) => void;
  reject: (e: unknown) => void;
}

/** A group's chained records, the bodies to keep, and the hash the head moves to. */
interface ChainedGroup {
  records: MessageRecord[];
  bodies: NodeTables['message_bodies'][];
  last: string;
}

/** The message log's hot writes on an SQLite connection, each a statement prepared once. */
interface SqliteStatements {
  /**
   * In one transaction (one commit): claims each id of `claims` (true where the id was not seen
   * before; of the same id twice, the first), then, when `appendCount` > 0, moves the head past
   * that many records, chains them with `chain` and writes them with their bodies.
   */
  write(
    claims: readonly NodeTables['message_ids'][],
    appendCount: number,
    chain: (head: { seq: number; hash: string }) => ChainedGroup,
  ): { claimed: boolean[]; records: MessageRecord[] };
}

function sqliteStatements(sqlite: SQLite.Database): SqliteStatements {
  const claim = sqlite.prepare(
    'insert into message_ids (role, sender, message_id, seen_at) values (?, ?, ?, ?) on conflict (role, sender, message_id) do nothing',
  );
  const moveHead = sqlite.prepare('update message_log_head set seq = seq + ? where id = 1 returning seq, hash');
  const insertRecord = sqlite.prepare(`insert into message_log (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`);
  const insertBody = sqlite.prepare('insert into message_bodies (seq, part, body, key_id) values (?, ?, ?, ?)');
  const setHeadHash = sqlite.prepare('update message_log_head set hash = ? where id = 1');
  return {
    write: sqlite.transaction(
      (claims: readonly NodeTables['message_ids'][], appendCount: number, chain: (head: { seq: number; hash: string }) => ChainedGroup) => {
        const claimed = claims.map((r) => claim.run(r.role, r.sender, r.message_id, r.seen_at).changes === 1);
        if (appendCount === 0) return { claimed, records: [] };
        const { records, bodies, last } = chain(moveHead.get(appendCount) as { seq: number; hash: string });
        for (const r of records) insertRecord.run(COLUMNS.map((c) => r[c]));
        for (const b of bodies) insertBody.run(b.seq, b.part, b.body, b.key_id);
        setHeadHash.run(last);
        return { claimed, records };
      },
    ),
  };
}

/** Records per grouped append (29 columns each: far below SQLite's 32,766 bound parameters). */
const MAX_GROUP = 200;

/** How a message log keeps bodies: `bodyCipher` encrypts new ones (when it `encryptsNew`) and reads encrypted ones. */
export interface MessageLogOptions {
  bodyCipher?: BodyCipher | undefined;
}

/**
 * The node's message log: hash-chained records and the kept bodies in the node database,
 * encrypted at rest when the node is configured so (each body bound to its record and part).
 *
 * Appends are grouped: the appends that arrive while the previous group commits are written
 * together in one transaction (one commit, one WAL flush on PostgreSQL), each record chained to
 * the one before in arrival order. An append's promise settles only after its group committed, so
 * a node answers only messages it has logged. Message-id claims are grouped the same way (one
 * `INSERT … ON CONFLICT DO NOTHING RETURNING` per group). On SQLite both are written with
 * statements prepared once, and the claims and appends waiting at the same moment share one
 * transaction (`writeDirect`).
 */
export class MessageLog {
  private appends: PendingAppend[] = [];
  private appending = false;
  private claims: PendingClaim[] = [];
  private claiming = false;
  /** On SQLite, the connection and the hot statements, prepared once (see `sqliteStatements`). */
  private readonly sqlite: SQLite.Database | undefined;
  private statements: SqliteStatements | undefined;
  constructor(
    private readonly db: Db,
    private readonly suite: CryptoSuite,
    private readonly bodyDir: string,
    private readonly options: MessageLogOptions = {},
  ) {
    this.sqlite = sqliteHandleOf(db);
  }

  /**
   * The SQLite connection when a group can be written on it directly, in one synchronous
   * transaction: the statements are prepared once and no query is built or compiled per message
   * (Kysely's building and compiling cost more CPU than SQLite takes to run them). Undefined on
   * PostgreSQL, and while another transaction is open on the connection (a Kysely transaction
   * awaiting between its statements): the group then goes the Kysely way, after it.
   */
  private directSqlite(): SqliteStatements | undefined {
    if (!this.sqlite || this.sqlite.inTransaction) return undefined;
    return (this.statements ??= sqliteStatements(this.sqlite));
  }

  /**
   * The message log of a configured node, with its body cipher (body-encryption.ts): `create`
   * (node start) creates the data key when `messageLog.encryptBodies` is on and there is none, and
   * refuses a missing or different key when the log's last body is encrypted; without it (offline
   * commands) the key file is only read, if there is one.
   *
   * @throws CRYPTO_BAD_KEY for an unreadable, too widely readable or lost data key file.
   * @example const log = await MessageLog.forNode(database.db, suite, config, { create: true })
   */
  static async forNode(
    db: Db,
    suite: CryptoSuite,
    config: Pick<NodeConfig, 'nodeId' | 'dataDir' | 'messageLog'>,
    options: { create: boolean },
  ): Promise<MessageLog> {
    const files = nodeFiles(config.dataDir);
    const bodyCipher = await loadBodyCipher({
      db,
      suite,
      nodeId: config.nodeId,
      keyFile: files.bodyKey,
      encrypt: config.messageLog?.encryptBodies ?? false,
      create: options.create,
    });
    return new MessageLog(db, suite, files.bodies, { bodyCipher });
  }

  /** Records that a message id was seen; false when it was seen before (a replay). */
  claimMessageId(role: 'consumer' | 'provider', sender: string, messageId: string, at: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.claims.push({ row: { role, sender, message_id: messageId, seen_at: at }, resolve, reject });
      if (!this.claiming) {
        this.claiming = true;
        setImmediate(() => void this.flushClaims());
      }
    });
  }

  private async flushClaims(): Promise<void> {
    while (this.claims.length > 0) {
      const group = this.claims.splice(0, 500);
      if (this.directSqlite()) {
        this.writeDirect(group, this.appends.splice(0, MAX_GROUP));
        continue;
      }
      const keyOf = (r: NodeTables['message_ids']) => `${r.role}\n${r.sender}\n${r.message_id}`;
      // The same id twice in one group: the first one claims it.
      const first = new Map<string, NodeTables['message_ids']>();
      for (const c of group) if (!first.has(keyOf(c.row))) first.set(keyOf(c.row), c.row);
      try {
        // Plain SQL: the query builder costs more CPU than SQLite takes to run the statement.
        const rows = [...first.values()].map((r) => sql`(${r.role}, ${r.sender}, ${r.message_id}, ${r.seen_at})`);
        const { rows: won } = await sql<NodeTables['message_ids']>`insert into message_ids (role, sender, message_id, seen_at) values ${sql.join(rows)}
          on conflict (role, sender, message_id) do nothing returning role, sender, message_id`.execute(this.db);
        const claimed = new Set(won.map((r) => keyOf(r as NodeTables['message_ids'])));
        for (const c of group) {
          const k = keyOf(c.row);
          c.resolve(first.get(k) === c.row && claimed.has(k));
        }
      } catch (e) {
        for (const c of group) c.reject(e);
      }
    }
    this.claiming = false;
  }

  /**
   * The kept body of a logged message (undefined when the service keeps metadata only), decrypted
   * when it is kept encrypted.
   *
   * @throws CRYPTO_BAD_KEY when the body is encrypted and this log has no data key or another one;
   * CRYPTO_DECRYPT_FAILED when its ciphertext was altered or moved from another record or part.
   */
  async readBody(role: 'consumer' | 'provider', messageId: string, part: 'request' | 'response'): Promise<Buffer | undefined> {
    const [record] = await this.find(messageId, role);
    if (!record) return undefined;
    const seq = Number(record.seq);
    const row = await q(this.db).selectFrom('message_bodies').select(['body', 'key_id']).where('seq', '=', seq).where('part', '=', part).executeTakeFirst();
    if (row) {
      if (row.key_id === null) return Buffer.from(row.body);
      const cipher = this.options.bodyCipher;
      if (!cipher) throw bodyKeyMissing(seq, part, row.key_id);
      return cipher.open(seq, part, row.body, row.key_id);
    }
    return fs.promises.readFile(bodyFile(this.bodyDir, role, messageId, part)).catch(() => undefined);
  }

  /**
   * Appends a record (and its bodies, when given) to the chain; resolves with its sequence number
   * and hashes once the group it went into has committed.
   */
  append(entry: Omit<MessageRecord, 'seq' | 'hash' | 'prev_hash'>, bodies?: MessageBodies): Promise<MessageRecord> {
    return new Promise((resolve, reject) => {
      this.appends.push({ entry, bodies, resolve, reject });
      if (!this.appending) {
        this.appending = true;
        setImmediate(() => void this.flushAppends());
      }
    });
  }

  private async flushAppends(): Promise<void> {
    while (this.appends.length > 0) {
      const group = this.appends.splice(0, MAX_GROUP);
      if (this.directSqlite()) {
        this.writeDirect(this.claims.splice(0, 500), group);
        continue;
      }
      try {
        const records = await this.db.transaction().execute(async (trx) => {
          // Moving the head first takes its write lock: concurrent writers queue, the chain does not fork.
          // Plain SQL throughout: the query builder costs more CPU than the statements take to run.
          const {
            rows: [head],
          } = await sql<{ seq: number; hash: string }>`update message_log_head set seq = seq + ${group.length} where id = 1 returning seq, hash`.execute(trx);
          const { records, bodies, last } = this.chainGroup(group, head!);
          const columns = sql.raw(COLUMNS.join(', '));
          const rows = records.map((r) => sql`(${sql.join(COLUMNS.map((c) => r[c]))})`);
          await sql`insert into message_log (${columns}) values ${sql.join(rows)}`.execute(trx);
          const values = bodies.map((b) => sql`(${b.seq}, ${b.part}, ${b.body}, ${b.key_id})`);
          for (let i = 0; i < values.length; i += 500)
            await sql`insert into message_bodies (seq, part, body, key_id) values ${sql.join(values.slice(i, i + 500))}`.execute(trx);
          await sql`update message_log_head set hash = ${last} where id = 1`.execute(trx);
          return records;
        });
        group.forEach((p, i) => p.resolve(records[i]!));
      } catch (e) {
        for (const p of group) p.reject(e);
      }
    }
    this.appending = false;
  }

  /**
   * Writes claims and appends on the SQLite connection in one synchronous transaction: the claims
   * and appends waiting at the same moment share a commit (a provider node claims each message's
   * id and appends its record, so under load both queues fill in the same turns). Settles each.
   */
  private writeDirect(claims: PendingClaim[], appends: PendingAppend[]): void {
    try {
      const { claimed, records } = this.statements!.write(
        claims.map((c) => c.row),
        appends.length,
        (head) => this.chainGroup(appends, head),
      );
      claims.forEach((c, i) => c.resolve(claimed[i]!));
      appends.forEach((p, i) => p.resolve(records[i]!));
    } catch (e) {
      for (const c of claims) c.reject(e);
      for (const p of appends) p.reject(e);
    }
  }

  /**
   * A group's records chained onto `head` (the head row after its seq was moved past the group)
   * in arrival order, and the bodies to keep, encrypted when the log encrypts new bodies. Runs
   * inside the group's transaction: the encryption's additional data names the record's seq.
   */
  private chainGroup(group: readonly PendingAppend[], head: { seq: number; hash: string }): ChainedGroup {
    let seq = Number(head.seq) - group.length;
    let prev = head.hash;
    const records: MessageRecord[] = [];
    const bodies: NodeTables['message_bodies'][] = [];
    const cipher = this.options.bodyCipher?.encryptsNew ? this.options.bodyCipher : undefined;
    const keyId = cipher?.keyId ?? null;
    const kept = (s: number, part: 'request' | 'response', b: Uint8Array) => (cipher ? cipher.seal(s, part, b) : b);
    for (const p of group) {
      const body = { ...p.entry, seq: ++seq };
      const hash = chainHash(this.suite.hash, prev, body);
      records.push({ ...body, prev_hash: prev, hash });
      prev = hash;
      if (p.bodies)
        bodies.push(
          { seq, part: 'request', body: kept(seq, 'request', p.bodies.request), key_id: keyId },
          { seq, part: 'response', body: kept(seq, 'response', p.bodies.response), key_id: keyId },
        );
    }
    return { records, bodies, last: prev };
  }

  /** Records and claims waiting for their group commit. */
  get pending(): number {
    return this.appends.length + this.claims.length;
  }

  /** The live log's size: records, their sequence range, and the bytes of kept bodies. */
  async size(): Promise<{ records: number; firstSeq: number | null; lastSeq: number | null; bodyBytes: number }> {
    const {
      rows: [r],
    } = await sql<{ records: number | string; first_seq: number | null; last_seq: number | null }>`
      select count(*) as records, min(seq) as first_seq, max(seq) as last_seq from message_log`.execute(this.db);
    const {
      rows: [b],
    } = await sql<{ bytes: number | string | null }>`select sum(length(body)) as bytes from message_bodies`.execute(this.db);
    return {
      records: Number(r!.records),
      firstSeq: r!.first_seq === null ? null : Number(r!.first_seq),
      lastSeq: r!.last_seq === null ? null : Number(r!.last_seq),
      bodyBytes: Number(b!.bytes ?? 0),
    };
  }

  /** Waits until every append and claim made so far has settled. */
  async drain(): Promise<void> {
    while (this.appending || this.claiming) await new Promise((r) => setTimeout(r, 5));
  }

  async find(messageId: string, role?: 'consumer' | 'provider'): Promise<MessageRecord[]> {
    let query = q(this.db).selectFrom('message_log').selectAll().where('message_id', '=', messageId);
    if (role) query = query.where('role', '=', role);
    return query.orderBy('seq').execute();
  }

  async recent(limit = 50): Promise<MessageRecord[]> {
    return q(this.db).selectFrom('message_log').selectAll().orderBy('seq', 'desc').limit(limit).execute();
  }

  /** Walks the chain from the start; the first record whose hash does not follow, if any. */
  async verifyChain(): Promise<{ ok: boolean; records: number; firstBadSeq?: number }> {
    // After archiving, the live chain continues from the last archived record's hash.
    const {
      rows: [archived],
    } = await sql<{ last_hash: string }>`select last_hash from message_log_archives order by last_seq desc limit 1`.execute(this.db);
    let prev = archived?.last_hash ?? '0'.repeat(64);
    let n = 0;
    for (const r of await q(this.db).selectFrom('message_log').selectAll().orderBy('seq').execute()) {
      const { hash, prev_hash, ...rest } = r;
      if (prev_hash !== prev || chainHash(this.suite.hash, prev_hash, rest) !== hash) return { ok: false, records: n, firstBadSeq: r.seq };
      prev = hash;
      n++;
    }
    return { ok: true, records: n };
  }
}
