import type { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { validationError } from '../core/errors.js';
import { DEMO_PASSWORD, describeDemoExchange, seedDemoCity, startDemoExchange, type DemoExchange } from '../demo/index.js';
import { createPlatform, type Platform } from '../platform.js';
import { processIo, type CliIo } from './output.js';

function stopOnSignals(platform: Platform, beforeClose: () => Promise<void> = async () => undefined): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    platform.app.log.info({ signal }, 'shutting down');
    // The demo's node processes stop first: they poll the platform until they go.
    beforeClose()
      .catch(() => undefined)
      .then(() => platform.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

async function start(options: { port?: string; host?: string; demo: boolean; nodes?: boolean }, io: CliIo): Promise<void> {
  if (options.port !== undefined && !/^\d{1,5}$/.test(options.port)) {
    throw validationError([{ field: '--port', reason: `应为 0–65535 的端口号 (must be a port number), 实际 "${options.port}"` }]);
  }
  const config = loadConfig(process.env, {
    // The demo prints its own banner; request logs would bury it unless asked for.
    ...(options.demo && !process.env.ZT_LOG_LEVEL ? { logLevel: 'warn' as const } : {}),
    ...(options.port !== undefined ? { port: Number(options.port) } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
  });
  const platform = await createPlatform(config);
  let banner = '';
  if (options.demo) {
    const { added, accounts } = await seedDemoCity(platform);
    const width = Math.max(...accounts.map((a) => a.username.length));
    banner =
      (added.orgs + added.citizens > 0
        ? `已生成示范市数据 / demo city seeded: ${added.orgs} 个机构, ${added.staff} 名工作人员, ${added.citizens} 名市民, ${added.agents} 名经办人\n`
        : '') +
      `\n演示账号 / demo accounts (密码 password: ${DEMO_PASSWORD})\n` +
      accounts.map((a) => `  ${a.username.padEnd(width)}  ${a.role}  ${a.org}`).join('\n') +
      '\n  工作人员首次登录需绑定动态口令 (TOTP) / staff enrol a TOTP authenticator at first sign-in\n';
  }
  await platform.app.listen({ port: config.port, host: config.host });
  platform.startJobs();
  let exchange: DemoExchange | undefined;
  let exchangeStarting: Promise<unknown> = Promise.resolve();
  stopOnSignals(platform, async () => {
    await exchangeStarting;
    await exchange?.stop();
  });
  const address = platform.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  io.stdout.write(
    `\n政通 zhengtong 已启动 / is running\n  平台 platform:  http://${config.host}:${port}/\n  API 文档 docs:  http://${config.host}:${port}/docs\n  数据库 database: ${platform.database.displayUrl}\n` +
      banner,
  );
  // `--no-nodes` or ZT_DEMO_NODES=0: the platform alone (browser tests that need no exchange).
  if (options.demo && options.nodes !== false && process.env.ZT_DEMO_NODES !== '0') {
    const loopback = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    exchangeStarting = startDemoExchange(platform, { centerUrl: `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}` }).then(
      (started) => {
        exchange = started;
        io.stdout.write(describeDemoExchange(started));
      },
      (e: unknown) => io.stderr.write(`交换节点未能启动 / the exchange nodes did not start: ${(e as Error).message}\n`),
    );
  }
}

/** `zhengtong serve` (the platform) and `zhengtong demo` (the platform with the demo city). */
export function registerServeCommands(program: Command, io: CliIo = processIo): void {
  program
    .command('serve')
    .description('启动平台（迁移数据库后监听）/ run the platform (migrates first)')
    .option('-p, --port <port>', '端口（默认 PORT 或 8080）')
    .option('--host <host>', '监听地址（默认 HOST 或 127.0.0.1）')
    .action((opts: { port?: string; host?: string }) => start({ ...opts, demo: false }, io));
  program
    .command('demo')
    .description('启动演示平台：首次运行生成示范市数据 / run the demo platform, seeding the demo city')
    .option('-p, --port <port>', '端口（默认 PORT 或 8080）')
    .option('--host <host>', '监听地址（默认 HOST 或 127.0.0.1）')
    .option('--no-nodes', '不启动各部门交换节点（或 ZT_DEMO_NODES=0）/ do not start the department nodes')
    .action((opts: { port?: string; host?: string; nodes: boolean }) => start({ ...opts, demo: true }, io));
}
