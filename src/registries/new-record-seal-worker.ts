/**
 * A worker thread that builds (seals, hashes) the texts of new records for a bulk import, so the
 * importing thread can read, validate and insert the next chunk meanwhile: on two cores the
 * import's two halves run side by side. The texts are those `buildNewRecordTexts` builds on the
 * importing thread, from the same sealer (rebuilt in the worker from its `PortableSealer`) and
 * hash; only the random IVs of the ciphertexts differ, as they do between any two seals.
 */
import type { Worker } from 'node:worker_threads';
import type { SuiteName } from '../core/crypto/index.js';
import { startModuleWorker } from '../core/module-worker.js';
import type { Attributes } from './registry-definition.js';
import type { ChunkFrame, NewRecordLayout, NewRecordTexts } from './new-record-text.js';

/** What rebuilds a sealer in another thread: `secretBoxOf({ suite, dataKey }, purpose)`. */
export interface PortableSealer {
  suite: SuiteName;
  dataKey: Uint8Array;
  purpose: string;
}

export interface SealWorkerData {
  sealer: PortableSealer;
  layout: NewRecordLayout;
}

export interface SealJob {
  frame: ChunkFrame;
  first: number;
  keys: string[];
  attrs: Attributes[];
}

export type SealReply = ({ ok: true } & NewRecordTexts) | { ok: false; message: string };

/**
 * One worker for one import. Jobs are answered in order; a job whose sealing throws rejects with
 * the worker's message, and every job still open rejects when the worker dies or is closed.
 */
export class NewRecordSealWorker {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (t: NewRecordTexts) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(sealer: PortableSealer, layout: NewRecordLayout) {
    const data: SealWorkerData = { sealer, layout };
    this.worker = startModuleWorker('new-record-seal.worker', import.meta.url, data);
    this.worker.on('message', (m: SealReply) => {
      const w = this.waiting.shift();
      if (!w) return;
      if (m.ok) w.resolve(m);
      else w.reject(new Error(m.message));
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`the sealing worker stopped (exit code ${code})`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
  }

  /** The texts of `job`'s records, built in the worker. */
  build(job: SealJob): Promise<NewRecordTexts> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.postMessage(job);
    });
  }

  /** Stops the worker; jobs still open reject. */
  async close(): Promise<void> {
    await this.worker.terminate();
    this.fail(new Error('the sealing worker was closed'));
  }
}
