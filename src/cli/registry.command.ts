import fs from 'node:fs';
import path from 'node:path';
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { SYSTEM_ACTOR, type Actor } from '../core/actor.js';
import { loadConfig } from '../core/config.js';
import { databaseExists, openDatabase } from '../core/db/database.js';
import { AppError } from '../core/errors.js';
import { loadOrCreatePlatformKeys, secretBoxOf } from '../core/keys.js';
import { findOrgByUscc } from '../identity/index.js';
import { createPlatform } from '../platform.js';
import { REGISTRY_SEAL_PURPOSE, SHIPPED_REGISTRIES, importRegistryFile, verifyBatch, verifyRegistryLog } from '../registries/index.js';
import { processIo, type CliIo } from './output.js';

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

function bar(io: CliIo, label: string, total: number) {
  const b = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream & { isTTY?: boolean },
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta}s`,
      noTTYOutput: !io.stderrIsTTY,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  b.start(total, 0, { rate: 0 });
  const started = Date.now();
  return {
    update: (v: number, t?: number) => {
      if (t !== undefined) b.setTotal(t);
      b.update(v, { rate: Math.round(v / Math.max(0.001, (Date.now() - started) / 1000)) });
    },
    stop: () => b.stop(),
  };
}

/** A platform on `--db` for commands that act as a department (`--org` USCC). */
async function platformFor(io: CliIo, db: string | undefined, orgUscc: string, roles: Actor['roles'] = []) {
  const config = loadConfig(process.env, { ...(db ? { dbUrl: db } : {}), logLevel: 'silent' });
  if (!databaseExists(config.dbUrl)) {
    io.stderr.write(`数据库不存在 / no database at ${redact(config.dbUrl)}\n`);
    return undefined;
  }
  const platform = await createPlatform(config);
  const org = await findOrgByUscc(platform.identity, orgUscc);
  if (!org) {
    io.stderr.write(`机构不存在 / no organisation with USCC ${orgUscc}\n`);
    await platform.close();
    return undefined;
  }
  const actor: Actor = { ...SYSTEM_ACTOR, name: `zhengtong registry（${org.name}）`, orgId: org.id, roles };
  return { platform, actor };
}

/**
 * `zhengtong registry verify|verify-batch|import`. Exit codes: 0 done / intact; 1 broken log or
 * rejected rows; 2 when the command cannot run (no database, bad arguments, unknown registry).
 */
export function registerRegistryCommand(program: Command, io: CliIo = processIo): void {
  const registry = program.command('registry').description('基础信息库 / base registries');

  registry
    .command('verify')
    .description('端到端校验基础信息库日志（哈希、签名树头、记录重放）/ verify registry logs end to end')
    .option('--registry <key>', `只校验一个库：${SHIPPED_REGISTRIES.map((d) => d.key).join(' | ')}`)
    .option('--db <url>', '数据库 URL（默认 ZT_DB_URL 或 ./data/platform.db）')
    .option('--json', '以 JSON 输出 / print JSON')
    .action(async (opts: { registry?: string; db?: string; json?: boolean }) => {
      const config = loadConfig();
      const url = opts.db ?? config.dbUrl;
      const defs = opts.registry ? SHIPPED_REGISTRIES.filter((d) => d.key === opts.registry) : SHIPPED_REGISTRIES;
      if (defs.length === 0) {
        io.stderr.write(`未知的基础信息库 / unknown registry ${opts.registry}\n`);
        process.exitCode = 2;
        return;
      }
      if (!databaseExists(url)) {
        io.stderr.write(`数据库不存在 / no database at ${redact(url)}\n`);
        process.exitCode = 2;
        return;
      }
      // With the platform's keys, sealed values and tree head signatures are checked too.
      const keys = fs.existsSync(path.join(config.keyDir, 'platform-signing.key.json'))
        ? await loadOrCreatePlatformKeys(config.keyDir, config.cryptoSuite).catch(() => undefined)
        : undefined;
      let database;
      try {
        database = await openDatabase(url);
      } catch (e) {
        io.stderr.write(`无法打开数据库 / cannot open ${redact(url)}: ${(e as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const hash = keys?.suite.hash ?? (await import('../core/crypto/index.js')).getSuite(config.cryptoSuite).hash;
        let broken = false;
        const results = [];
        for (const def of defs) {
          const r = await verifyRegistryLog(database.db, def, {
            hash,
            ...(keys
              ? {
                  sealer: secretBoxOf(keys, REGISTRY_SEAL_PURPOSE),
                  verifySignature: (m: Buffer, s: Buffer, h: { suite: string }) =>
                    h.suite === keys.suite.name && keys.suite.verify(keys.signing.publicKey, m, s),
                }
              : {}),
          });
          results.push(r);
          if (!opts.json)
            io.stdout.write(
              r.ok
                ? `${def.name.zh} ${def.key}: 完整 intact — ${r.entries} 条目 entries, ${r.records} 记录 records, ${r.treeHeads} 签名树头 tree heads${r.signaturesChecked ? '（签名已校验 signatures verified）' : ''}\n`
                : `${def.name.zh} ${def.key}: 被破坏 broken at entry ${r.firstBadSeq}${r.badRecord ? ` (record ${r.badRecord})` : ''}: ${r.reason}\n`,
            );
          if (!r.ok) {
            broken = true;
            break;
          }
        }
        if (opts.json) io.stdout.write(JSON.stringify(results) + '\n');
        process.exitCode = broken ? 1 : 0;
      } catch (e) {
        io.stderr.write(`无法校验 / cannot verify ${database.displayUrl}: ${(e as Error).message}\n`);
        process.exitCode = 2;
      } finally {
        await database.close().catch(() => undefined);
      }
    });

  registry
    .command('verify-batch')
    .description('批量核验 CSV：主键列 + 声称的属性值 → 逐项 match/no-match / batch verification of a CSV')
    .argument('<registry>', '基础信息库')
    .requiredOption('--file <in.csv>', '输入 CSV（表头：主键列与要核验的属性）')
    .requiredOption('--out <result.csv>', '结果 CSV')
    .requiredOption('--org <uscc>', '核验部门的统一社会信用代码 / USCC of the verifying department')
    .requiredOption('--purpose <text>', '核验目的（记入访问记录）/ purpose')
    .option('--db <url>', '数据库 URL')
    .action(async (key: string, opts: { file: string; out: string; org: string; purpose: string; db?: string }) => {
      const ctx = await platformFor(io, opts.db, opts.org, ['dept-staff']);
      if (!ctx) return void (process.exitCode = 2);
      const { platform, actor } = ctx;
      try {
        const size = (await stat(opts.file)).size;
        const progress = bar(io, '核验 verifying (bytes)', size);
        const output = fs.createWriteStream(opts.out);
        const counts = await verifyBatch(platform.registries.service, {
          registry: key,
          input: fs.createReadStream(opts.file),
          output,
          actor,
          purpose: opts.purpose,
          onProgress: (_rows, bytes) => progress.update(bytes),
        });
        progress.update(size);
        progress.stop();
        await new Promise<void>((resolve, reject) => output.end((err?: Error | null) => (err ? reject(err) : resolve())));
        io.stdout.write(`共 ${counts.rows} 行：找到 ${counts.found}，全部一致 ${counts.allMatch}。结果已写入 ${opts.out}\n`);
        process.exitCode = 0;
      } catch (e) {
        if (!(e instanceof AppError) && !(e instanceof Error && ('syscall' in e || String((e as { code?: string }).code).startsWith('CSV_')))) throw e;
        io.stderr.write(`无法核验 / cannot verify: ${(e as Error).message}\n`);
        process.exitCode = 2;
      } finally {
        await platform.close();
      }
    });

  registry
    .command('import')
    .description('从 CSV/XLSX 批量导入（全部校验通过才写入）/ bulk import, all or nothing')
    .argument('<registry>', '基础信息库')
    .requiredOption('--file <file>', 'CSV 或 XLSX 文件（表头：属性名或中文名）')
    .requiredOption('--org <uscc>', '来源部门的统一社会信用代码 / USCC of the source department')
    .option('--reason <text>', '变更原因', '批量导入 bulk import')
    .option('--skip-invalid', '跳过错误行，导入其余行 / import the valid rows')
    .option('--errors <file>', '错误报告 CSV（默认 <文件>.errors.csv）')
    .option('--db <url>', '数据库 URL')
    .action(async (key: string, opts: { file: string; org: string; reason: string; skipInvalid?: boolean; errors?: string; db?: string }) => {
      const ctx = await platformFor(io, opts.db, opts.org);
      if (!ctx) return void (process.exitCode = 2);
      const { platform, actor } = ctx;
      const errorsPath = opts.errors ?? `${opts.file}.errors.csv`;
      const report = fs.createWriteStream(errorsPath);
      report.write('row,column,reason\n');
      let bad = 0;
      // CSV: progress by bytes of the file (a known total); XLSX: by rows.
      const size = /\.xlsx$/i.test(opts.file)
        ? 0
        : await stat(opts.file).then(
            (s) => s.size,
            () => 0,
          );
      const progress = bar(io, size ? '导入 importing (bytes)' : '导入 importing (rows)', size);
      try {
        const result = await importRegistryFile(platform.registries.service, {
          registry: key,
          file: opts.file,
          actor,
          reason: opts.reason,
          skipInvalid: !!opts.skipInvalid,
          onError: (e) => {
            bad++;
            report.write(`${e.row},${e.column},"${e.reason.replace(/"/g, '""')}"\n`);
          },
          onProgress: (_phase, rows, bytes) => (size && bytes !== undefined ? progress.update(bytes) : progress.update(rows, rows)),
        });
        progress.stop();
        io.stdout.write(
          `共 ${result.rows} 行：新建 ${result.created}，更新 ${result.updated}，未变 ${result.unchanged}，错误行 ${result.invalidRows}${bad ? `（见 ${errorsPath}）` : ''}\n`,
        );
        process.exitCode = result.invalidRows > 0 ? 1 : 0;
      } catch (e) {
        progress.stop();
        if (!(e instanceof AppError)) throw e;
        io.stderr.write(`${e.code}: ${e.message}${bad ? `（错误见 ${errorsPath}）` : ''}\n`);
        process.exitCode = e.code === 'REGISTRY_IMPORT_INVALID' ? 1 : 2;
      } finally {
        await new Promise<void>((resolve) => report.end(() => resolve()));
        await platform.close();
      }
    });
}
