import fs from 'node:fs';
import type { Command } from 'commander';
import { verifyEvidence, type EvidenceBundle } from '../exchange/index.js';
import { processIo, type CliIo } from './output.js';

/** `zhengtong verify-evidence <file>`: checks an evidence bundle offline. Exit 0 valid, 1 invalid, 2 unreadable. */
export function registerEvidenceCommand(program: Command, io: CliIo = processIo): void {
  program
    .command('verify-evidence <file>')
    .description('离线校验交换消息证据包 / verify an exchange evidence bundle offline')
    .option('--json', '以 JSON 输出 / print JSON')
    .action((file: string, opts: { json?: boolean }) => {
      let bundle: EvidenceBundle;
      try {
        bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as EvidenceBundle;
      } catch (e) {
        io.stderr.write(`无法读取证据包 / cannot read ${file}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const result = verifyEvidence(bundle);
      if (opts.json) io.stdout.write(JSON.stringify(result) + '\n');
      else {
        for (const c of result.checks) io.stdout.write(`${c.ok ? '✔' : '✘'} ${c.name}${c.detail ? ` (${c.detail})` : ''}\n`);
        io.stdout.write(
          (result.ok ? '证据有效 / evidence valid' : '证据无效 / evidence INVALID') +
            `\n交换中心指纹 center fingerprint: ${result.centerFingerprint}（请与平台公布的指纹核对 / compare with the published one）\n`,
        );
      }
      process.exitCode = result.ok ? 0 : 1;
    });
}
