/**
 * Signed tree heads, inclusion and consistency proofs of a registry's log (RFC 6962), and the
 * end-to-end check `zhengtong registry verify` runs.
 */
import type { MerkleHash } from '../core/crypto/index.js';
import type { Db } from '../core/db/database.js';
import { AppError } from '../core/errors.js';
import { CompactRange, LogTree, NODE_BASE_LEVEL } from './registry-log-tree.js';
import type { TreeHeadSigner } from './registries.deps.js';
import * as repo from './registries.repository.js';
import type { TreeHeadRow } from './registries.repository.js';
import type { RegistryDefinition } from './registry-definition.js';
import { entryLeafHash, replayEntries, stableJson, type Sealer } from './registry-log.js';

export interface SignedTreeHead {
  registry: string;
  treeSize: number;
  rootHash: string;
  signedAt: string;
  suite: string;
  keyFingerprint: string;
  signature: string;
}

/** The bytes a tree head signature covers. */
export function treeHeadMessage(registry: string, size: number, rootHex: string, signedAt: string): Buffer {
  return Buffer.from(`zhengtong/registry-tree-head/1\n${registry}\n${size}\n${rootHex}\n${signedAt}`, 'utf8');
}

function presentHead(h: TreeHeadRow): SignedTreeHead {
  return {
    registry: h.registry,
    treeSize: h.size,
    rootHash: h.root_hash,
    signedAt: h.signed_at,
    suite: h.suite,
    keyFingerprint: h.key_fingerprint,
    signature: h.signature,
  };
}

/** The latest signed tree head, signing a new one first when the log grew since the last. */
export async function currentTreeHead(db: Db, registry: string, hash: MerkleHash, signer: TreeHeadSigner, now: Date): Promise<SignedTreeHead> {
  const size = await repo.headSize(db, registry);
  const last = await repo.latestTreeHead(db, registry);
  if (last && last.size >= size) return presentHead(last);
  // The head row may count an entry of a transaction still open: sign what is committed.
  const committed = await repo.lastSeqUpTo(db, registry, size);
  if (last && last.size >= committed) return presentHead(last);
  const root = (await new LogTree(db, registry, hash).root(0, committed)).toString('hex');
  const signedAt = now.toISOString();
  const row: TreeHeadRow = {
    registry,
    size: committed,
    root_hash: root,
    signed_at: signedAt,
    suite: signer.suite,
    key_fingerprint: signer.fingerprint,
    signature: signer.sign(treeHeadMessage(registry, committed, root, signedAt)).toString('base64'),
  };
  await repo.insertTreeHead(db, row);
  return presentHead((await repo.latestTreeHead(db, registry)) ?? row);
}

/**
 * Audit path of entry `seq` (leaf index seq − 1) in the tree of `treeSize` entries. Reads
 * O(log n) stored subtree hashes and at most a few blocks of 256 leaf hashes.
 */
export async function entryInclusionProof(db: Db, registry: string, seq: number, treeSize: number, hash: MerkleHash) {
  const committed = await repo.lastSeqUpTo(db, registry, treeSize);
  if (treeSize > committed || seq < 1 || seq > treeSize)
    throw new AppError('VALIDATION_FAILED', `条目 ${seq} 不在大小为 ${treeSize} 的树中 (entry not in a tree of that size)`, {
      fields: [{ field: 'params.seq', reason: 'out of range' }],
    });
  const tree = new LogTree(db, registry, hash);
  const leaf = await repo.findEntry(db, registry, seq);
  return {
    seq,
    leafIndex: seq - 1,
    treeSize,
    leafHash: leaf!.leaf_hash,
    rootHash: (await tree.root(0, treeSize)).toString('hex'),
    auditPath: (await tree.inclusionPath(seq - 1, 0, treeSize)).map((b) => b.toString('hex')),
  };
}

/** Consistency proof between the trees of `first` and `second` entries, read piece by piece like the inclusion proof. */
export async function logConsistencyProof(db: Db, registry: string, first: number, second: number, hash: MerkleHash) {
  const committed = await repo.lastSeqUpTo(db, registry, second);
  if (first < 0 || first > second || second > committed)
    throw new AppError('VALIDATION_FAILED', `树大小不合法：first ${first}, second ${second}, 当前 ${committed}`, {
      fields: [{ field: 'query.second', reason: 'out of range' }],
    });
  const tree = new LogTree(db, registry, hash);
  return {
    first,
    second,
    firstRootHash: (await tree.root(0, first)).toString('hex'),
    secondRootHash: (await tree.root(0, second)).toString('hex'),
    proof: first === 0 || first === second ? [] : (await tree.consistencyPath(first, 0, second)).map((b) => b.toString('hex')),
  };
}

export interface RegistryVerifyResult {
  registry: string;
  ok: boolean;
  entries: number;
  records: number;
  treeHeads: number;
  signaturesChecked: boolean;
  /** The first entry that does not verify (or 0 for a problem not tied to one entry). */
  firstBadSeq?: number;
  badRecord?: string;
  reason?: string;
}

/**
 * Checks a registry end to end: entries numbered 1..n without gaps, each leaf hash recomputed
 * from its stored text, the head's size, every signed tree head's root and signature, and the
 * current records equal to the replay of their entries (sealed values compared when a sealer is given).
 */
export async function verifyRegistryLog(
  db: Db,
  def: RegistryDefinition,
  options: {
    hash: MerkleHash;
    verifySignature?: (message: Buffer, signature: Buffer, head: TreeHeadRow) => boolean;
    sealer?: Sealer;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<RegistryVerifyResult> {
  const registry = def.key;
  const size = await repo.headSize(db, registry);
  const heads = await repo.treeHeads(db, registry);
  const base = { registry, entries: 0, records: 0, treeHeads: heads.length, signaturesChecked: !!options.verifySignature };
  const fail = (seq: number, reason: string, extra: Partial<RegistryVerifyResult> = {}): RegistryVerifyResult => ({
    ...base,
    ok: false,
    firstBadSeq: seq,
    reason,
    ...extra,
  });
  // Stored subtree hashes are checked as the same subtrees form from the recomputed leaves.
  const stored = new Map((await repo.logNodes(db, registry)).map((n) => [`${n.level}/${n.idx}`, n.hash]));
  let badNode: { level: number; idx: number } | undefined;
  const range = new CompactRange(options.hash, (level, idx, node) => {
    if (level < NODE_BASE_LEVEL) return;
    const key = `${level}/${idx}`;
    const want = stored.get(key);
    if (want !== undefined && want !== node.toString('hex')) badNode ??= { level, idx };
    stored.delete(key);
  });
  const perRecord = new Map<string, Array<{ changes: string; sealed_changes: string | null }>>();
  let after = 0;
  let headIdx = 0;
  for (;;) {
    const page = await repo.entryPage(db, registry, after, 2000);
    for (const e of page) {
      if (e.seq !== after + 1) return fail(after + 1, `条目 ${after + 1} 缺失 (entry missing)`);
      after = e.seq;
      const { leaf_hash, ...rest } = e;
      if (entryLeafHash(options.hash, rest) !== leaf_hash) return fail(e.seq, '条目内容与其哈希不符 (entry text does not match its hash)');
      range.append(Buffer.from(leaf_hash, 'hex'));
      if (badNode) return fail(e.seq, `存储的子树哈希（层 ${badNode.level}，序号 ${badNode.idx}）与日志不符 (stored subtree hash does not match the log)`);
      const list = perRecord.get(e.record_key) ?? [];
      list.push({ changes: e.changes, sealed_changes: e.sealed_changes });
      perRecord.set(e.record_key, list);
      while (heads[headIdx] && heads[headIdx]!.size === range.size) {
        const h = heads[headIdx]!;
        if (range.root().toString('hex') !== h.root_hash) return fail(e.seq, `签名树头（大小 ${h.size}）的根哈希不符 (tree head root mismatch)`);
        if (
          options.verifySignature &&
          !options.verifySignature(treeHeadMessage(registry, h.size, h.root_hash, h.signed_at), Buffer.from(h.signature, 'base64'), h)
        )
          return fail(e.seq, `签名树头（大小 ${h.size}）的签名无效 (bad tree head signature)`);
        headIdx++;
      }
    }
    options.onProgress?.(after, size);
    if (page.length < 2000) break;
  }
  base.entries = after;
  if (after !== size) return fail(after + 1, `日志头记录 ${size} 个条目，实际 ${after} 个 (head size ${size}, entries ${after})`);
  if (headIdx < heads.length) return fail(0, `签名树头（大小 ${heads[headIdx]!.size}）超出日志 (tree head beyond the log)`);
  const extra = stored.keys().next();
  if (!extra.done) return fail(0, `存储的子树（${extra.value}）超出日志 (stored subtree beyond the log)`);
  let records = 0;
  let afterKey = '';
  for (;;) {
    const page = await repo.recordPage(db, registry, afterKey, 2000);
    for (const r of page) {
      records++;
      afterKey = r.record_key;
      const entries = perRecord.get(r.record_key);
      if (!entries) return fail(0, `记录 ${r.record_key} 没有日志条目 (record without entries)`, { badRecord: r.record_key });
      perRecord.delete(r.record_key);
      const replayed = replayEntries(entries, options.sealer);
      const stored: Record<string, unknown> = JSON.parse(r.data) as Record<string, unknown>;
      if (options.sealer && r.sealed) Object.assign(stored, JSON.parse(options.sealer.open(r.sealed)));
      if (!options.sealer) for (const a of def.attributes) if (a.sensitive) delete replayed[a.name];
      if (stableJson(stored) !== stableJson(replayed) || r.version !== entries.length)
        return fail(0, `记录 ${r.record_key} 与其日志重放结果不符 (record differs from the replay of its entries)`, { badRecord: r.record_key });
    }
    if (page.length < 2000) break;
  }
  const orphan = perRecord.keys().next();
  if (!orphan.done) return fail(0, `日志中的记录 ${orphan.value} 已被删除 (record missing)`, { badRecord: orphan.value });
  return { ...base, records, ok: true };
}
