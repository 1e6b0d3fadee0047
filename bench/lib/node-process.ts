/** What the exchange benchmarks share: a free loopback port, and a department node as its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
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

/**
 * How a node process runs: `build` is the compiled CLI (`bin/zhengtong.js`, what a deployment
 * runs); `source` is src/ through tsx; any other value is the path of a `zhengtong.js` to run
 * (another checkout's build, to compare two builds in one run).
 */
export type NodeRunner = 'build' | 'source' | (string & {});

const COMPILED = path.resolve('dist/cli/main.js');

/** The newest `.ts` file under `dir` (test files left out: the build leaves them out too). */
function newestSource(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { mtimeMs } = fs.statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/**
 * Whether the build can stand for the source: `build` when dist/cli/main.js exists and no `.ts`
 * file under src/ is newer than it; otherwise `source`, with the reason (a stale build would
 * measure code that is no longer there).
 *
 * @example const { runner, reason } = chooseNodeRunner(); // 'build' after `npm run build`
 */
export function chooseNodeRunner(): { runner: NodeRunner; reason: string } {
  if (!fs.existsSync(COMPILED)) return { runner: 'source', reason: 'no build (dist/cli/main.js): run npm run build' };
  const built = fs.statSync(COMPILED).mtimeMs;
  const newest = newestSource(path.resolve('src'));
  if (newest.mtimeMs > built) return { runner: 'source', reason: `the build is older than ${path.relative(process.cwd(), newest.file)}` };
  return { runner: 'build', reason: 'the build is newer than every file of src/' };
}

/**
 * `zhengtong node --config <config>`, from the build (`node bin/zhengtong.js`), from source
 * (`node --import tsx src/cli/main.ts`) or from another `zhengtong.js`; resolves once its client side listens.
 * ZT_BENCH_PROF=<dir>: the node writes a V8 CPU profile there when it stops.
 */
export function startNodeProcess(config: string, runner: NodeRunner = 'source'): Promise<ChildProcess> {
  const prof = process.env.ZT_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ZT_BENCH_PROF}`] : [];
  const entry = runner === 'source' ? ['--import', 'tsx', path.resolve('src/cli/main.ts')] : [path.resolve(runner === 'build' ? 'bin/zhengtong.js' : runner)];
  const child = spawn(process.execPath, [...prof, ...entry, 'node', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('client side')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`node exited ${code}`)));
  });
}

/** Stops a node started by `startNodeProcess` and resolves once it has exited (its ports are free again). */
export function stopNodeProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
