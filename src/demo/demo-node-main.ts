/**
 * One demo department as its own process (started by `zhengtong demo`):
 * `node demo-node-main.js <node folder>`. Prints one JSON line `{"ready":…}` once listening and
 * stops on SIGINT/SIGTERM or when its parent closes stdin (so it never outlives the demo).
 */
import path from 'node:path';
import { runDemoNode } from './demo-node.js';

async function main(dir: string): Promise<void> {
  const parts = await runDemoNode(dir);
  process.stdout.write(JSON.stringify({ ready: true, clientUrl: parts.node.clientUrl, serverUrl: parts.node.serverUrl, backendUrl: parts.backendUrl }) + '\n');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    parts.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop).on('close', stop).resume();
}

main(path.resolve(process.argv[2] ?? '.')).catch((e: unknown) => {
  process.stderr.write(`demo node failed: ${(e as Error).message}\n`);
  process.exit(1);
});
