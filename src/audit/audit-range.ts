/**
 * Checking a contiguous range of the audit chain: what one thread does, and what each worker
 * thread of a parallel verification does. Kept free of the database drivers and the 国密 suite
 * so a worker starts fast; the caller brings the page reader and the digest.
 */
import crypto, { createHash } from 'node:crypto';

/** A record as the verifier reads it: `[seq, body, hash]`. */
export type ChainTuple = [seq: number, body: string, hash: string];

/** The verifier's page query on SQLite, read as arrays (audit.repository.ts and the verification worker). */
export const chainPageSql = 'select seq, body, hash from audit_records where seq > ? and seq <= ? order by seq limit ?';

/** Up to `limit` records after `afterSeq` and at most `uptoSeq`, in seq order. */
export type ChainPageReader = (afterSeq: number, uptoSeq: number, limit: number) => ChainTuple[] | Promise<ChainTuple[]>;

/** hex(SHA-256(text)), the default chain digest (`chainDigest('sha256')` in audit-chain.ts). */
export const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

/** A failure found inside a range of records. */
export interface RangeFailure {
  seq: number;
  reason: string;
}

/** Why a record fails when its seq is absent. */
export const missing = (seq: number) => `缺少第 ${seq} 条记录（被删除）/ record ${seq} is missing (deleted)`;

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
  constructor(
    private readonly digest: (text: string) => string,
    from: number,
    prevHash: string | null,
    private readonly checkpointHashes: ReadonlyMap<number, string>,
  ) {
    this.expected = from;
    this.prevHash = prevHash;
  }

  /** Checks a page of records in seq order; returns the first failure, if any. */
  check(page: readonly ChainTuple[]): RangeFailure | undefined {
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
export interface RangeOutcome {
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
  read: ChainPageReader,
  checker: ChainRangeChecker,
  to: number,
  pageSize: number,
  onPage: (checked: number) => void = () => undefined,
): Promise<RangeOutcome> {
  const readPage = async (afterSeq: number) => read(afterSeq, to, pageSize);
  const none = Promise.resolve([] as ChainTuple[]);
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
