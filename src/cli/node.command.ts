import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readKeyFile } from '../core/crypto/index.js';
import { openDatabase } from '../core/db/database.js';
import { migrateToLatest } from '../core/db/migrate.js';
import { validationError } from '../core/errors.js';
import {
  exportEvidence,
  initNode,
  loadBodyCipher,
  loadNodeConfig,
  MessageLog,
  nodeFiles,
  nodeMigrations,
  startNode,
  verifyArchives,
  type SignedGlobalConf,
} from '../exchange/index.js';
import { processIo, type CliIo } from './output.js';

const port = (v: string, name: string): number => {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw validationError([{ field: name, reason: `应为 0–65535 的端口号 (must be a port number), 实际 "${v}"` }]);
  return Number(v);
};
const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * `zhengtong node --config node.json` runs a department's exchange node;
 * `zhengtong node init …` creates one and asks the center to register it;
 * `zhengtong node evidence <message-id>` exports the evidence bundle of a logged message;
 * `zhengtong node verify-archives` checks the message-log archives and the live log after them.
 */
export function registerNodeCommand(program: Command, io: CliIo = processIo): void {
  const node = program
    .command('node')
    .description('部门交换节点 / a department exchange node')
    .option('--config <file>', '节点配置文件 / node configuration', 'node.json')
    .action(async (opts: { config: string }) => {
      const running = await startNode(loadNodeConfig(opts.config));
      io.stdout.write(
        `交换节点已启动 / node ${running.config.nodeId} is running\n  客户端 client side: ${running.clientUrl}/r1/…\n  服务端 server side: ${running.serverUrl}\n`,
      );
      const stop = () => {
        running.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });

  node
    .command('init')
    .description('生成密钥并向交换中心提交注册申请 / create keys and ask the center to register this node')
    .requiredOption('--center <url>', '交换中心（平台）地址 / the platform URL')
    .requiredOption('--member <id>', '成员标识 INSTANCE/CLASS/USCC')
    .requiredOption('--subsystem <code>', '子系统（可重复）/ subsystem code (repeatable)', collect, [])
    .option('--dir <dir>', '节点目录 / node folder', '.')
    .option('--suite <suite>', '签名套件 ed25519 | sm2', 'ed25519')
    .option('--host <host>', '监听地址 / listen address', '127.0.0.1')
    .option('--client-port <port>', '客户端端口 / client side port', '8180')
    .option('--server-port <port>', '服务端端口 / server side port', '8443')
    .option('--address <url>', '对外地址 / published https://host:port')
    .option('--center-fingerprint <hex>', '预期的交换中心指纹 / expected center fingerprint')
    .option('--service <code=url>', '提供的服务及其后端（可重复）/ provided service and its backend (repeatable)', collect, [])
    .option('--encrypt-bodies', '消息日志正文加密存储 / encrypt the kept message bodies at rest')
    .action(
      async (opts: {
        center: string;
        member: string;
        subsystem: string[];
        dir: string;
        suite: string;
        host: string;
        clientPort: string;
        serverPort: string;
        address?: string;
        centerFingerprint?: string;
        service: string[];
        encryptBodies?: boolean;
      }) => {
        if (opts.suite !== 'ed25519' && opts.suite !== 'sm2')
          throw validationError([{ field: '--suite', reason: '应为 ed25519 或 sm2 (must be ed25519 or sm2)' }]);
        const services: Record<string, { backend: string }> = {};
        for (const s of opts.service) {
          const eq = s.indexOf('=');
          if (eq < 1) throw validationError([{ field: '--service', reason: `应为 代码=后端地址 (must be code=url), 实际 "${s}"` }]);
          services[s.slice(0, eq)] = { backend: s.slice(eq + 1) };
        }
        const result = await initNode({
          centerUrl: opts.center,
          memberId: opts.member,
          subsystems: opts.subsystem,
          dir: opts.dir,
          suite: opts.suite,
          host: opts.host,
          clientPort: port(opts.clientPort, '--client-port'),
          serverPort: port(opts.serverPort, '--server-port'),
          ...(opts.address ? { address: opts.address } : {}),
          ...(opts.centerFingerprint ? { centerFingerprint: opts.centerFingerprint } : {}),
          services,
          encryptBodies: opts.encryptBodies === true,
        });
        io.stdout.write(
          `已提交注册申请 / registration submitted: ${result.nodeId}\n` +
            `  交换中心指纹 center fingerprint (pinned): ${result.center.fingerprint}\n` +
            `  配置 config: ${result.configFile}\n` +
            `  请管理员批准 / ask an administrator: zhengtong center approve ${result.nodeId}\n` +
            Object.entries(result.apiKeys)
              .map(([s, k]) => `  子系统 ${s} 的 API 密钥（仅显示一次）/ API key of ${s} (shown once): ${k}\n`)
              .join(''),
        );
      },
    );

  node
    .command('evidence <messageId>')
    .description('导出消息的证据包（--config 见 node）/ export the evidence bundle of a message (--config as for node)')
    .option('--role <role>', 'consumer | provider')
    .option('--out <file>', '输出文件（默认标准输出）/ output file (default stdout)')
    .action(async (messageId: string, opts: { role?: string; out?: string }) => {
      if (opts.role !== undefined && opts.role !== 'consumer' && opts.role !== 'provider') {
        throw validationError([{ field: '--role', reason: '应为 consumer 或 provider (must be consumer or provider)' }]);
      }
      // `--config` belongs to the parent `node` command (commander parses it there).
      const config = loadNodeConfig((node.opts() as { config: string }).config);
      const files = nodeFiles(config.dataDir);
      const { suite } = await readKeyFile(files.signingKey);
      const signed = JSON.parse(fs.readFileSync(files.globalConf, 'utf8')) as SignedGlobalConf;
      const database = await openDatabase(config.dbUrl);
      try {
        await migrateToLatest(database.db, database.dialect, nodeMigrations);
        const bundle = await exportEvidence(await MessageLog.forNode(database.db, suite, config, { create: false }), {
          nodeId: config.nodeId,
          messageId,
          ...(opts.role ? { role: opts.role as 'consumer' | 'provider' } : {}),
          center: config.center,
          globalConf: signed,
          now: new Date(),
        });
        if (!bundle) {
          io.stderr.write(`没有该消息 / no message ${messageId} in this node's log\n`);
          process.exitCode = 1;
          return;
        }
        const text = JSON.stringify(bundle, null, 2) + '\n';
        if (opts.out) fs.writeFileSync(path.resolve(opts.out), text);
        else io.stdout.write(text);
      } finally {
        await database.close();
      }
    });

  node
    .command('verify-archives')
    .description('校验消息日志归档文件及其后的在线日志（--config 见 node）/ verify the message-log archives and the live log after them')
    .option('--json', '以 JSON 输出 / print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadNodeConfig((node.opts() as { config: string }).config);
      const files = nodeFiles(config.dataDir);
      const { suite, keyPair } = await readKeyFile(files.signingKey);
      const database = await openDatabase(config.dbUrl);
      try {
        await migrateToLatest(database.db, database.dialect, nodeMigrations);
        // Encrypted bodies are checked too when the data key is here; without it the signatures still cover the ciphertexts.
        const bodyCipher = await loadBodyCipher({ db: database.db, suite, nodeId: config.nodeId, keyFile: files.bodyKey, encrypt: false, create: false });
        const result = await verifyArchives(
          database.db,
          { dir: path.resolve(config.dataDir, config.archive?.dir ?? 'archive'), publicKey: keyPair.publicKey, suite, ...(bodyCipher ? { bodyCipher } : {}) },
          (c, i, total) => {
            if (!opts.json)
              io.stdout.write(
                `[${i + 1}/${total}] ${c.ok ? '✔' : '✘'} ${c.file}（${c.firstSeq}–${c.lastSeq}，${c.records} 条 records）${c.reason ? ` ${c.reason}` : ''}\n`,
              );
          },
        );
        const chain = await (await MessageLog.forNode(database.db, suite, config, { create: false })).verifyChain();
        const ok = result.ok && chain.ok;
        if (opts.json)
          io.stdout.write(JSON.stringify({ ok, archives: result.files, live: { ...result.live, ...chain, ok: result.live.ok && chain.ok } }) + '\n');
        else {
          if (!result.live.ok) io.stdout.write(`✘ ${result.live.reason}\n`);
          io.stdout.write(
            `${chain.ok ? '✔' : '✘'} 在线日志 live log: ${chain.records} 条 records${chain.firstBadSeq !== undefined ? `，第 ${chain.firstBadSeq} 条起链断裂 (chain broken from seq ${chain.firstBadSeq})` : ''}\n` +
              (ok
                ? `归档与日志完整 / archives and log verified (${result.files.length} 个归档 archives)\n`
                : '归档或日志未通过校验 / archives or log did NOT verify\n'),
          );
        }
        process.exitCode = ok ? 0 : 1;
      } finally {
        await database.close();
      }
    });
}
