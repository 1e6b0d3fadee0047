/**
 * RFC 6962 / RFC 9162 Merkle log over leaf hashes: tree head, inclusion proof (audit path),
 * consistency proof, and their verification. Leaf hash = H(0x00 ‖ entry), node = H(0x01 ‖ l ‖ r),
 * so `rootOfLeafHashes(entries.map(leafHash))` equals core `merkleRoot(entries, hash)`.
 */
import type { MerkleHash } from '../core/crypto/index.js';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export function leafHash(hash: MerkleHash, entry: Uint8Array): Buffer {
  return hash(Buffer.concat([LEAF, entry]));
}

/** `leafHash` of an entry given as text, hashed as its UTF-8 bytes (one buffer per leaf: bulk import hashes millions). */
export function leafHashOfText(hash: MerkleHash, entry: string): Buffer {
  return hash(Buffer.from(`\u0000${entry}`, 'utf8'));
}

function node(hash: MerkleHash, left: Uint8Array, right: Uint8Array): Buffer {
  return hash(Buffer.concat([NODE, left, right]));
}

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[from:to]) over already-hashed leaves; the empty tree's head is H(""). */
export function rootOfLeafHashes(hash: MerkleHash, leaves: readonly Buffer[], from = 0, to = leaves.length): Buffer {
  if (to - from === 0) return hash(new Uint8Array(0));
  let level = leaves.slice(from, to);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(node(hash, level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(hash: MerkleHash, leaves: readonly Buffer[], index: number, size = leaves.length): Buffer[] {
  if (index < 0 || index >= size || size > leaves.length) throw new RangeError('leaf index outside the tree');
  const path = (m: number, from: number, to: number): Buffer[] => {
    const n = to - from;
    if (n === 1) return [];
    const k = split(n);
    return m < k
      ? [...path(m, from, from + k), rootOfLeafHashes(hash, leaves, from + k, to)]
      : [...path(m - k, from + k, to), rootOfLeafHashes(hash, leaves, from, from + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2: proves the tree of `first` leaves is a prefix of the tree of `second`. */
export function consistencyProof(hash: MerkleHash, leaves: readonly Buffer[], first: number, second = leaves.length): Buffer[] {
  if (first < 0 || first > second || second > leaves.length) throw new RangeError('tree sizes out of order');
  if (first === 0 || first === second) return [];
  const sub = (m: number, from: number, to: number, complete: boolean): Buffer[] => {
    const n = to - from;
    if (m === n) return complete ? [] : [rootOfLeafHashes(hash, leaves, from, to)];
    const k = split(n);
    return m <= k
      ? [...sub(m, from, from + k, complete), rootOfLeafHashes(hash, leaves, from + k, to)]
      : [...sub(m - k, from + k, to, false), rootOfLeafHashes(hash, leaves, from, from + k)];
  };
  return sub(first, 0, second, true);
}

/** RFC 9162 §2.1.3.2: true when `proof` shows `leaf` at `index` in the tree of `size` leaves with head `root`. */
export function verifyInclusion(hash: MerkleHash, leaf: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(hash, p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = node(hash, r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.2: true when `proof` shows the tree (`first`, `firstRoot`) is a prefix of (`second`, `secondRoot`). */
export function verifyConsistency(hash: MerkleHash, first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: readonly Buffer[]): boolean {
  if (first > second || first < 0) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) [fn, sn] = [fn >> 1, sn >> 1];
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(hash, c, fr);
      sr = node(hash, c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else sr = node(hash, sr, c);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return fr.equals(firstRoot) && sr.equals(secondRoot) && sn === 0;
}
