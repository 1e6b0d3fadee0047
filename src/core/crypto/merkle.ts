/** A hash function as `merkleRoot` takes it; a suite's `hash` fits (`suite.hash`). */
export type MerkleHash = (data: Uint8Array) => Buffer;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * The Merkle tree head of `leaves` as RFC 6962 §2.1 defines it: a leaf is H(0x00 ‖ data), an
 * interior node H(0x01 ‖ left ‖ right), the left subtree holds the largest power of two below n
 * leaves, and the empty tree's root is H(""). The distinct prefixes keep a leaf from passing for
 * a node (second-preimage attacks). Batch signing signs this root once for many messages; each
 * leaf is usually the hash of one message.
 *
 * @example
 * const root = merkleRoot(messages.map((m) => suite.hash(m)), suite.hash);
 * const signature = suite.sign(privateKey, root);
 */
export function merkleRoot(leaves: readonly Uint8Array[], hash: MerkleHash): Buffer {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  let level = leaves.map((leaf) => hash(Buffer.concat([LEAF_PREFIX, leaf])));
  // Pairing left to right and promoting an odd last node unchanged builds exactly RFC 6962's
  // left-balanced tree, without recursion.
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(hash(Buffer.concat([NODE_PREFIX, level[i] as Buffer, level[i + 1] as Buffer])));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    level = next;
  }
  return level[0] as Buffer;
}
