import type { Command } from 'commander';
import { SYSTEM_ACTOR } from '../core/actor.js';
import { loadConfig } from '../core/config.js';
import { createPlatform } from '../platform.js';
import { processIo, type CliIo } from './output.js';

/** `zhengtong center approve <id>` / `center registrations`: the exchange center from the platform's machine. */
export function registerCenterCommand(program: Command, io: CliIo = processIo): void {
  const center = program.command('center').description('交换中心 / the exchange center');
  const withPlatform = async <T>(work: (p: Awaited<ReturnType<typeof createPlatform>>) => Promise<T>): Promise<T> => {
    const platform = await createPlatform(loadConfig(process.env, { logLevel: 'warn' }));
    try {
      return await work(platform);
    } finally {
      await platform.close();
    }
  };
  center
    .command('approve <registrationId>')
    .description('批准节点注册并签发证书 / approve a node registration and issue its certificate')
    .action((id: string) =>
      withPlatform(async (p) => {
        const reg = await p.exchange.approveRegistration({ ...SYSTEM_ACTOR, name: 'cli:center approve' }, {}, id);
        io.stdout.write(`已批准 / approved ${reg.id} (${reg.memberId}, ${reg.address})\n  证书指纹 certificate: ${reg.certFingerprint}\n`);
      }),
    );
  center
    .command('registrations')
    .description('列出待批准的节点 / list pending node registrations')
    .action(() =>
      withPlatform(async (p) => {
        const list = await p.exchange.listRegistrations({ type: 'staff', roles: [] }, 'pending');
        if (list.length === 0) io.stdout.write('没有待批准的节点 / no pending registrations\n');
        for (const r of list) io.stdout.write(`${r.id}  ${r.memberId}  ${r.subsystems.join(',')}  ${r.address}  ${r.createdAt}\n`);
      }),
    );
}
