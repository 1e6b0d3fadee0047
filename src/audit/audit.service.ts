import type { Actor, RequestContext } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import type { Db, Dialect } from '../core/db/database.js';
import {
  GENESIS_HASH,
  canonicalRecord,
  hashText,
  checkpointMessage,
  redactSummary,
  storableText,
  type AuditHashAlg,
  type ChainedFields,
} from './audit-chain.js';
import * as repo from './audit.repository.js';
import type { AuditChainRow, AuditRecordRow } from './audit.repository.js';

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** What a caller says about one state change. */
export interface AuditEntry {
  actor: Actor;
  /** Dotted name, module first: `identity.org.create`, `auth.login`. */
  action: string;
  subject?: { type: string; id: string };
  outcome?: AuditOutcome;
  /** A short description of the change. Never secrets: secret-looking keys are redacted anyway. */
  summary?: Record<string, unknown>;
  /** Whose personal data this touched (e.g. `citizen:11010519491231002X`): makes it a personal-data access record. */
  dataSubject?: string;
  /** The stated legal purpose of a personal-data access. */
  purpose?: string;
  context?: RequestContext;
}

/** A record as presented to readers. */
export interface AuditRecord {
  seq: number;
  occurredAt: string;
  actor: { type: string; id: string | null; name: string | null; orgId: string | null };
  action: string;
  subject: { type: string; id: string } | null;
  outcome: string;
  requestId: string | null;
  clientIp: string | null;
  summary: Record<string, unknown>;
  dataSubject: string | null;
  purpose: string | null;
  prevHash: string;
  hash: string;
}

/** Signs checkpoints; the platform's key, whatever its suite. */
export interface CheckpointSigner {
  suite: string;
  fingerprint: string;
  sign(message: Uint8Array): Buffer;
}

export function presentRecord(r: AuditRecordRow): AuditRecord {
  let summary: Record<string, unknown> = {};
  try {
    summary = JSON.parse(r.summary) as Record<string, unknown>;
  } catch {
    summary = { raw: r.summary };
  }
  return {
    seq: r.seq,
    occurredAt: r.occurred_at,
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name, orgId: r.org_id },
    action: r.action,
    subject: r.subject_type && r.subject_id ? { type: r.subject_type, id: r.subject_id } : null,
    outcome: r.outcome,
    requestId: r.request_id,
    clientIp: r.client_ip,
    summary,
    dataSubject: r.data_subject,
    purpose: r.purpose,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function toFields(seq: number, prevHash: string, occurredAt: string, e: AuditEntry): ChainedFields {
  const text = (v: string | undefined): string | null => (v === undefined ? null : storableText(v));
  return {
    seq,
    occurredAt,
    actorType: storableText(e.actor.type),
    actorId: text(e.actor.id),
    actorName: text(e.actor.name),
    orgId: text(e.actor.orgId),
    action: storableText(e.action),
    subjectType: text(e.subject?.type),
    subjectId: text(e.subject?.id),
    outcome: e.outcome ?? 'success',
    requestId: text(e.context?.requestId),
    clientIp: text(e.context?.clientIp),
    // JSON.stringify escapes lone surrogates; NUL is escaped too, so the summary is always storable.
    summary: JSON.stringify(redactSummary(e.summary ?? {})),
    dataSubject: text(e.dataSubject),
    purpose: text(e.purpose),
    prevHash,
  };
}

/** The stored row: the canonical text and its hash (every other column is derived from the text). */
function toRow(f: ChainedFields, alg: AuditHashAlg): AuditChainRow {
  const body = canonicalRecord(f);
  return { seq: f.seq, body, hash: hashText(alg, body) };
}

/** The rows of `entries` from a claimed range, each linked to the one before. */
function chainRows(claim: { firstSeq: number; prevHash: string; alg: AuditHashAlg }, at: string, entries: AuditEntry[]): AuditChainRow[] {
  let prev = claim.prevHash;
  return entries.map((e, i) => {
    const row = toRow(toFields(claim.firstSeq + i, prev, at, e), claim.alg);
    prev = row.hash;
    return row;
  });
}

/**
 * The tamper-evident audit log. Every state change calls `append` with the transaction that
 * makes the change, so the record commits or rolls back with it.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await createOrg(trx, org);
 *   await audit.append(trx, { actor, action: 'identity.org.create', subject: { type: 'org', id: org.id } });
 * });
 */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly clock: Clock,
  ) {}

  /** Creates the chain's head if the database is new; the hash algorithm is fixed from then on. */
  async init(alg: AuditHashAlg): Promise<AuditHashAlg> {
    return repo.ensureHead(this.db, alg, GENESIS_HASH);
  }

  /**
   * Appends one record inside `trx` and returns its sequence number. Call it last in the
   * transaction: it holds the chain's lock until the transaction ends.
   */
  async append(trx: Db, entry: AuditEntry): Promise<number> {
    const { seq, prevHash, alg } = await repo.claimNextSeq(trx);
    const fields = toFields(seq, prevHash, this.clock.now().toISOString(), entry);
    await repo.insertRecord(trx, toRow(fields, alg));
    return seq;
  }

  /** Appends several records in one claim (one lock, one head update). */
  async appendMany(trx: Db, entries: AuditEntry[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const claim = await repo.claimSeqRange(trx, entries.length);
    const rows = chainRows(claim, this.clock.now().toISOString(), entries);
    await repo.insertRecords(trx, this.dialect, rows);
    return rows.map((r) => r.seq);
  }

  /**
   * Appends several records in a transaction of their own (one claim) and resolves once it has
   * committed. On SQLite, when no transaction is open on the connection, the whole transaction
   * runs synchronously on the driver (`appendNowOnSqlite`); otherwise through Kysely.
   */
  async appendManyCommitted(entries: AuditEntry[]): Promise<number[]> {
    if (entries.length === 0) return [];
    const at = this.clock.now().toISOString();
    const now = repo.appendNowOnSqlite(this.db, entries.length, (claim) => chainRows(claim, at, entries));
    if (now) return now.map((r) => r.seq);
    return this.db.transaction().execute((trx) => this.appendMany(trx, entries));
  }

  /** Appends a record in its own transaction: for refusals and failures, which change nothing else. */
  async record(entry: AuditEntry): Promise<number> {
    return this.db.transaction().execute((trx) => this.append(trx, entry));
  }

  /**
   * Signs the current chain head if it moved since the last checkpoint. Returns the checkpoint's
   * seq, or undefined when there was nothing new to sign.
   */
  async checkpoint(signer: CheckpointSigner): Promise<number | undefined> {
    const head = await repo.readHead(this.db);
    if (!head || head.seq === 0) return undefined;
    const last = await repo.lastCheckpoint(this.db);
    if (last && last.seq >= head.seq) return undefined;
    // The head row's hash may lead its record by a moment inside an open transaction; sign the
    // committed record at head.seq instead.
    const hash = await repo.readRecordHash(this.db, head.seq);
    if (!hash) return undefined;
    const signedAt = this.clock.now().toISOString();
    const signature = signer.sign(checkpointMessage(head.seq, hash, signedAt)).toString('base64');
    await repo.insertCheckpoint(this.db, {
      seq: head.seq,
      hash,
      signed_at: signedAt,
      suite: signer.suite,
      key_fingerprint: signer.fingerprint,
      signature,
    });
    return head.seq;
  }

  async search(filter: repo.AuditSearchFilter): Promise<AuditRecord[]> {
    return (await repo.searchRecords(this.db, this.dialect, filter)).map(presentRecord);
  }

  /** Who accessed a data subject's personal data, newest first. */
  async listDataAccess(dataSubject: string, limit = 100, beforeSeq?: number): Promise<AuditRecord[]> {
    return this.search({ dataSubject, limit, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
  }

  async status(): Promise<{ headSeq: number; headHash: string; hashAlg: string; lastCheckpoint: repo.AuditCheckpointRow | null }> {
    const head = await repo.readHead(this.db);
    const last = await repo.lastCheckpoint(this.db);
    return { headSeq: head?.seq ?? 0, headHash: head?.hash ?? GENESIS_HASH, hashAlg: head?.hash_alg ?? 'sha256', lastCheckpoint: last ?? null };
  }
}
