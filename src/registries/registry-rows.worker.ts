/**
 * The reading worker of a bulk import (`readRowBatchesInWorker`): parses the file with
 * `readRowBatches` and posts its batches, never more than the importer has asked for (credit),
 * so a fast parser does not fill memory ahead of a slower importer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readRowBatches } from './registry-rows.js';
import type { RowsMessage, RowsWorkerData } from './registry-rows-worker.js';

const { file, batchSize } = workerData as RowsWorkerData;
const post = (m: RowsMessage) => parentPort!.postMessage(m);
let credit = 0;
let wake: (() => void) | undefined;
parentPort!.on('message', (m: { credit: number }) => {
  credit += m.credit;
  wake?.();
  wake = undefined;
});

async function run(): Promise<void> {
  let bytes = 0;
  try {
    for await (const rows of readRowBatches(file, { batchSize, onBytes: (n) => (bytes = n) })) {
      while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
      credit--;
      post({ type: 'batch', rows, bytes });
    }
    post({ type: 'end' });
  } catch (e) {
    const { code } = e as { code?: unknown };
    post({ type: 'error', message: (e as Error).message, ...(typeof code === 'string' ? { code } : {}) });
  }
}

void run();
