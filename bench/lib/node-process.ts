/** What the exchange benchmarks share: a free loopback port, and a department node as its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** `zhengtong node --config <config>` from source; resolves once its client side listens. ZT_BENCH_PROF=<dir>: the node writes a V8 CPU profile there when it stops. */
export function startNodeProcess(config: string): Promise<ChildProcess> {
  const prof = process.env.ZT_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ZT_BENCH_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', path.resolve('src/cli/main.ts'), 'node', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('client side')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`node exited ${code}`)));
  });
}
