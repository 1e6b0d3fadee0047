import { createHash } from 'node:crypto';

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

/** hex(H(canonicalRecord(r))). */
export function hashRecord(alg: AuditHashAlg, r: ChainedFields): string {
  return createHash(alg).update(canonicalRecord(r)).digest('hex');
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
