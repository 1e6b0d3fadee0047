import os from 'node:os';
import { Worker } from 'node:worker_threads';
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

/** A failure found inside a range of records. */
export interface RangeFailure {
  seq: number;
  reason: string;
}

const missing = (seq: number) => `缺少第 ${seq} 条记录（被删除）/ record ${seq} is missing (deleted)`;

/**
 * Checks consecutive records from `from` on, page by page. Everything it checks of a record
 * depends only on that record and the stored hash of the one before, so a chain can be split
 * into ranges checked independently (in worker threads) with the same first failure.
 */
export class ChainRangeChecker {
  /** The next seq expected. */
  expected: number;
  /** Records checked so far. */
  checked = 0;
  /** The stored hash of the last record checked (`null`: not known, the first link is left to the range before). */
  prevHash: string | null;
  private readonly digest: (text: string) => string;

  constructor(
    alg: AuditHashAlg,
    from: number,
    prevHash: string | null,
    private readonly checkpointHashes: ReadonlyMap<number, string>,
  ) {
    this.digest = chainDigest(alg);
    this.expected = from;
    this.prevHash = prevHash;
  }

  /** Checks a page of records in seq order; returns the first failure, if any. */
  check(page: readonly repo.ChainTuple[]): RangeFailure | undefined {
    const digest = this.digest;
    for (const [seq, body, hash] of page) {
      if (seq !== this.expected) return { seq: this.expected, reason: missing(this.expected) };
      if (!body.startsWith(`[${seq},`))
        return {
          seq,
          reason: `第 ${seq} 条记录正文中的序号不符（顺序被改动或记录被插入）/ the record's own sequence number differs (reordered or inserted)`,
        };
      // The canonical array ends with the previous record's hash: `…,"<prev hash>"]`.
      if (this.prevHash !== null && !body.endsWith(`,"${this.prevHash}"]`))
        return {
          seq,
          reason: `第 ${seq} 条的前序哈希与上一条不符（顺序被改动或记录被插入）/ prev_hash does not match the previous record (reordered or inserted)`,
        };
      if (digest(body) !== hash) return { seq, reason: `第 ${seq} 条记录内容与其哈希不符（被篡改）/ record content does not match its hash (edited)` };
      const cp = this.checkpointHashes.get(seq);
      if (cp !== undefined && cp !== hash) return { seq, reason: `第 ${seq} 条与签名检查点不符 / record differs from the signed checkpoint` };
      this.prevHash = hash;
      this.expected++;
      this.checked++;
    }
    return undefined;
  }
}

/** What one range's check found: how far it got, and the first failure in it. */
interface RangeOutcome {
  checked: number;
  lastHash: string | null;
  failure?: RangeFailure;
}

/**
 * Reads records `from..to` in keyset pages and checks them. A page of ~2,000 rows (~1 MB) dies
 * young; far larger pages are promoted to the old generation and cost more in garbage collection
 * than the saved round trips (measured with bench/audit.bench.ts).
 */
export async function checkRange(
  db: Db,
  checker: ChainRangeChecker,
  to: number,
  pageSize: number,
  onPage: (checked: number) => void = () => undefined,
): Promise<RangeOutcome> {
  const readPage = (afterSeq: number) => repo.readChainBetween(db, afterSeq, to, pageSize);
  const none = Promise.resolve([] as repo.ChainTuple[]);
  let next = checker.expected <= to ? readPage(checker.expected - 1) : none;
  for (;;) {
    const page = await next;
    if (page.length === 0) return { checked: checker.checked, lastHash: checker.prevHash };
    const lastSeq = page[page.length - 1]![0];
    // Ask for the next page before hashing this one: a database server answers meanwhile.
    next = page.length === pageSize && lastSeq < to ? readPage(lastSeq) : none;
    const failure = checker.check(page);
    if (failure) {
      next.catch(() => undefined);
      return { checked: checker.checked, lastHash: checker.prevHash, failure };
    }
    onPage(checker.checked);
  }
}

/** The data a verification worker starts with (audit-verify.worker.ts). */
export interface RangeJob {
  dbUrl: string;
  alg: AuditHashAlg;
  from: number;
  to: number;
  pageSize: number;
  checkpointHashes: Array<[number, string]>;
}

export type RangeMessage = { type: 'progress'; checked: number } | ({ type: 'done' } & RangeOutcome) | { type: 'error'; message: string };

function startRangeWorker(job: RangeJob, onProgress: (checked: number) => void): Promise<RangeOutcome> {
  // From TypeScript sources (tests, benchmarks) the worker loads through tsx; built code is plain JS.
  const fromSource = import.meta.url.endsWith('.ts');
  const file = new URL(fromSource ? './audit-verify.worker.ts' : './audit-verify.worker.js', import.meta.url);
  const worker = fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(import.meta.url)}))`, {
        eval: true,
        workerData: job,
      })
    : new Worker(file, { workerData: job });
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
    const checker = new ChainRangeChecker(alg, 1, GENESIS_HASH, cpHashes);
    const outcome = await checkRange(db, checker, upto, pageSize, (n) => options.onProgress?.(n, total));
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
