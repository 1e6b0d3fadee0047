/**
 * Exchange round trip: load generator → consumer node → provider node → backend, beside load
 * generator → backend directly, in the same run (STYLE.md §13). Each node is its own process
 * (`zhengtong node --config`) run from the build, as a deployment runs it, when the build is newer
 * than src/ (else through tsx, which the first line says; `--from=source` forces that), with mutual TLS, signatures of the chosen suite on
 * every request and response, access check, field filter and the full message log (bodies kept).
 * The backend answers a 1 KB JSON object. The load generator is the closed loop of bench/lib/load.ts
 * in a worker thread. Everything shares this machine's cores: read the ratio, not the absolute.
 *
 * Usage: npx tsx bench/exchange.bench.ts [--duration=20] [--warmup=2] [--connections=32] [--suites=ed25519,sm2] [--from=build|source|<zhengtong.js>[,…]]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Actor } from '../src/core/actor.js';
import { loadConfig } from '../src/core/config.js';
import { initNode } from '../src/exchange/index.js';
import { H } from '../src/exchange/protocol/messages.js';
import { createPlatform } from '../src/platform.js';
import { makeUscc } from '../src/standards/index.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { chooseNodeRunner, freePort, startNodeProcess, stopNodeProcess, type NodeRunner } from './lib/node-process.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    suites: { type: 'string', default: 'ed25519,sm2' },
    from: { type: 'string' },
  },
});
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const connections = Number(values.connections);
const suites = values.suites.split(',') as ('ed25519' | 'sm2')[];
// --from=build,source,/other/checkout/bin/zhengtong.js runs each suite once per way of running the
// nodes, each beside its own direct run (the machine's state drifts between cases).
const chosen = chooseNodeRunner();
const runners: NodeRunner[] = values.from ? values.from.split(',') : [chosen.runner];
const runnerName = (r: NodeRunner) => (r === 'build' ? 'the build (dist)' : r === 'source' ? 'source through tsx' : r);

const ADMIN: Actor = { type: 'staff', id: 'bench', name: 'bench', roles: ['system-admin'] };
const PURPOSE = 'benchmark';
const RECORD = JSON.stringify({ id: '1', name: '张三', note: 'x'.repeat(940), address: { city: '福州市' } });

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
function cpuMsOf(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}

/** Main thread's time waiting in the run queue for a CPU so far, in ms, from /proc (Linux schedstat). */
function runQueueMsOf(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

const fmt = (r: LoadResult) =>
  `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.latency.p50.toFixed(2)} ms  p99 ${r.latency.p99.toFixed(2)} ms  errors ${r.errors}`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-exchange-'));
const platform = await createPlatform(
  loadConfig({}, { dataDir: dir, dbUrl: path.join(dir, 'platform.db'), keyDir: path.join(dir, 'keys'), logLevel: 'silent', checkpointIntervalMs: 0 }),
);
await platform.app.listen({ port: 0, host: '127.0.0.1' });
const centerUrl = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
const backend = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(RECORD));
await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
const backendPort = (backend.address() as AddressInfo).port;
const children: ChildProcess[] = [];

try {
  console.log(
    `exchange bench: ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${connections} connections, ${values.duration} s per case, 1 KB JSON; ` +
      `nodes run from ${runners.map(runnerName).join(', then ')}${values.from ? '' : ` (${chosen.reason})`}; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const measureDirect = async () => {
    const direct = await runLoad({
      host: '127.0.0.1',
      port: backendPort,
      method: 'GET',
      path: '/persons/1',
      headers: {},
      connections,
      warmupMs,
      durationMs,
      maxRequests: 10_000_000,
      timeoutMs: 10_000,
      client: 'http',
    });
    console.log(`direct   backend           ${fmt(direct)}`);
    console.log(`         CPU per request: ${benchCpuPerRequest(direct).toFixed(3)} ms (load generator + backend)`);
    return direct;
  };
  // CPU of this process (load generator, backend, idle center) per answered request.
  const benchCpuPerRequest = (r: LoadResult) => (r.cpuPercent * 10) / Math.max(1, r.rps);

  for (const [i, suite] of suites.entries()) {
    const provider = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', `0041000${i}`)}`;
    const consumer = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', `0042000${i}`)}`;
    for (const m of [provider, consumer]) await platform.exchange.createMember(ADMIN, {}, { memberClass: 'GOV', memberCode: m.split('/')[2]!, name: m });
    const make = async (name: string, member: string, subsystem: string, services = {}) =>
      initNode({
        centerUrl,
        memberId: member,
        subsystems: [subsystem],
        dir: path.join(dir, `${suite}-${name}`),
        suite,
        host: '127.0.0.1',
        clientPort: await freePort(),
        serverPort: await freePort(),
        services,
      });
    const p = await make('provider', provider, 'hukou', { persons: { backend: `http://127.0.0.1:${backendPort}`, log: 'full' } });
    const c = await make('consumer', consumer, 'license');
    for (const n of [p, c]) {
      await platform.exchange.approveRegistration({ type: 'system', roles: [] }, {}, n.nodeId);
      const raw = JSON.parse(fs.readFileSync(n.configFile, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(n.configFile, JSON.stringify({ ...raw, logLevel: 'warn' }));
    }
    await platform.exchange.createService(ADMIN, {}, { subsystemId: `${provider}/hukou`, code: 'persons', title: 'bench' });
    await platform.exchange.grantAccessRight(
      ADMIN,
      {},
      {
        consumer: `${consumer}/license`,
        service: `${provider}/hukou/persons`,
        endpoints: [{ method: 'GET', path: '/persons/*' }],
        fields: ['id', 'name', 'note', 'address.city'],
        purpose: PURPOSE,
        validFrom: new Date(Date.now() - 60_000).toISOString(),
        validUntil: null,
      },
    );
    for (const runner of runners) {
      if (runners.length > 1) console.log(`── ${suite}: nodes run from ${runnerName(runner)}`);
      const direct = await measureDirect();
      const directCpu = benchCpuPerRequest(direct);
      children.push(await startNodeProcess(p.configFile, runner), await startNodeProcess(c.configFile, runner));
      const consumerPort = (JSON.parse(fs.readFileSync(c.configFile, 'utf8')) as { clientPort: number }).clientPort;
      const nodes = children.slice(-2);
      const cpu = { start: [0, 0], end: [0, 0], waitStart: [0, 0], waitEnd: [0, 0] };
      const mediated = await runLoad(
        {
          host: '127.0.0.1',
          port: consumerPort,
          method: 'GET',
          path: `/r1/${provider}/hukou/persons/persons/1`,
          headers: { [H.client]: `${consumer}/license`, 'x-api-key': c.apiKeys.license!, [H.purpose]: PURPOSE },
          connections,
          warmupMs,
          durationMs,
          maxRequests: 10_000_000,
          timeoutMs: 10_000,
          client: 'http',
        },
        {
          onMeasureStart: () => {
            cpu.start = nodes.map((ch) => cpuMsOf(ch.pid!));
            cpu.waitStart = nodes.map((ch) => runQueueMsOf(ch.pid!));
          },
          onMeasureEnd: () => {
            cpu.end = nodes.map((ch) => cpuMsOf(ch.pid!));
            cpu.waitEnd = nodes.map((ch) => runQueueMsOf(ch.pid!));
          },
        },
      );
      console.log(`mediated ${suite.padEnd(8)}          ${fmt(mediated)}`);
      const perRequest = (i: number) => (cpu.end[i]! - cpu.start[i]!) / Math.max(1, mediated.ok + mediated.errors);
      const mediatedCpu = perRequest(0) + perRequest(1) + benchCpuPerRequest(mediated);
      // Time the nodes' event loops were ready to run but waited for a CPU (other processes had it):
      // on a shared machine each of the six hand-offs between processes of a mediated call pays it.
      const waited = (i: number) => (cpu.waitEnd[i]! - cpu.waitStart[i]!) / Math.max(1, mediated.ok + mediated.errors);
      console.log(
        `         ${suite.padEnd(8)} run-queue wait per request: provider node ${waited(0).toFixed(2)} ms, consumer node ${waited(1).toFixed(2)} ms (load average ${os.loadavg()[0]!.toFixed(1)})`,
      );
      // On a machine shared with other work the throughput ratio depends on how much CPU each run
      // got; the CPU-cost ratio (direct CPU per request / mediated CPU per request) does not.
      console.log(
        `         ${suite.padEnd(8)} CPU per request: provider node ${perRequest(0).toFixed(3)} ms, consumer node ${perRequest(1).toFixed(3)} ms, ` +
          `load generator + backend ${benchCpuPerRequest(mediated).toFixed(3)} ms; CPU-cost ratio ${((directCpu / mediatedCpu) * 100).toFixed(1)}%`,
      );
      console.log(
        `         ${suite.padEnd(8)} ratio     ${((mediated.rps / direct.rps) * 100).toFixed(1)}% of direct; added p99 ${(mediated.latency.p99 - direct.latency.p99).toFixed(2)} ms` +
          (mediated.errorSamples.length ? `\n         samples: ${mediated.errorSamples.slice(0, 2).join(' | ')}` : ''),
      );
      await Promise.all(children.splice(0).map(stopNodeProcess));
    }
  }
} finally {
  for (const ch of children) ch.kill('SIGTERM');
  backend.close();
  await platform.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
