/**
 * Personal-data access records of registry reads, written with group commit: records that
 * arrive while a transaction is writing wait and share the next one (one claim of the audit
 * chain's head, multi-row inserts), so the chain's single writer is not taken once per read.
 */
import type { AuditEntry, AuditLog } from '../audit/index.js';

interface Pending {
  entries: AuditEntry[];
  resolve: (seqs: number[]) => void;
  reject: (e: unknown) => void;
}

/**
 * Each caller's promise settles only once its records have committed: a read never answers
 * before its access record is in the audit log, and when the transaction fails every read in
 * it fails (when a shared transaction fails, each caller's records are retried in a transaction
 * of their own, so one bad record fails only its own read). Writing starts on the next turn of
 * the event loop (`setImmediate`, no timer), so the records of every request that arrived in the
 * same turn share one transaction. Starting at once batched nothing on SQLite: its queries finish
 * without yielding to I/O, so each request ran to its commit before the next was read (measured:
 * one record per transaction under 32 concurrent HTTP readers).
 *
 * @example const seq = await recorder.record({ actor, action: 'registry.record.read', purpose, dataSubject });
 */
export class AccessRecorder {
  private queue: Pending[] = [];
  private queued = 0;
  private running = false;

  /** `maxBatch`: most records per transaction (1 = one transaction per record). */
  constructor(
    private readonly audit: AuditLog,
    public maxBatch = 1000,
  ) {}

  /** Appends one access record; resolves with its audit sequence number once committed. */
  async record(entry: AuditEntry): Promise<number> {
    return (await this.recordMany([entry]))[0]!;
  }

  /** Appends several records, kept together and in order in one transaction. */
  recordMany(entries: AuditEntry[]): Promise<number[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      this.queued += entries.length;
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        let n = 0;
        while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.entries.length <= this.maxBatch)) {
          const p = this.queue.shift()!;
          batch.push(p);
          n += p.entries.length;
        }
        this.queued -= n;
        try {
          const seqs = await this.write(batch.flatMap((p) => p.entries));
          let i = 0;
          for (const p of batch) {
            p.resolve(seqs.slice(i, i + p.entries.length));
            i += p.entries.length;
          }
        } catch (e) {
          if (batch.length === 1) batch[0]!.reject(e);
          // One caller's bad record must not fail the others: write each caller's records apart.
          else for (const p of batch) await this.write(p.entries).then(p.resolve, p.reject);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** One transaction of its own (on SQLite, run synchronously when the connection is free: see AuditLog.appendManyCommitted). */
  private write(entries: AuditEntry[]): Promise<number[]> {
    return this.audit.appendManyCommitted(entries);
  }

  /** Records waiting for the next transaction. */
  get pending(): number {
    return this.queued;
  }
}
