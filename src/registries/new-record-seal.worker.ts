/**
 * The sealing worker of a bulk import (`NewRecordSealWorker`): builds the texts of new records,
 * sealing and hashing them, on a thread of its own while the importing thread reads, validates
 * and inserts. It rebuilds the importer's sealer and hash from the suite name and data key it is
 * given; jobs are answered in the order they come.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { getSuite } from '../core/crypto/index.js';
import { secretBoxOf } from '../core/keys.js';
import { buildNewRecordTexts } from './new-record-text.js';
import type { SealJob, SealReply, SealWorkerData } from './new-record-seal-worker.js';

const { sealer: spec, layout } = workerData as SealWorkerData;
const suite = getSuite(spec.suite);
const sealer = secretBoxOf({ suite, dataKey: Buffer.from(spec.dataKey) }, spec.purpose);

parentPort!.on('message', (job: SealJob) => {
  let reply: SealReply;
  try {
    reply = { ok: true, ...buildNewRecordTexts(layout, sealer, suite.hash, job.frame, job.first, job.keys, job.attrs) };
  } catch (e) {
    reply = { ok: false, message: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});
