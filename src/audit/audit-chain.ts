import crypto, { createHash } from 'node:crypto';
import { getSuite } from '../core/crypto/index.js';
import { sha256Hex } from './audit-range.js';

/** The hash algorithms a chain may use: the platform suite's hash (SHA-256, or SM3 for the 国密 suite). */
export type AuditHashAlg = 'sha256' | 'sm3';

/** The genesis "previous hash" of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of a record that its hash covers, in their canonical order. */
export interface ChainedFields {
  seq: number;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  orgId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: string;
  requestId: string | null;
  clientIp: string | null;
  summary: string;
  dataSubject: string | null;
  purpose: string | null;
  prevHash: string;
}

/**
 * The stored columns of a record, in the order of its canonical array: the table keeps the
 * canonical text itself (`body`) and derives every one of these columns from it, so a search
 * column can never disagree with what the hash covers.
 */
export const CHAIN_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'org_id',
  'action',
  'subject_type',
  'subject_id',
  'outcome',
  'request_id',
  'client_ip',
  'summary',
  'data_subject',
  'purpose',
  'prev_hash',
] as const;

/**
 * The exact bytes a record's hash covers: a JSON array of the fields in a fixed order. JSON of an
 * array of strings, numbers and nulls is deterministic, so any verifier can rebuild it.
 */
export function canonicalRecord(r: ChainedFields): string {
  return JSON.stringify([
    r.seq,
    r.occurredAt,
    r.actorType,
    r.actorId,
    r.actorName,
    r.orgId,
    r.action,
    r.subjectType,
    r.subjectId,
    r.outcome,
    r.requestId,
    r.clientIp,
    r.summary,
    r.dataSubject,
    r.purpose,
    r.prevHash,
  ]);
}

/**
 * hex(H(text as UTF-8)) for a chain algorithm. Uses the one-shot `crypto.hash` where Node has it
 * (20.12+; no Hash object per record, about twice as fast on short records), `createHash`
 * otherwise; SM3 falls back to the platform's pure-JS SM3 when this OpenSSL build lacks it (the
 * RHEL family compiles it out), so an SM3 chain can be written and verified anywhere.
 *
 * @example const digest = chainDigest('sha256'); digest(canonicalRecord(fields));
 */
export function chainDigest(alg: AuditHashAlg): (text: string) => string {
  try {
    createHash(alg);
  } catch (e) {
    if (alg !== 'sm3') throw e;
    const sm2 = getSuite('sm2');
    return (text) => sm2.hash(text).toString('hex');
  }
  if (alg === 'sha256') return sha256Hex;
  if (typeof crypto.hash === 'function') return (text) => crypto.hash(alg, text, 'hex');
  return (text) => createHash(alg).update(text).digest('hex');
}

const DIGESTS: Record<AuditHashAlg, (text: string) => string> = { sha256: chainDigest('sha256'), sm3: chainDigest('sm3') };

/** hex(H(text)) with the chain's algorithm: a record's hash over its canonical text. */
export function hashText(alg: AuditHashAlg, text: string): string {
  return DIGESTS[alg](text);
}

/** hex(H(canonicalRecord(r))). */
export function hashRecord(alg: AuditHashAlg, r: ChainedFields): string {
  return hashText(alg, canonicalRecord(r));
}

const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text as the database will give it back: a lone UTF-16 surrogate becomes U+FFFD (UTF-8 cannot
 * carry it, so both drivers store a replacement character) and so does NUL (PostgreSQL refuses
 * it in text). Applied to every field before hashing, so the hash covers exactly the stored
 * bytes; otherwise a name such as "\ud800" (valid in a JSON request body) would make its record
 * look edited forever, and hide real tampering behind it.
 */
export function storableText(text: string): string {
  const wellFormed = SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
  return wellFormed.includes('\0') ? wellFormed.replaceAll('\0', '\ufffd') : wellFormed;
}

/** The bytes a checkpoint signature covers. */
export function checkpointMessage(seq: number, hash: string, signedAt: string): Buffer {
  return Buffer.from(JSON.stringify(['zhengtong-audit-checkpoint/1', seq, hash, signedAt]), 'utf8');
}

const SECRET_KEY = /pass(word)?|secret|token|otp|totp|private|credential|api[-_]?key|authorization|cookie/i;

/**
 * Returns a copy of a summary with secret-looking keys replaced by "[redacted]", so an audit
 * record never carries a password, token or key even if a caller passes one by mistake.
 */
export function redactSummary(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactSummary(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redactSummary(v, depth + 1);
    return out;
  }
  if (typeof value === 'string' && value.length > 2000) return value.slice(0, 2000) + '…';
  return value;
}
