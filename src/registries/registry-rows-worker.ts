/**
 * `readRowBatches` on a worker thread: a bulk import's CSV parsing runs beside its validating and
 * writing. The batches are the same; the importing thread only receives them.
 */
import { startModuleWorker } from '../core/module-worker.js';
import type { FileRow } from './registry-rows.js';

export interface RowsWorkerData {
  file: string;
  batchSize: number;
}

export type RowsMessage = { type: 'batch'; rows: FileRow[]; bytes: number } | { type: 'end' } | { type: 'error'; message: string; code?: string };

/** Batches parsed ahead of the importer: enough to keep both threads busy, few enough to keep memory flat. */
const AHEAD = 4;

/**
 * The batches `readRowBatches(file, options)` yields, parsed in a worker thread; `onBytes` as
 * there. A parse error is thrown as an Error with csv-parse's message and `code` (`CSV_…`).
 * Stopping early (`return`, a throw in the loop) ends the worker.
 *
 * @example for await (const batch of readRowBatchesInWorker('people.csv')) …
 */
export async function* readRowBatchesInWorker(
  file: string,
  options: { batchSize?: number; onBytes?: (bytesRead: number) => void } = {},
): AsyncGenerator<FileRow[]> {
  const data: RowsWorkerData = { file, batchSize: options.batchSize ?? 500 };
  const worker = startModuleWorker('registry-rows.worker', import.meta.url, data);
  const inbox: RowsMessage[] = [];
  let failure: Error | undefined;
  let notify: (() => void) | undefined;
  const wake = () => {
    notify?.();
    notify = undefined;
  };
  worker.on('message', (m: RowsMessage) => {
    inbox.push(m);
    wake();
  });
  worker.on('error', (e) => {
    failure ??= e;
    wake();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the reading worker stopped (exit code ${code})`);
    wake();
  });
  worker.postMessage({ credit: AHEAD });
  try {
    for (;;) {
      while (inbox.length === 0 && !failure) await new Promise<void>((resolve) => (notify = resolve));
      const m = inbox.shift();
      if (!m) throw failure!;
      if (m.type === 'end') return;
      if (m.type === 'error') throw Object.assign(new Error(m.message), m.code ? { code: m.code } : {});
      worker.postMessage({ credit: 1 });
      options.onBytes?.(m.bytes);
      yield m.rows;
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
