import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { CryptoSuite } from '../../core/crypto/index.js';
import { isUniqueViolation, tablesOf, type Db } from '../../core/db/database.js';

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

interface NodeTables {
  message_log: MessageRecord;
  message_log_head: { id: number; seq: number; hash: string };
  message_ids: { role: string; sender: string; message_id: string; seen_at: string };
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

/** The text a record's hash covers: its fields as a JSON array (so none runs into the next). */
export function canonicalMessageRecord(r: Omit<MessageRecord, 'hash' | 'prev_hash'>): string {
  return JSON.stringify(CHAINED.map((k) => r[k]));
}

/** `hash = H(prev_hash ‖ "\n" ‖ canonical record)` in hex, with the node's suite hash. */
export function chainHash(hash: (d: string) => Buffer, prevHash: string, r: Omit<MessageRecord, 'hash' | 'prev_hash'>): string {
  return hash(`${prevHash}\n${canonicalMessageRecord(r)}`).toString('hex');
}

/** Where a message body is kept: one file per message and direction, named by a hash of the id (no path tricks). */
export function bodyFile(dir: string, role: string, messageId: string, part: 'request' | 'response'): string {
  const name = createHash('sha256').update(`${role}\n${messageId}`).digest('hex').slice(0, 40);
  return path.join(dir, name.slice(0, 2), `${name}.${part}`);
}

/** The node's message log: hash-chained records in the node database, bodies in files beside it. */
export class MessageLog {
  constructor(
    private readonly db: Db,
    private readonly suite: CryptoSuite,
    private readonly bodyDir: string,
  ) {}

  /** Records that a message id was seen; false when it was seen before (a replay). */
  async claimMessageId(role: 'consumer' | 'provider', sender: string, messageId: string, at: string): Promise<boolean> {
    try {
      await q(this.db).insertInto('message_ids').values({ role, sender, message_id: messageId, seen_at: at }).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /** Keeps a body (service setting `full`); written before the record that names its hash. */
  async saveBody(role: string, messageId: string, part: 'request' | 'response', body: Uint8Array): Promise<void> {
    const file = bodyFile(this.bodyDir, role, messageId, part);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, body, { mode: 0o600 });
  }

  async readBody(role: string, messageId: string, part: 'request' | 'response'): Promise<Buffer | undefined> {
    return fs.promises.readFile(bodyFile(this.bodyDir, role, messageId, part)).catch(() => undefined);
  }

  /** Appends a record to the chain and returns it with its sequence number and hashes. */
  async append(entry: Omit<MessageRecord, 'seq' | 'hash' | 'prev_hash'>): Promise<MessageRecord> {
    return this.db.transaction().execute(async (trx) => {
      await q(trx)
        .updateTable('message_log_head')
        .set((eb) => ({ seq: eb('seq', '+', 1) }))
        .where('id', '=', 1)
        .execute();
      const head = await q(trx).selectFrom('message_log_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
      const body = { ...entry, seq: head.seq };
      const hash = chainHash(this.suite.hash, head.hash, body);
      const record: MessageRecord = { ...body, prev_hash: head.hash, hash };
      await q(trx).insertInto('message_log').values(record).execute();
      await q(trx).updateTable('message_log_head').set({ hash }).where('id', '=', 1).execute();
      return record;
    });
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
    let prev = '0'.repeat(64);
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
