/**
 * How a registry entry becomes a Merkle leaf, and how entries replay into a record. The leaf is
 * the hash of the entry's stored text (sealed values included as ciphertext), so the log can be
 * verified without the data key.
 */
import type { MerkleHash } from '../core/crypto/index.js';
import { leafHashOfText } from './merkle-log.js';
import type { Attributes } from './registry-definition.js';
import type { EntryRow } from './registries.repository.js';
import type { PortableSealer } from './new-record-seal-worker.js';

/** Opens and seals values at rest (the platform's data key). */
export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
  /**
   * What rebuilds this sealer in a worker thread (bulk import), data key included — a function, so
   * the key is not a property that a log line or JSON of the sealer would show; absent when it
   * cannot be rebuilt (a test's stand-in).
   */
  portable?: () => PortableSealer;
}

/** One attribute's change inside an entry: [previous value, new value]. */
export type Changes = Record<string, [unknown, unknown]>;

/** The exact text a leaf hashes: every stored field of the entry except the hash itself, in a fixed order. */
export function canonicalEntryText(e: Omit<EntryRow, 'leaf_hash'>): string {
  return JSON.stringify([
    e.registry,
    e.seq,
    e.record_key,
    e.occurred_at,
    e.actor_type,
    e.actor_id,
    e.actor_name,
    e.org_id,
    e.sources,
    e.reason,
    e.changes,
    e.sealed_changes,
  ]);
}

export function entryLeafHash(hash: MerkleHash, e: Omit<EntryRow, 'leaf_hash'>): string {
  return leafHashOfText(hash, canonicalEntryText(e)).toString('hex');
}

/** The changes of an entry, sealed ones opened when a sealer is given (else left out). */
export function entryChanges(e: Pick<EntryRow, 'changes' | 'sealed_changes'>, sealer?: Sealer): Changes {
  const plain = JSON.parse(e.changes) as Changes;
  if (!e.sealed_changes || !sealer) return plain;
  return { ...plain, ...(JSON.parse(sealer.open(e.sealed_changes)) as Changes) };
}

/** Applies entries in order: the record's values after the last of them. */
export function replayEntries(entries: readonly Pick<EntryRow, 'changes' | 'sealed_changes'>[], sealer?: Sealer): Attributes {
  const values: Attributes = {};
  for (const e of entries) {
    for (const [name, [, next]] of Object.entries(entryChanges(e, sealer))) {
      if (next === null || next === undefined) delete values[name];
      else values[name] = next as Attributes[string];
    }
  }
  return values;
}

/** Stable JSON for comparing values (object keys sorted). */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}
