import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { verifyAuditChain, type CheckpointVerifier } from '../audit/index.js';
import { loadConfig } from '../core/config.js';
import { readPublicKeyFile } from '../core/crypto/index.js';
import { databaseExists, openDatabase } from '../core/db/database.js';
import { processIo, progressReporter, type CliIo } from './output.js';

/**
 * `zhengtong audit verify [--db URL] [--public-key FILE] [--json]`: checks the audit chain and its
 * signed checkpoints offline. Exit 0 intact; 1 broken (the first bad sequence number is printed);
 * 2 when it cannot run (no database or no audit tables, unreadable key).
 */
export function registerAuditCommand(program: Command, io: CliIo = processIo): void {
  const audit = program.command('audit').description('审计日志 / audit log');
  audit
    .command('verify')
    .description('离线校验审计链与签名检查点 / verify the chain and signed checkpoints offline')
    .option('--db <url>', '数据库 URL（默认 ZT_DB_URL 或 ./data/platform.db）')
    .option('--public-key <file>', '平台签名公钥文件（默认 <数据目录>/keys/platform-signing.pub.json）')
    .option('--json', '以 JSON 输出结果 / print JSON')
    .option('--workers <n>', '并行校验线程数（默认 1）/ verification threads (default 1)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('应为 1–64 的整数 / a whole number 1–64');
      return n;
    })
    .action(async (opts: { db?: string; publicKey?: string; json?: boolean; workers?: number }) => {
      const config = loadConfig();
      const url = opts.db ?? config.dbUrl;
      if (!databaseExists(url)) {
        io.stderr.write(`数据库不存在 / no database at ${url}\n`);
        process.exitCode = 2;
        return;
      }
      const keyFile = opts.publicKey ?? path.join(config.keyDir, 'platform-signing.pub.json');
      let verifyCheckpoint: CheckpointVerifier | undefined;
      if (opts.publicKey || fs.existsSync(keyFile)) {
        try {
          const { suite, publicKey } = await readPublicKeyFile(keyFile);
          verifyCheckpoint = (message, signature, cp) => cp.suite === suite.name && suite.verify(publicKey, message, Buffer.from(signature, 'base64'));
        } catch (e) {
          io.stderr.write(`无法读取公钥 / cannot read the public key ${keyFile}: ${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      let database;
      try {
        database = await openDatabase(url);
      } catch (e) {
        io.stderr.write(`无法打开数据库 / cannot open ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const result = await verifyAuditChain(database.db, {
          ...(verifyCheckpoint ? { verifyCheckpoint } : {}),
          ...(opts.json ? {} : { onProgress: progressReporter(io, '校验 verifying') }),
          // With --workers N > 1, long chains are split into ranges checked by worker threads, each
          // with its own connection. One thread by default: two were not faster on a loaded 2-core machine.
          ...(opts.workers && opts.workers > 1 ? { parallel: { dbUrl: url, workers: opts.workers } } : {}),
        });
        if (opts.json) io.stdout.write(JSON.stringify(result) + '\n');
        else if (result.ok) {
          io.stdout.write(
            `审计链完整 / chain intact: ${result.records} 条记录 records, ${result.checkpoints} 个检查点 checkpoints` +
              (result.checkpointSignaturesChecked ? '，签名已校验 signatures verified' : '，未提供公钥，签名未校验 (no public key: signatures not checked)') +
              '\n',
          );
        } else {
          io.stdout.write(`审计链被破坏 / chain broken at seq ${result.firstBadSeq}: ${result.reason}\n`);
        }
        process.exitCode = result.ok ? 0 : 1;
      } catch (e) {
        // No audit tables, unreachable server…: the check could not run, which is not a broken chain.
        io.stderr.write(`无法校验 / cannot verify ${database.displayUrl}: ${(e as Error).message}\n`);
        process.exitCode = 2;
      } finally {
        await database.close().catch(() => undefined);
      }
    });
}
