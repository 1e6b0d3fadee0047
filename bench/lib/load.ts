import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** One load run: a closed loop of `connections` clients, each sending its next request when the last one has answered. */
export interface LoadSpec {
  /** Loopback only: the worker refuses any other host. */
  host: '127.0.0.1';
  port: number;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  headers: Record<string, string>;
  /** JSON bodies sent in turn, one per request (so a write can change something each time). */
  bodies?: string[];
  connections: number;
  /** Requests before this are not measured (JIT, connection set-up, caches). */
  warmupMs: number;
  durationMs: number;
  /** Hard cap on measured requests; the run stops early when it is reached. */
  maxRequests: number;
  /** A request unanswered for this long is counted as an error and its connection dropped. */
  timeoutMs: number;
  /** `raw`: a minimal HTTP/1.1 client over `net` (least client CPU); `http`: `node:http` with a keep-alive agent. */
  client: 'raw' | 'http';
}

export interface PhaseCounts {
  ok: number;
  errors: number;
}

export interface LoadResult {
  warmup: PhaseCounts;
  /** Responses with status 200 in the measured window. */
  ok: number;
  /** Non-200 responses, timeouts and socket errors in the measured window. */
  errors: number;
  /** Errors of both phases by kind (`HTTP 401`, `timeout`, `ECONNRESET`…). */
  errorsByKind: Record<string, number>;
  /** The first few error responses, with the start of their body. */
  errorSamples: string[];
  elapsedMs: number;
  /** Successful responses per second in the measured window. */
  rps: number;
  /** Latency of every completed response in the measured window, in milliseconds. */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Response bytes (headers + body) received in the measured window. */
  bytesIn: number;
  /** Event-loop utilization of the client's thread while measuring (1 = the client was the bottleneck). */
  clientElu: number;
  /** Event-loop utilization of this (the server's) thread while measuring. */
  serverElu: number;
  /** Process CPU (both threads, user + system) while measuring, in percent of one core. */
  cpuPercent: number;
}

/** Messages from the worker. */
export type WorkerMessage =
  { type: 'measure-start' } | { type: 'done'; result: Omit<LoadResult, 'serverElu' | 'cpuPercent'> } | { type: 'failed'; error: string };

/** Called on this thread when the measured window opens and closes (e.g. to run a profiler over it). */
export interface MeasureHooks {
  onMeasureStart?: () => void | Promise<void>;
  onMeasureEnd?: () => void | Promise<void>;
}

/**
 * Starts the load worker. Worker threads do not inherit tsx's loader hooks, so when this file
 * runs as TypeScript the worker first registers tsx (its documented `tsx/esm/api`) and then
 * imports the worker module.
 */
function startWorker(spec: LoadSpec): Worker {
  const isTs = import.meta.url.endsWith('.ts');
  const entry = new URL(isTs ? './load-worker.ts' : './load-worker.js', import.meta.url);
  if (!isTs) return new Worker(entry, { workerData: spec });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: spec });
}

/**
 * Runs one load in a worker thread, so the client's work never shares the server's event loop,
 * and returns its figures together with this thread's event-loop utilization over the same
 * window. The worker is terminated if it overruns its time bound by a minute.
 */
export async function runLoad(spec: LoadSpec, hooks: MeasureHooks = {}): Promise<LoadResult> {
  const worker = startWorker(spec);
  let eluStart: EventLoopUtilization | undefined;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let wallStart = 0;
  let finished = false;
  const bound = spec.warmupMs + spec.durationMs + spec.timeoutMs + 60_000;
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      const watchdog = setTimeout(() => reject(new Error(`load worker overran its ${bound} ms bound`)), bound);
      worker.on('error', (e) => {
        clearTimeout(watchdog);
        reject(e);
      });
      worker.on('exit', (code) => {
        clearTimeout(watchdog);
        if (!finished) reject(new Error(`load worker exited early (code ${code})`));
      });
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'measure-start') {
          eluStart = performance.eventLoopUtilization();
          cpuStart = process.cpuUsage();
          wallStart = performance.now();
          void hooks.onMeasureStart?.();
        } else if (m.type === 'done') {
          finished = true;
          clearTimeout(watchdog);
          const serverElu = eluStart ? performance.eventLoopUtilization(eluStart).utilization : Number.NaN;
          const cpu = cpuStart ? process.cpuUsage(cpuStart) : undefined;
          const wall = performance.now() - wallStart;
          const cpuPercent = cpu && wall > 0 ? ((cpu.user + cpu.system) / 1000 / wall) * 100 : Number.NaN;
          Promise.resolve(hooks.onMeasureEnd?.()).then(
            () => resolve({ ...m.result, serverElu, cpuPercent }),
            (e: unknown) => reject(e as Error),
          );
        } else {
          clearTimeout(watchdog);
          reject(new Error(`load worker failed: ${m.error}`));
        }
      });
    });
  } finally {
    await worker.terminate();
  }
}
