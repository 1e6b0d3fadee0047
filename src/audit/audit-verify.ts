import type { Db } from '../core/db/database.js';
import { GENESIS_HASH, chainDigest, checkpointMessage, type AuditHashAlg } from './audit-chain.js';
import * as repo from './audit.repository.js';

/** Checks a checkpoint signature; the caller brings the public key (offline verification). */
export type CheckpointVerifier = (message: Buffer, signatureBase64: string, checkpoint: repo.AuditCheckpointRow) => boolean;

export interface VerifyOptions {
  /** Without a verifier, checkpoint signatures are not checked (the result says so). */
  verifyCheckpoint?: CheckpointVerifier;
  onProgress?: (recordsChecked: number, total: number) => void;
  pageSize?: number;
}

export interface VerifyResult {
  ok: boolean;
  records: number;
  checkpoints: number;
  checkpointSignaturesChecked: boolean;
  hashAlg: string;
  /** The first sequence number that does not verify. */
  firstBadSeq?: number;
  /** What was wrong there, in Chinese and English. */
  reason?: string;
  lastCheckpointSeq?: number;
}

/**
 * Walks the chain in sequence order, up to the head as read at the start, and checks, for every
 * record: its sequence number is the next one (no deletions or insertions), the canonical text
 * names that same number first and the previous record's hash last (no reordering), and its hash
 * is the hash of that text (no edits). It reads only `(seq, body, hash)`: the text is hashed as
 * stored, without decoding it, and every searchable column is generated from it by the database.
 * Then the head row must match the last record (no truncation) and every checkpoint must name a
 * record with that hash and carry a valid signature. Reads in keyset pages, so memory stays flat;
 * records appended while it runs (a live platform) are left for the next verification.
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  // Checkpoints before the head: the head only grows, so every checkpoint read here is at or below
  // the head read next, even while writers append.
  const checkpoints = await repo.listCheckpoints(db);
  const head = await repo.readHead(db);
  const alg = (head?.hash_alg ?? 'sha256') as AuditHashAlg;
  const digest = chainDigest(alg);
  const total = head?.seq ?? 0;
  // Without a head row (deleted), verify whatever records there are.
  const upto = head ? head.seq : Number.MAX_SAFE_INTEGER;
  const base = { checkpoints: checkpoints.length, checkpointSignaturesChecked: !!options.verifyCheckpoint, hashAlg: alg };
  const fail = (records: number, seq: number, reason: string): VerifyResult => ({ ok: false, records, firstBadSeq: seq, reason, ...base });

  const cpBySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  // A page of ~2,000 rows (~2 MB) dies young; far larger pages are promoted to the old
  // generation and cost more in garbage collection than the saved round trips (measured with
  // bench/audit.bench.ts: 5,000 was ~25 % slower on SQLite).
  const pageSize = options.pageSize ?? 2000;
  const readPage = (afterSeq: number) => repo.readChainBetween(db, afterSeq, upto, pageSize);
  const none = Promise.resolve([] as repo.AuditChainRow[]);
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let next = upto > 0 ? readPage(0) : none;
  for (;;) {
    const page = await next;
    if (page.length === 0) break;
    const lastSeq = page[page.length - 1]!.seq;
    // Ask for the next page before hashing this one: a database server answers meanwhile.
    next = page.length === pageSize && lastSeq < upto ? readPage(lastSeq) : none;
    const stop = (seq: number, reason: string): VerifyResult => {
      next.catch(() => undefined);
      return fail(checked, seq, reason);
    };
    for (const r of page) {
      if (r.seq !== expected) return stop(expected, `缺少第 ${expected} 条记录（被删除）/ record ${expected} is missing (deleted)`);
      const body = r.body;
      if (!body.startsWith(`[${r.seq},`))
        return stop(r.seq, `第 ${r.seq} 条记录正文中的序号不符（顺序被改动或记录被插入）/ the record's own sequence number differs (reordered or inserted)`);
      // The canonical array ends with the previous record's hash: `…,"<prev hash>"]`.
      if (!body.endsWith(`,"${prevHash}"]`))
        return stop(
          r.seq,
          `第 ${r.seq} 条的前序哈希与上一条不符（顺序被改动或记录被插入）/ prev_hash does not match the previous record (reordered or inserted)`,
        );
      if (digest(body) !== r.hash) return stop(r.seq, `第 ${r.seq} 条记录内容与其哈希不符（被篡改）/ record content does not match its hash (edited)`);
      const cp = cpBySeq.get(r.seq);
      if (cp && cp.hash !== r.hash) return stop(r.seq, `第 ${r.seq} 条与签名检查点不符 / record differs from the signed checkpoint`);
      prevHash = r.hash;
      expected++;
      checked++;
    }
    options.onProgress?.(checked, total);
  }
  if (head && head.seq !== checked) {
    return fail(
      checked,
      checked + 1,
      `链头记录为第 ${head.seq} 条，但只有 ${checked} 条（末尾被删除）/ the head says ${head.seq} records but ${checked} exist (truncated)`,
    );
  }
  if (head && checked > 0 && head.hash !== prevHash) {
    return fail(checked, checked, `链头哈希与最后一条记录不符 / the head hash does not match the last record`);
  }
  for (const cp of checkpoints) {
    if (cp.seq > checked)
      return fail(checked, checked + 1, `检查点 ${cp.seq} 之前的记录缺失（末尾被删除）/ records up to checkpoint ${cp.seq} are missing (truncated)`);
    if (options.verifyCheckpoint && !options.verifyCheckpoint(checkpointMessage(cp.seq, cp.hash, cp.signed_at), cp.signature, cp)) {
      return fail(checked, cp.seq, `检查点 ${cp.seq} 的签名无效 / the signature of checkpoint ${cp.seq} does not verify`);
    }
  }
  const last = checkpoints[checkpoints.length - 1];
  return { ok: true, records: checked, ...base, ...(last ? { lastCheckpointSeq: last.seq } : {}) };
}
