import os from 'node:os';
import { startModuleWorker } from '../core/module-worker.js';
import type { Db } from '../core/db/database.js';
import { GENESIS_HASH, chainDigest, checkpointMessage, type AuditHashAlg } from './audit-chain.js';
import { ChainRangeChecker, checkRange, missing, type RangeOutcome } from './audit-range.js';
import * as repo from './audit.repository.js';

export { ChainRangeChecker, checkRange, type RangeFailure, type RangeOutcome } from './audit-range.js';

/** Checks a checkpoint signature; the caller brings the public key (offline verification). */
export type CheckpointVerifier = (message: Buffer, signatureBase64: string, checkpoint: repo.AuditCheckpointRow) => boolean;

export interface VerifyOptions {
  /** Without a verifier, checkpoint signatures are not checked (the result says so). */
  verifyCheckpoint?: CheckpointVerifier;
  onProgress?: (recordsChecked: number, total: number) => void;
  pageSize?: number;
  /**
   * Verify with several worker threads, each reading and hashing its own contiguous part of the
   * chain over its own connection to `dbUrl` (the same database `db` opens). The result is the
   * same as one thread's, first bad record included. Used when the chain is long enough to repay
   * starting the workers (`minRecords`, default 50,000).
   */
  parallel?: { dbUrl: string; workers?: number; minRecords?: number };
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

/** The data a verification worker starts with (audit-verify.worker.ts). */
export interface RangeJob {
  dbUrl: string;
  alg: AuditHashAlg;
  from: number;
  to: number;
  pageSize: number;
  checkpointHashes: Array<[number, string]>;
  /** The stored hash of record `from - 1` (the genesis hash for the first range; null when that record is missing: the range before reports it). */
  prevHash: string | null;
}

export type RangeMessage = { type: 'progress'; checked: number } | ({ type: 'done' } & RangeOutcome) | { type: 'error'; message: string };

function startRangeWorker(job: RangeJob, onProgress: (checked: number) => void): Promise<RangeOutcome> {
  const worker = startModuleWorker('audit-verify.worker', import.meta.url, job);
  // Settles when the thread has exited, not at its last message: by then its database connections
  // are closed, so nothing of the verification outlives it.
  return new Promise((resolve, reject) => {
    let result: { outcome: RangeOutcome } | { error: Error } | undefined;
    worker.on('message', (m: RangeMessage) => {
      if (m.type === 'progress') onProgress(m.checked);
      else if (m.type === 'error') result ??= { error: new Error(m.message) };
      else {
        const { type: _type, ...outcome } = m;
        result ??= { outcome };
      }
    });
    worker.on('error', (e) => {
      result ??= { error: e };
    });
    worker.on('exit', (code) => {
      if (result && 'outcome' in result) resolve(result.outcome);
      else reject(result?.error ?? new Error(`verification worker exited with code ${code}`));
    });
  });
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
 * With `options.parallel`, worker threads check contiguous ranges side by side.
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  // Checkpoints before the head: the head only grows, so every checkpoint read here is at or below
  // the head read next, even while writers append.
  const checkpoints = await repo.listCheckpoints(db);
  const head = await repo.readHead(db);
  const alg = (head?.hash_alg ?? 'sha256') as AuditHashAlg;
  const total = head?.seq ?? 0;
  const base = { checkpoints: checkpoints.length, checkpointSignaturesChecked: !!options.verifyCheckpoint, hashAlg: alg };
  const fail = (records: number, seq: number, reason: string): VerifyResult => ({ ok: false, records, firstBadSeq: seq, reason, ...base });
  const cpHashes = new Map(checkpoints.map((c) => [c.seq, c.hash]));
  const pageSize = options.pageSize ?? 2000;

  let checked: number;
  let lastHash: string | null;
  const parallel = options.parallel;
  const workers = Math.min(parallel?.workers ?? os.availableParallelism(), Math.floor(total / pageSize));
  if (parallel && head && workers > 1 && total >= (parallel.minRecords ?? 50_000)) {
    // Contiguous ranges, one per worker; the first failure in seq order is the chain's first failure.
    const size = Math.ceil(total / workers);
    const done = new Array<number>(workers).fill(0);
    const report = () =>
      options.onProgress?.(
        done.reduce((a, b) => a + b, 0),
        total,
      );
    const ranges = Array.from({ length: workers }, (_, i) => ({ from: i * size + 1, to: Math.min(total, (i + 1) * size) }));
    // Each range links to the stored hash of the record before it: read here, so a worker needs no more than its pages.
    const prevHashes = await Promise.all(ranges.map(async (r) => (r.from === 1 ? GENESIS_HASH : ((await repo.readRecordHash(db, r.from - 1)) ?? null))));
    // allSettled: when one worker fails, the others still finish (and close their connections)
    // before the error is reported.
    const settled = await Promise.allSettled(
      ranges.map((r, i) =>
        startRangeWorker(
          {
            dbUrl: parallel.dbUrl,
            alg,
            ...r,
            pageSize,
            checkpointHashes: [...cpHashes].filter(([seq]) => seq >= r.from && seq <= r.to),
            prevHash: prevHashes[i]!,
          },
          (n) => {
            done[i] = n;
            report();
          },
        ),
      ),
    );
    const outcomes = settled.map((s) => {
      if (s.status === 'rejected') throw s.reason;
      return s.value;
    });
    checked = 0;
    lastHash = GENESIS_HASH;
    for (const [i, o] of outcomes.entries()) {
      const range = ranges[i]!;
      if (o.failure) return fail(range.from - 1 + o.checked, o.failure.seq, o.failure.reason);
      checked = range.from - 1 + o.checked;
      lastHash = o.lastHash;
      // A range that ends early is missing its tail: deleted records, or truncation for the last range.
      if (o.checked < range.to - range.from + 1) {
        if (i < outcomes.length - 1) return fail(checked, checked + 1, missing(checked + 1));
        break;
      }
    }
  } else {
    // Without a head row (deleted), verify whatever records there are.
    const upto = head ? head.seq : Number.MAX_SAFE_INTEGER;
    const checker = new ChainRangeChecker(chainDigest(alg), 1, GENESIS_HASH, cpHashes);
    const read = (afterSeq: number, uptoSeq: number, limit: number) => repo.readChainBetween(db, afterSeq, uptoSeq, limit);
    const outcome = await checkRange(read, checker, upto, pageSize, (n) => options.onProgress?.(n, total));
    if (outcome.failure) return fail(outcome.checked, outcome.failure.seq, outcome.failure.reason);
    checked = outcome.checked;
    lastHash = outcome.lastHash;
  }

  if (head && head.seq !== checked) {
    return fail(
      checked,
      checked + 1,
      `链头记录为第 ${head.seq} 条，但只有 ${checked} 条（末尾被删除）/ the head says ${head.seq} records but ${checked} exist (truncated)`,
    );
  }
  if (head && checked > 0 && head.hash !== lastHash) {
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
