import type { Writable } from 'node:stream';

/** Where commands print; tests pass buffers. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stderrIsTTY: boolean;
}

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: !!process.stderr.isTTY };

/** A progress line on stderr: redrawn in place on a terminal, printed every `everyMs` otherwise. */
export function progressReporter(io: CliIo, label: string, everyMs = 2000): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
    if (io.stderrIsTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      io.stderr.write(`\r${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${pct}% ${done}/${total}`);
      if (done >= total) io.stderr.write('\n');
    } else if (now - last >= everyMs || done >= total) {
      last = now;
      io.stderr.write(`${label}: ${done}/${total} (${pct}%)\n`);
    }
  };
}
