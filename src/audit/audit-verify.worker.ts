/**
 * A verification worker: checks one contiguous range of the audit chain over its own database
 * connection and reports progress and the outcome to the thread that started it
 * (`verifyAuditChain` with `parallel`). It loads as little as it can, so it starts fast: on
 * SQLite only better-sqlite3 (the pages are read as arrays, as the one-thread verifier does), on
 * PostgreSQL the platform's database layer; the 国密 suite only for an SM3 chain.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { dialectOf, sqlitePathOf } from '../core/db/db-url.js';
import { ChainRangeChecker, chainPageSql, checkRange, sha256Hex, type ChainPageReader, type ChainTuple, type RangeOutcome } from './audit-range.js';
import type { RangeJob, RangeMessage } from './audit-verify.js';

const job = workerData as RangeJob;
const post = (m: RangeMessage) => parentPort!.postMessage(m);

/** A page reader over a connection of the worker's own, and how to close it. */
async function openReader(): Promise<{ read: ChainPageReader; close(): Promise<void> }> {
  if (dialectOf(job.dbUrl) === 'sqlite') {
    const { default: SQLite } = await import('better-sqlite3');
    const sqlite = new SQLite(sqlitePathOf(job.dbUrl), { readonly: true, fileMustExist: true });
    const stmt = sqlite.prepare<unknown[], ChainTuple>(chainPageSql).raw(true);
    return { read: (after, upto, limit) => stmt.all(after, upto, limit), close: async () => void sqlite.close() };
  }
  const [{ openDatabase }, repo] = await Promise.all([import('../core/db/database.js'), import('./audit.repository.js')]);
  const database = await openDatabase(job.dbUrl, { poolSize: 2 });
  return { read: (after, upto, limit) => repo.readChainBetween(database.db, after, upto, limit), close: () => database.close() };
}

async function run(): Promise<void> {
  const digest = job.alg === 'sha256' ? sha256Hex : (await import('./audit-chain.js')).chainDigest(job.alg);
  const reader = await openReader();
  let outcome: RangeOutcome;
  try {
    const checker = new ChainRangeChecker(digest, job.from, job.prevHash, new Map(job.checkpointHashes));
    let lastReport = 0;
    outcome = await checkRange(reader.read, checker, job.to, job.pageSize, (checked) => {
      if (checked - lastReport >= 20_000) {
        lastReport = checked;
        post({ type: 'progress', checked });
      }
    });
  } finally {
    await reader.close();
  }
  post({ type: 'done', ...outcome });
}

run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
