/**
 * A verification worker: checks one contiguous range of the audit chain over its own database
 * connection and reports progress and the outcome to the thread that started it
 * (`verifyAuditChain` with `parallel`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../core/db/database.js';
import { GENESIS_HASH } from './audit-chain.js';
import { ChainRangeChecker, checkRange, type RangeJob, type RangeMessage } from './audit-verify.js';
import * as repo from './audit.repository.js';

const job = workerData as RangeJob;
const post = (m: RangeMessage) => parentPort!.postMessage(m);

async function run(): Promise<void> {
  const database = await openDatabase(job.dbUrl, { poolSize: 2 });
  let outcome;
  try {
    // The first record links to the stored hash before the range; that record's own hash is the
    // previous range's to check. If it is missing, the previous range reports it first.
    const prevHash = job.from === 1 ? GENESIS_HASH : ((await repo.readRecordHash(database.db, job.from - 1)) ?? null);
    const checker = new ChainRangeChecker(job.alg, job.from, prevHash, new Map(job.checkpointHashes));
    let lastReport = 0;
    outcome = await checkRange(database.db, checker, job.to, job.pageSize, (checked) => {
      if (checked - lastReport >= 20_000) {
        lastReport = checked;
        post({ type: 'progress', checked });
      }
    });
  } finally {
    await database.close();
  }
  post({ type: 'done', ...outcome });
}

run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
