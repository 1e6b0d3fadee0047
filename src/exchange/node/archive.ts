import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { writeFileAtomic } from '../../core/crypto/atomic-write.js';
import { CIPHERTEXT_FORMATS, type CryptoSuite, type KeyPair, type PublicKey } from '../../core/crypto/index.js';
import type { Db } from '../../core/db/database.js';
import type { BodyCipher } from './body-encryption.js';
import { chainHash, type MessageRecord } from './message-log.js';

/**
 * Message-log archives (`zhengtong-message-archive/1`): the oldest records, with their bodies,
 * moved out of the live log into files so the log does not grow without bound. Each archive is
 * a contiguous stretch of the chain (its first record's `prev_hash` is the last hash of the
 * archive before it, or of nothing), names the hash of the previous archive file, and is signed
 * by the node. The live log keeps a row per archive, so its chain verifies from the last archived
 * hash; an archive verifies on its own with the node's public key.
 *
 * Bodies kept encrypted at rest (body-encryption.ts) stay encrypted in the archive, exactly as
 * stored: `keys` names, per body, the data key it is encrypted with, and `bodyEncryption`
 * describes the scheme; the signature covers the ciphertexts, so an archive still verifies
 * without the data key. Readers of archives written before this field existed see plaintext only.
 */
export interface MessageArchive {
  format: 'zhengtong-message-archive/1';
  node: string;
  suite: 'ed25519' | 'sm2';
  createdAt: string;
  firstSeq: number;
  lastSeq: number;
  /** Suite hash (hex) of the previous archive's file text; '' for the first archive. */
  previousArchive: string;
  records: MessageRecord[];
  /** Kept bodies by sequence number, base64; `keys` names the data key of each encrypted one. */
  bodies: Record<string, { request?: string; response?: string; keys?: { request?: string; response?: string } }>;
  /**
   * Present when some bodies are encrypted: ciphertexts of the node's suite (first byte names
   * the format) with additional data `zhengtong message-body/1\n<node>\n<seq>\n<part>`.
   */
  bodyEncryption?: { scheme: 'zhengtong-message-body/1'; cipher: string };
}

/** The file: the archive's exact text and the node's signature over its UTF-8 bytes. */
export interface SignedArchive {
  archive: string;
  signature: string;
}

export interface ArchiveRow {
  first_seq: number;
  last_seq: number;
  file: string;
  file_hash: string;
  last_hash: string;
  created_at: string;
}

/** Records per archive file. */
const PER_FILE = 10_000;

/**
 * Moves every record that ended before `before` (a contiguous prefix of the chain: archiving stops
 * at the first younger record) into signed archive files under `dir`, then deletes them and their
 * bodies from the live store in one transaction per file. Returns the archives written.
 */
export async function archiveMessages(
  db: Db,
  input: { nodeId: string; suite: CryptoSuite; signing: KeyPair; dir: string; before: string; clock: Clock },
): Promise<ArchiveRow[]> {
  const written: ArchiveRow[] = [];
  await fs.promises.mkdir(input.dir, { recursive: true, mode: 0o700 });
  for (;;) {
    const batch = (await sql<MessageRecord>`select * from message_log order by seq limit ${PER_FILE}`.execute(db)).rows.map((r) => ({
      ...r,
      seq: Number(r.seq),
      response_status: Number(r.response_status),
    }));
    const stop = batch.findIndex((r) => r.ended_at >= input.before);
    const records = stop < 0 ? batch : batch.slice(0, stop);
    if (records.length === 0) break;
    const first = records[0]!.seq;
    const last = records[records.length - 1]!.seq;
    const bodies: MessageArchive['bodies'] = {};
    const rows = await sql<{ seq: number; part: 'request' | 'response'; body: Uint8Array; key_id: string | null }>`
      select seq, part, body, key_id from message_bodies where seq >= ${first} and seq <= ${last}`.execute(db);
    let encrypted = false;
    for (const b of rows.rows) {
      const entry = (bodies[String(b.seq)] ??= {});
      entry[b.part] = Buffer.from(b.body).toString('base64');
      if (b.key_id !== null) {
        (entry.keys ??= {})[b.part] = b.key_id;
        encrypted = true;
      }
    }
    const previous = (await lastArchive(db))?.file_hash ?? '';
    const archive: MessageArchive = {
      format: 'zhengtong-message-archive/1',
      node: input.nodeId,
      suite: input.suite.name,
      createdAt: input.clock.now().toISOString(),
      firstSeq: first,
      lastSeq: last,
      previousArchive: previous,
      records,
      bodies,
      ...(encrypted
        ? { bodyEncryption: { scheme: 'zhengtong-message-body/1' as const, cipher: CIPHERTEXT_FORMATS[input.suite.name === 'sm2' ? 0x02 : 0x01] } }
        : {}),
    };
    const text = JSON.stringify(archive);
    const signed: SignedArchive = { archive: text, signature: input.suite.sign(input.signing.privateKey, Buffer.from(text, 'utf8')).toString('base64') };
    const fileText = JSON.stringify(signed);
    const file = path.join(input.dir, `messages-${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}.json`);
    await writeFileAtomic(file, fileText, 0o600, false);
    const row: ArchiveRow = {
      first_seq: first,
      last_seq: last,
      file: path.basename(file),
      file_hash: input.suite.hash(fileText).toString('hex'),
      last_hash: records[records.length - 1]!.hash,
      created_at: archive.createdAt,
    };
    await db.transaction().execute(async (trx) => {
      await sql`insert into message_log_archives (first_seq, last_seq, file, file_hash, last_hash, created_at)
        values (${row.first_seq}, ${row.last_seq}, ${row.file}, ${row.file_hash}, ${row.last_hash}, ${row.created_at})`.execute(trx);
      await sql`delete from message_bodies where seq <= ${last}`.execute(trx);
      await sql`delete from message_log where seq <= ${last}`.execute(trx);
    });
    written.push(row);
    if (stop >= 0) break;
  }
  // Claims older than the archived messages are past every message's accepted clock window.
  await sql`delete from message_ids where seen_at < ${input.before}`.execute(db);
  return written;
}

/** The most recent archive of the live log, if any. */
export async function lastArchive(db: Db): Promise<ArchiveRow | undefined> {
  const { rows } = await sql<ArchiveRow>`select * from message_log_archives order by last_seq desc limit 1`.execute(db);
  return rows[0] ? { ...rows[0], first_seq: Number(rows[0].first_seq), last_seq: Number(rows[0].last_seq) } : undefined;
}

/**
 * Checks an archive file offline: the node's signature, the chain inside it, (when given) the link
 * to the previous archive file, and (when the node's `bodyCipher` is given) that every encrypted
 * body decrypts as the body of its own record and part. Never throws.
 */
export function verifyArchive(
  fileText: string,
  publicKey: PublicKey,
  suite: CryptoSuite,
  previousFileText?: string,
  bodyCipher?: BodyCipher,
): { ok: boolean; records: number; reason?: string } {
  try {
    const signed = JSON.parse(fileText) as SignedArchive;
    if (!suite.verify(publicKey, Buffer.from(signed.archive, 'utf8'), Buffer.from(signed.signature, 'base64')))
      return { ok: false, records: 0, reason: 'bad signature' };
    const a = JSON.parse(signed.archive) as MessageArchive;
    if (a.format !== 'zhengtong-message-archive/1') return { ok: false, records: 0, reason: 'unknown format' };
    if (previousFileText !== undefined && suite.hash(previousFileText).toString('hex') !== a.previousArchive)
      return { ok: false, records: 0, reason: 'not linked to the previous archive' };
    let prev = a.records[0]?.prev_hash ?? '';
    let expectedSeq = a.firstSeq;
    for (const r of a.records) {
      const { hash, prev_hash, ...rest } = r;
      if (r.seq !== expectedSeq++ || prev_hash !== prev || chainHash(suite.hash, prev_hash, rest) !== hash)
        return { ok: false, records: a.records.length, reason: `chain broken at seq ${r.seq}` };
      prev = hash;
    }
    if (expectedSeq - 1 !== a.lastSeq) return { ok: false, records: a.records.length, reason: 'record range does not match' };
    if (bodyCipher) {
      for (const [seq, b] of Object.entries(a.bodies)) {
        for (const part of ['request', 'response'] as const) {
          const keyId = b.keys?.[part];
          const text = b[part];
          if (keyId === undefined || text === undefined) continue;
          try {
            bodyCipher.open(Number(seq), part, Buffer.from(text, 'base64'), keyId);
          } catch (e) {
            return { ok: false, records: a.records.length, reason: `body of seq ${seq} ${part}: ${(e as Error).message}` };
          }
        }
      }
    }
    return { ok: true, records: a.records.length };
  } catch (e) {
    return { ok: false, records: 0, reason: (e as Error).message };
  }
}

/** One archive file's check by `verifyArchives`. */
export interface ArchiveFileCheck {
  file: string;
  firstSeq: number;
  lastSeq: number;
  ok: boolean;
  records: number;
  reason?: string;
}

/**
 * Checks every archive the live log lists, oldest first, as an auditor would: each file is there,
 * is the file the log recorded (its hash), is signed by the node, chains inside, names the file
 * before it, and continues the chain where the previous archive ended; and the live log continues
 * from the last archive. With the node's `bodyCipher`, encrypted bodies must decrypt too.
 * `onFile` reports each file as it is checked (progress). Never throws for a bad file.
 *
 * @example const { ok, files } = await verifyArchives(db, { dir, publicKey, suite }, (c) => console.log(c.file, c.ok));
 */
export async function verifyArchives(
  db: Db,
  input: { dir: string; publicKey: PublicKey; suite: CryptoSuite; bodyCipher?: BodyCipher },
  onFile: (check: ArchiveFileCheck, index: number, total: number) => void = () => undefined,
): Promise<{ ok: boolean; files: ArchiveFileCheck[]; live: { ok: boolean; reason?: string } }> {
  const { rows } = await sql<ArchiveRow>`select * from message_log_archives order by first_seq`.execute(db);
  const files: ArchiveFileCheck[] = [];
  let previousText: string | undefined;
  let previous: ArchiveRow | undefined;
  for (const [i, raw] of rows.entries()) {
    const row = { ...raw, first_seq: Number(raw.first_seq), last_seq: Number(raw.last_seq) };
    const check = (ok: boolean, records: number, reason?: string): ArchiveFileCheck => ({
      file: row.file,
      firstSeq: row.first_seq,
      lastSeq: row.last_seq,
      ok,
      records,
      ...(reason ? { reason } : {}),
    });
    let result: ArchiveFileCheck;
    let text: string | undefined;
    try {
      text = await fs.promises.readFile(path.join(input.dir, row.file), 'utf8');
    } catch (e) {
      result = check(false, 0, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (text !== undefined) {
      const v = verifyArchive(text, input.publicKey, input.suite, previousText, input.bodyCipher);
      if (input.suite.hash(text).toString('hex') !== row.file_hash) result = check(false, v.records, 'not the file the log recorded (hash differs)');
      else if (!v.ok) result = check(false, v.records, v.reason);
      else {
        const a = JSON.parse((JSON.parse(text) as SignedArchive).archive) as MessageArchive;
        const first = a.records[0];
        const last = a.records[a.records.length - 1];
        if (a.firstSeq !== row.first_seq || a.lastSeq !== row.last_seq) result = check(false, v.records, 'record range differs from the log');
        else if (previous && first?.prev_hash !== previous.last_hash) result = check(false, v.records, 'does not continue the previous archive’s chain');
        else if (last?.hash !== row.last_hash) result = check(false, v.records, 'last hash differs from the log');
        else result = check(true, v.records);
      }
    }
    files.push(result!);
    onFile(result!, i, rows.length);
    previousText = text;
    previous = row;
  }
  // The live log continues from the last archive (its first record's previous hash, and no gap in sequence numbers).
  const {
    rows: [head],
  } = await sql<{ seq: number; prev_hash: string }>`select seq, prev_hash from message_log order by seq limit 1`.execute(db);
  let live: { ok: boolean; reason?: string } = { ok: true };
  if (head && previous) {
    if (head.prev_hash !== previous.last_hash) live = { ok: false, reason: 'the live log does not continue the last archive’s chain' };
    else if (Number(head.seq) !== previous.last_seq + 1) live = { ok: false, reason: `records ${previous.last_seq + 1}–${Number(head.seq) - 1} are missing` };
  }
  return { ok: files.every((f) => f.ok) && live.ok, files, live };
}
