/**
 * The stored text of records that do not exist yet, built as text (the import's common case):
 * the record's JSON and sealed values, the log entry's changes and sealed changes, and the
 * entry's leaf hash over its canonical text (`canonicalEntryText`). Pure: the same on the
 * importing thread and in the sealing worker (new-record-seal.worker.ts), which is why the
 * layout is plain data that a worker can be given.
 */
import type { MerkleHash } from '../core/crypto/index.js';
import { leafHashOfText, rootOfLeafHashes } from './merkle-log.js';
import { NODE_BASE_LEVEL } from './registry-log-tree.js';
import { sensitiveNames, type Attributes, type RegistryDefinition } from './registry-definition.js';
import type { Sealer } from './registry-log.js';

/** What is the same for every new record of a registry: attribute names as JSON text, which are sealed, and the definition order. */
export interface NewRecordLayout {
  keyAttribute: string;
  holderAttribute: string | undefined;
  keyJson: string;
  keySensitive: boolean;
  /** By attribute name. */
  names: Map<string, { json: string; sensitive: boolean }>;
  /** The attributes in definition order: the order of the stored record's JSON (`storedForm`). */
  stored: Array<{ name: string; json: string; sensitive: boolean }>;
}

const BLOCK = 2 ** NODE_BASE_LEVEL;

export function newRecordLayoutOf(def: RegistryDefinition): NewRecordLayout {
  const sensitive = sensitiveNames(def);
  const names = new Map<string, { json: string; sensitive: boolean }>();
  for (const a of def.attributes) names.set(a.name, { json: JSON.stringify(a.name), sensitive: sensitive.has(a.name) });
  return {
    keyAttribute: def.keyAttribute,
    holderAttribute: def.holderAttribute,
    keyJson: JSON.stringify(def.keyAttribute),
    keySensitive: sensitive.has(def.keyAttribute),
    names,
    stored: def.attributes.map((a) => ({ name: a.name, ...names.get(a.name)! })),
  };
}

/**
 * The parts of the entry's canonical text that are the same for a whole chunk: `head` comes
 * before the seq, `middle` between the key and the changes (occurred_at, actor, sources, reason).
 */
export interface ChunkFrame {
  head: string;
  middle: string;
}

/** The texts of one chunk of new records, row i at index i. */
export interface NewRecordTexts {
  changes: string[];
  sealedChanges: Array<string | null>;
  data: string[];
  sealed: Array<string | null>;
  /** The entries' leaf hashes, hex. */
  leafHashes: string[];
  /**
   * [idx, hash hex] of the stored subtrees of 2^NODE_BASE_LEVEL leaves (`registry_log_nodes`)
   * whose leaves all lie in this chunk; the ones it shares with a neighbour are left to `LogTree`.
   */
  blockRoots: Array<[number, string]>;
}

/**
 * Builds the texts of new records `keys[i]` with values `attrs[i]`, entries numbered from
 * `first`: exactly what `RegistryService.bulkWriteIn` would store (same JSON key order, same
 * sealing, same leaf hashes; test/registry-import-writer.test.ts compares them), and the roots of
 * the complete blocks of leaves among them. Throws what `sealer` throws.
 */
export function buildNewRecordTexts(
  layout: NewRecordLayout,
  sealer: Pick<Sealer, 'seal'>,
  hash: MerkleHash,
  frame: ChunkFrame,
  first: number,
  keys: readonly string[],
  attrs: readonly Attributes[],
): NewRecordTexts {
  const n = keys.length;
  const out: NewRecordTexts = {
    changes: new Array(n),
    sealedChanges: new Array(n),
    data: new Array(n),
    sealed: new Array(n),
    leafHashes: new Array(n),
    blockRoots: [],
  };
  const leaves: Buffer[] = new Array(n);
  const { keyJson, keySensitive, names, stored, keyAttribute } = layout;
  for (let i = 0; i < n; i++) {
    const key = keys[i]!;
    const values = attrs[i]!;
    const keyText = JSON.stringify(key);
    // The changes of a new record: the key, then each value given, in the order given (`planChange`).
    let changes = keySensitive ? '{' : `{${keyJson}:[null,${keyText}]`;
    let secretChanges = keySensitive ? `${keyJson}:[null,${keyText}]` : '';
    for (const name in values) {
      const v = values[name];
      if (v === null || v === undefined) continue;
      const a = names.get(name)!;
      const part = `${a.json}:[null,${JSON.stringify(v)}]`;
      if (a.sensitive) secretChanges += secretChanges ? `,${part}` : part;
      else changes += changes.length > 1 ? `,${part}` : part;
    }
    changes += '}';
    const sealedChanges = secretChanges ? sealer.seal(`{${secretChanges}}`) : null;
    const text = `${frame.head}${first + i},${keyText}${frame.middle}${JSON.stringify(changes)},${sealedChanges === null ? 'null' : JSON.stringify(sealedChanges)}]`;
    out.changes[i] = changes;
    out.sealedChanges[i] = sealedChanges;
    const leaf = leafHashOfText(hash, text);
    leaves[i] = leaf;
    out.leafHashes[i] = leaf.toString('hex');
    // The stored values in definition order, sensitive ones sealed (`storedForm`).
    let data = '';
    let secret = '';
    for (const a of stored) {
      const v = a.name === keyAttribute ? key : values[a.name];
      if (v === null || v === undefined) continue;
      const part = `${a.json}:${JSON.stringify(v)}`;
      if (a.sensitive) secret += secret ? `,${part}` : part;
      else data += data ? `,${part}` : part;
    }
    out.data[i] = `{${data}}`;
    out.sealed[i] = secret ? sealer.seal(`{${secret}}`) : null;
  }
  // Block b holds entries b·BLOCK + 1 … (b + 1)·BLOCK; entry first + i is leaf i here.
  for (let b = Math.ceil((first - 1) / BLOCK); (b + 1) * BLOCK <= first - 1 + n; b++) {
    const start = b * BLOCK - (first - 1);
    out.blockRoots.push([b, rootOfLeafHashes(hash, leaves, start, start + BLOCK).toString('hex')]);
  }
  return out;
}
