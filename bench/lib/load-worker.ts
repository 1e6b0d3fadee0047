/**
 * The load generator's thread: a bounded closed loop (each connection sends its next request
 * when the previous one has answered) for a warm-up and then a measured window. Every response
 * that is not a 200 is an error. Runs only against 127.0.0.1.
 */
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadResult, LoadSpec, WorkerMessage } from './load.js';

interface Reply {
  status: number;
  bytes: number;
  body: Buffer;
}

interface Connection {
  send(index: number): Promise<Reply>;
  /** Milliseconds since the pending request was sent, or undefined when idle. */
  pendingFor(now: number): number | undefined;
  /** Drops the connection (the pending request, if any, fails). */
  destroy(reason: string): void;
  close(): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Length of a complete response at the start of `buf`, or -1 when more bytes are needed. */
function responseLength(buf: Buffer): { length: number; status: number; headerEnd: number; close: boolean } | undefined {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headerEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  const close = /\r\nconnection: *close/.test(head);
  const cl = /\r\ncontent-length: *(\d+)/.exec(head);
  if (cl) {
    const length = bodyStart + Number(cl[1]);
    return buf.length >= length ? { length, status, headerEnd, close } : undefined;
  }
  if (/\r\ntransfer-encoding: *chunked/.test(head)) {
    let p = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf(CRLF, p);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', p, lineEnd), 16);
      if (!Number.isFinite(size)) throw new Error('bad chunk size');
      if (size === 0) {
        const end = buf.indexOf(HEADER_END, lineEnd);
        return end < 0 ? undefined : { length: end + 4, status, headerEnd, close };
      }
      p = lineEnd + 2 + size + 2;
      if (p > buf.length) return undefined;
    }
  }
  // No length: only bodiless statuses are well-formed on a kept-alive connection.
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { length: bodyStart, status, headerEnd, close };
  throw new Error(`response ${status} without Content-Length on a keep-alive connection`);
}

/** A minimal HTTP/1.1 keep-alive client on one socket: one request at a time, precomputed bytes. */
function rawConnection(spec: LoadSpec, requests: Buffer[]): Connection {
  let socket: net.Socket | undefined;
  let acc: Buffer = Buffer.alloc(0);
  let pending: { resolve: (r: Reply) => void; reject: (e: Error) => void; sentAt: number } | undefined;

  const fail = (e: Error) => {
    const p = pending;
    pending = undefined;
    acc = Buffer.alloc(0);
    p?.reject(e);
  };
  const open = (): net.Socket => {
    const s = net.connect({ host: spec.host, port: spec.port, noDelay: true });
    s.on('data', (chunk: Buffer) => {
      acc = acc.length === 0 ? chunk : Buffer.concat([acc, chunk]);
      let r: ReturnType<typeof responseLength>;
      try {
        r = responseLength(acc);
      } catch (e) {
        s.destroy();
        fail(e as Error);
        return;
      }
      if (!r) return;
      if (acc.length > r.length || !pending) {
        s.destroy();
        fail(new Error('unexpected bytes after the response'));
        return;
      }
      const p = pending;
      const body = acc.subarray(r.headerEnd + 4);
      pending = undefined;
      acc = Buffer.alloc(0);
      if (r.close) {
        s.destroy();
        if (socket === s) socket = undefined;
      }
      p.resolve({ status: r.status, bytes: r.length, body });
    });
    s.on('error', (e) => fail(e));
    s.on('close', () => {
      if (socket === s) socket = undefined;
      fail(new Error('socket closed'));
    });
    return s;
  };
  return {
    send(index) {
      socket ??= open();
      const s = socket;
      return new Promise<Reply>((resolve, reject) => {
        pending = { resolve, reject, sentAt: performance.now() };
        s.write(requests[index % requests.length]!);
      });
    },
    pendingFor: (now) => (pending ? now - pending.sentAt : undefined),
    destroy(reason) {
      socket?.destroy();
      socket = undefined;
      fail(new Error(reason));
    },
    close() {
      socket?.end();
      socket = undefined;
    },
  };
}

/** The same over `node:http` with a keep-alive agent (more client CPU; a cross-check of the raw client). */
function httpConnection(spec: LoadSpec, agent: http.Agent): Connection {
  let pending: { req: http.ClientRequest; sentAt: number } | undefined;
  const bodies = spec.bodies?.map((b) => Buffer.from(b)) ?? [];
  return {
    send(index) {
      return new Promise<Reply>((resolve, reject) => {
        const body = bodies.length > 0 ? bodies[index % bodies.length] : undefined;
        const headers: Record<string, string | number> = {
          ...spec.headers,
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
        };
        const req = http.request({ host: spec.host, port: spec.port, method: spec.method, path: spec.path, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            bytes += c.length;
          });
          res.on('end', () => {
            pending = undefined;
            resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        });
        req.on('error', (e) => {
          pending = undefined;
          reject(e);
        });
        pending = { req, sentAt: performance.now() };
        req.end(body);
      });
    },
    pendingFor: (now) => (pending ? now - pending.sentAt : undefined),
    destroy(reason) {
      pending?.req.destroy(new Error(reason));
    },
    close() {},
  };
}

/** The raw request bytes, one per body (or one without a body). */
function buildRequests(spec: LoadSpec): Buffer[] {
  const head = (extra: string) =>
    `${spec.method} ${spec.path} HTTP/1.1\r\nHost: ${spec.host}:${spec.port}\r\n` +
    Object.entries(spec.headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    extra +
    '\r\n';
  if (!spec.bodies || spec.bodies.length === 0) return [Buffer.from(head(''))];
  return spec.bodies.map((b) => {
    const body = Buffer.from(b);
    return Buffer.concat([Buffer.from(head(`Content-Type: application/json\r\nContent-Length: ${body.length}\r\n`)), body]);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function run(spec: LoadSpec): Promise<Omit<LoadResult, 'serverElu' | 'cpuPercent'>> {
  if (spec.host !== '127.0.0.1') throw new Error('the load generator only targets 127.0.0.1');
  const requests = buildRequests(spec);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const conns = Array.from({ length: spec.connections }, () => (spec.client === 'raw' ? rawConnection(spec, requests) : httpConnection(spec, agent)));

  const samples = new Float64Array(spec.maxRequests);
  let measured = 0;
  let bytesIn = 0;
  let sent = 0;
  const errorsByKind: Record<string, number> = {};
  const errorSamples: string[] = [];
  const error = (kind: string, detail: string) => {
    errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
    if (errorSamples.length < 5) errorSamples.push(`${kind}: ${detail.slice(0, 300)}`);
  };

  const timeouts = setInterval(() => {
    const now = performance.now();
    for (const c of conns) if ((c.pendingFor(now) ?? 0) > spec.timeoutMs) c.destroy('timeout');
  }, 250);

  /** One phase: every connection loops until `until`; returns its counts. */
  const phase = async (until: number, record: boolean) => {
    const counts = { ok: 0, errors: 0 };
    const loop = async (c: Connection) => {
      while (performance.now() < until && (!record || measured < spec.maxRequests)) {
        const t0 = performance.now();
        try {
          const r = await c.send(sent++);
          const dt = performance.now() - t0;
          if (record) {
            samples[measured++] = dt;
            bytesIn += r.bytes;
          }
          if (r.status === 200) counts.ok++;
          else {
            counts.errors++;
            error(`HTTP ${r.status}`, r.body.toString('utf8'));
          }
        } catch (e) {
          counts.errors++;
          const err = e as NodeJS.ErrnoException;
          error(err.code ?? err.message, err.message);
          await new Promise((r) => setTimeout(r, 10)); // no hot loop against a refusing server
        }
      }
    };
    await Promise.all(conns.map(loop));
    return counts;
  };

  const warmup = await phase(performance.now() + spec.warmupMs, false);
  parentPort!.postMessage({ type: 'measure-start' } satisfies WorkerMessage);
  const elu0 = performance.eventLoopUtilization();
  const start = performance.now();
  const main = await phase(start + spec.durationMs, true);
  const elapsedMs = performance.now() - start;
  const clientElu = performance.eventLoopUtilization(elu0).utilization;
  clearInterval(timeouts);
  for (const c of conns) c.close();
  agent.destroy();

  const sorted = samples.slice(0, measured).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    warmup,
    ok: main.ok,
    errors: main.errors,
    errorsByKind,
    errorSamples,
    elapsedMs,
    rps: (main.ok / elapsedMs) * 1000,
    latency: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
      mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    },
    bytesIn,
    clientElu,
  };
}

run(workerData as LoadSpec).then(
  (result) => parentPort!.postMessage({ type: 'done', result } satisfies WorkerMessage),
  (e: unknown) => parentPort!.postMessage({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerMessage),
);
