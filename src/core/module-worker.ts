import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` (without extension) beside the module at `from`
 * (`import.meta.url`). From TypeScript sources (tests, benchmarks) it loads through tsx; built
 * code is plain JS.
 *
 * @example startModuleWorker('registry-rows.worker', import.meta.url, { file })
 */
export function startModuleWorker(name: string, from: string, workerData: unknown): Worker {
  const fromSource = from.endsWith('.ts');
  const file = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, from);
  return fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(from)}))`, { eval: true, workerData })
    : new Worker(file, { workerData });
}
