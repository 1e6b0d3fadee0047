import type { CryptoSuite, PrivateKey, PublicKey } from '../../core/crypto/index.js';

/**
 * Batch signatures, as the X-Road signer makes them: the messages a node signs in the same turn
 * of its event loop are the leaves of one Merkle tree (RFC 6962 hashing: leaf `H(0x00 ‖ data)`,
 * node `H(0x01 ‖ left ‖ right)`, the tree of `merkleRoot` in core/crypto), the root is signed
 * once, and each message carries its audit path with the root's signature. Every message stays
 * individually provable — the path binds its canonical bytes to a root the node signed — while a
 * node under load makes one signature (and its peer one verification) per batch instead of one
 * per message. That matters most for SM2, whose JavaScript signatures cost about a millisecond.
 *
 * A batch of one is signed plainly (the signature over the canonical bytes, base64), so a lightly
 * loaded node sends exactly what a node without batching sends. A batch token reads
 * `zt-batch/1:<path>:<signature>`: the path is `L<hex>` / `R<hex>` steps (the sibling on the left
 * or right) from the leaf up, joined by `.`; the signature is over `zt-batch-root/1\n<root hex>`,
 * text that no canonical message (a JSON array) can equal.
 */
const BATCH = 'zt-batch/1:';
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
/** Largest batch (a path of at most 9 steps). */
const MAX_BATCH = 512;

const rootMessage = (root: Buffer) => Buffer.from(`zt-batch-root/1\n${root.toString('hex')}`, 'utf8');

/** The root of `leaves` and, for each leaf, its audit path (`L`/`R` + sibling hex, leaf upwards). */
export function merkleTreeWithPaths(leaves: readonly Uint8Array[], hash: (d: Uint8Array) => Buffer): { root: Buffer; paths: string[][] } {
  let level = leaves.map((leaf) => hash(Buffer.concat([LEAF, leaf])));
  const paths: string[][] = leaves.map(() => []);
  // Which node of the current level each leaf sits under.
  const position = leaves.map((_, i) => i);
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hash(Buffer.concat([NODE, level[i]!, level[i + 1]!])));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!); // the odd last node is promoted unchanged
    for (let leaf = 0; leaf < leaves.length; leaf++) {
      const at = position[leaf]!;
      if (at % 2 === 1) paths[leaf]!.push(`L${level[at - 1]!.toString('hex')}`);
      else if (at + 1 < level.length) paths[leaf]!.push(`R${level[at + 1]!.toString('hex')}`);
      position[leaf] = at >> 1;
    }
    level = next;
  }
  return { root: level[0]!, paths };
}

/** The root a leaf and its audit path lead to; undefined when the path is malformed. */
export function rootFromPath(data: Uint8Array, path: readonly string[], hash: (d: Uint8Array) => Buffer): Buffer | undefined {
  let node = hash(Buffer.concat([LEAF, data]));
  const width = node.length * 2;
  for (const step of path) {
    const side = step[0];
    const hex = step.slice(1);
    if ((side !== 'L' && side !== 'R') || hex.length !== width || !/^[0-9a-f]+$/.test(hex)) return undefined;
    const sibling = Buffer.from(hex, 'hex');
    node = hash(Buffer.concat(side === 'L' ? [NODE, sibling, node] : [NODE, node, sibling]));
  }
  return node;
}

/**
 * Signs messages for one node, batching those that arrive in the same turn of the event loop.
 * `sign` resolves with the message's signature token.
 */
export class BatchSigner {
  private queue: { data: Buffer; resolve: (t: string) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  /** Signatures made and messages signed, for the node's metrics. */
  readonly stats = { signatures: 0, messages: 0 };

  constructor(
    private readonly suite: CryptoSuite,
    private readonly privateKey: PrivateKey,
  ) {}

  sign(data: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        this.stats.signatures++;
        this.stats.messages += batch.length;
        if (batch.length === 1) {
          batch[0]!.resolve(this.suite.sign(this.privateKey, batch[0]!.data).toString('base64'));
          continue;
        }
        const { root, paths } = merkleTreeWithPaths(
          batch.map((b) => b.data),
          this.suite.hash,
        );
        const signature = this.suite.sign(this.privateKey, rootMessage(root)).toString('base64');
        batch.forEach((b, i) => b.resolve(`${BATCH}${paths[i]!.join('.')}:${signature}`));
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
  }
}

/**
 * Roots whose signature has been verified, per key: the other messages of a batch then verify by
 * hashing their path only. Holds only successful verifications, at most `size`.
 */
export class VerifiedRoots {
  private readonly seen = new Map<string, true>();
  constructor(private readonly size = 1024) {}
  has(key: string): boolean {
    return this.seen.has(key);
  }
  add(key: string): void {
    if (this.seen.size >= this.size) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, true);
  }
}

/**
 * Verifies a signature token (plain or batch) over `data`. Never throws: false for anything
 * malformed. `cache`/`keyId` let a node skip re-verifying a root signature it already checked.
 */
export function verifySignatureToken(
  suite: CryptoSuite,
  publicKey: PublicKey,
  data: Uint8Array,
  token: string,
  cache?: { roots: VerifiedRoots; keyId: string },
): boolean {
  try {
    if (!token.startsWith(BATCH)) return suite.verify(publicKey, data, Buffer.from(token, 'base64'));
    const rest = token.slice(BATCH.length);
    const colon = rest.indexOf(':');
    if (colon < 0) return false;
    const path = rest.slice(0, colon) === '' ? [] : rest.slice(0, colon).split('.');
    const signature = rest.slice(colon + 1);
    const root = rootFromPath(data, path, suite.hash);
    if (!root) return false;
    const cacheKey = cache ? `${cache.keyId}\n${root.toString('hex')}\n${signature}` : '';
    if (cache?.roots.has(cacheKey)) return true;
    const ok = suite.verify(publicKey, rootMessage(root), Buffer.from(signature, 'base64'));
    if (ok && cache) cache.roots.add(cacheKey);
    return ok;
  } catch {
    return false;
  }
}
