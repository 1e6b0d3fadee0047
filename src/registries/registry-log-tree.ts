/**
 * A registry's Merkle log read from the database piece by piece: tree heads, inclusion and
 * consistency proofs (RFC 6962 §2.1) need O(log n) stored subtree hashes and at most a few
 * blocks of 256 leaf hashes, never the whole log. Complete subtrees of 2^NODE_BASE_LEVEL leaves
 * and more are stored (`registry_log_nodes`) by the transaction that completes them; a node that
 * is missing (a log written before nodes were stored) is computed from its children instead.
 */
import type { MerkleHash } from '../core/crypto/index.js';
import type { Db } from '../core/db/database.js';
import { rootOfLeafHashes } from './merkle-log.js';
import * as repo from './registries.repository.js';
import type { LogNodeRow } from './registries.repository.js';

/** Subtrees of 2^8 = 256 leaves and larger are stored; smaller ranges are hashed from their leaves. */
export const NODE_BASE_LEVEL = 8;
const BLOCK = 2 ** NODE_BASE_LEVEL;
const NODE = Buffer.from([0x01]);

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * MTH over ranges of leaf indexes (0-based; entry seq = index + 1). Every range the RFC 6962
 * recursion visits starts at a multiple of the smallest power of two ≥ its size, so a range of
 * ≤ 256 leaves lies inside one aligned block of 256, read once and kept.
 */
export class LogTree {
  private readonly blocks = new Map<number, Buffer[]>();
  private readonly nodes = new Map<string, Buffer>();

  constructor(
    private readonly db: Db,
    private readonly registry: string,
    private readonly hash: MerkleHash,
  ) {}

  private combine(left: Buffer, right: Buffer): Buffer {
    return this.hash(Buffer.concat([NODE, left, right]));
  }

  /** Leaf hashes [from, to) of one aligned block (to − from ≤ 256). */
  private async leaves(from: number, to: number): Promise<Buffer[]> {
    const b = Math.floor(from / BLOCK);
    let block = this.blocks.get(b);
    if (!block || block.length < to - b * BLOCK) {
      block = (await repo.leafHashRange(this.db, this.registry, b * BLOCK + 1, (b + 1) * BLOCK)).map((h) => Buffer.from(h, 'hex'));
      this.blocks.set(b, block);
    }
    if (block.length < to - b * BLOCK) throw new RangeError(`entries ${b * BLOCK + block.length + 1}… of ${this.registry} are missing`);
    return block.slice(from - b * BLOCK, to - b * BLOCK);
  }

  /**
   * Leaf hashes known to the caller (just written in this transaction), entries firstSeq… in
   * order, as hex or as bytes: saves reading them back. Only the blocks they fill are kept.
   */
  prime(firstSeq: number, hashes: readonly string[] | readonly Buffer[]): void {
    for (let b = Math.ceil((firstSeq - 1) / BLOCK); (b + 1) * BLOCK <= firstSeq - 1 + hashes.length; b++) {
      const start = b * BLOCK - (firstSeq - 1);
      const block = hashes.slice(start, start + BLOCK);
      this.blocks.set(
        b,
        block.map((h) => (typeof h === 'string' ? Buffer.from(h, 'hex') : h)),
      );
    }
  }

  /**
   * Subtree hashes known to the caller (computed with the same hash over leaves just written in
   * this transaction): [idx, hex] of nodes at `level`. `storeCompleted` stores them as given
   * instead of hashing their leaves again.
   */
  primeNodes(level: number, nodes: ReadonlyArray<readonly [number, string]>): void {
    for (const [idx, hex] of nodes) this.nodes.set(`${level}/${idx}`, Buffer.from(hex, 'hex'));
  }

  /** Drops the leaf blocks read or primed so far (stored nodes stay): a tree kept across a long import holds O(log n), not every leaf. */
  forgetLeaves(): void {
    this.blocks.clear();
  }

  private async storedNode(level: number, idx: number): Promise<Buffer | undefined> {
    const key = `${level}/${idx}`;
    const cached = this.nodes.get(key);
    if (cached) return cached;
    const hex = await repo.findLogNode(this.db, this.registry, level, idx);
    if (!hex) return undefined;
    const node = Buffer.from(hex, 'hex');
    this.nodes.set(key, node);
    return node;
  }

  /** MTH(D[from:to]); the empty tree's head is H(""). */
  async root(from: number, to: number): Promise<Buffer> {
    const n = to - from;
    if (n === 0) return this.hash(new Uint8Array(0));
    if (n <= BLOCK) return rootOfLeafHashes(this.hash, await this.leaves(from, to));
    if (isPowerOfTwo(n) && from % n === 0) {
      const stored = await this.storedNode(Math.log2(n), from / n);
      if (stored) return stored;
    }
    const k = split(n);
    return this.combine(await this.root(from, from + k), await this.root(from + k, to));
  }

  /** PATH(m, D[from:to]) of RFC 6962 §2.1.1. */
  async inclusionPath(m: number, from: number, to: number): Promise<Buffer[]> {
    const n = to - from;
    if (n === 1) return [];
    const k = split(n);
    return m < k
      ? [...(await this.inclusionPath(m, from, from + k)), await this.root(from + k, to)]
      : [...(await this.inclusionPath(m - k, from + k, to)), await this.root(from, from + k)];
  }

  /** SUBPROOF(m, D[from:to], complete) of RFC 6962 §2.1.2. */
  async consistencyPath(m: number, from: number, to: number, complete = true): Promise<Buffer[]> {
    const n = to - from;
    if (m === n) return complete ? [] : [await this.root(from, to)];
    const k = split(n);
    return m <= k
      ? [...(await this.consistencyPath(m, from, from + k, complete)), await this.root(from + k, to)]
      : [...(await this.consistencyPath(m - k, from + k, to, false)), await this.root(from, from + k)];
  }

  /**
   * Stores the subtrees completed by entries firstSeq..lastSeq, just written in `trx` (this
   * tree must read through the same transaction). Returns how many nodes were stored.
   */
  async storeCompleted(firstSeq: number, lastSeq: number): Promise<number> {
    const rows: LogNodeRow[] = [];
    for (let level = NODE_BASE_LEVEL; 2 ** level <= lastSeq; level++) {
      const size = 2 ** level;
      // Node idx covers entries idx·size + 1 … (idx + 1)·size: completed when its last entry is in range.
      for (let idx = Math.ceil(firstSeq / size) - 1; (idx + 1) * size <= lastSeq; idx++) {
        const from = idx * size;
        const node =
          level === NODE_BASE_LEVEL
            ? (this.nodes.get(`${level}/${idx}`) ?? (await this.root(from, from + size)))
            : this.combine(await this.root(from, from + size / 2), await this.root(from + size / 2, from + size));
        this.nodes.set(`${level}/${idx}`, node);
        rows.push({ registry: this.registry, level, idx, hash: node.toString('hex') });
      }
    }
    await repo.insertLogNodes(this.db, rows);
    return rows.length;
  }
}

/**
 * The root of the leaves appended so far, kept as the RFC 6962 "peaks" (complete subtrees of
 * decreasing size): O(log n) memory for a log of any length. `onNode` sees every complete
 * subtree as it forms (level ≥ 1), so a verifier can compare stored nodes on the way.
 */
export class CompactRange {
  private readonly peaks: Array<{ level: number; hash: Buffer }> = [];
  size = 0;

  constructor(
    private readonly hash: MerkleHash,
    private readonly onNode?: (level: number, idx: number, hash: Buffer) => void,
  ) {}

  append(leaf: Buffer): void {
    let top = { level: 0, hash: leaf };
    this.size++;
    while (this.peaks.length > 0 && this.peaks[this.peaks.length - 1]!.level === top.level) {
      const left = this.peaks.pop()!;
      top = { level: top.level + 1, hash: this.hash(Buffer.concat([NODE, left.hash, top.hash])) };
      this.onNode?.(top.level, this.size / 2 ** top.level - 1, top.hash);
    }
    this.peaks.push(top);
  }

  /** MTH of every leaf appended: the peaks folded from the right. */
  root(): Buffer {
    if (this.peaks.length === 0) return this.hash(new Uint8Array(0));
    let r = this.peaks[this.peaks.length - 1]!.hash;
    for (let i = this.peaks.length - 2; i >= 0; i--) r = this.hash(Buffer.concat([NODE, this.peaks[i]!.hash, r]));
    return r;
  }
}
