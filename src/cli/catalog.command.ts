import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  exportCatalog,
  findOrCreateHarvestSource,
  importCatalogFile,
  catalogTemplate,
  runHarvest,
  updateHarvestSource,
  type ImportResult,
} from '../catalog/index.js';
import { SYSTEM_ACTOR } from '../core/actor.js';
import { loadConfig } from '../core/config.js';
import { AppError } from '../core/errors.js';
import { findOrgByUscc } from '../identity/index.js';
import { createPlatform, type Platform } from '../platform.js';
import { processIo, type CliIo } from './output.js';

const kindOf = (file: string): 'csv' | 'xlsx' => (/\.xlsx$/i.test(file) ? 'xlsx' : 'csv');

async function withPlatform<T>(dbUrl: string | undefined, fn: (p: Platform) => Promise<T>): Promise<T> {
  const base = loadConfig();
  const platform = await createPlatform({ ...base, ...(dbUrl ? { dbUrl } : {}), logLevel: 'silent', checkpointIntervalMs: 0 });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

/** A cli-progress bar on a terminal; a line every 10 % otherwise. */
function progress(io: CliIo, label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (io.stderrIsTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: io.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} | 剩余 {eta_formatted}`, hideCursor: true, noTTYOutput: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (done, total) => {
        if (!started) bar.start(total, 0);
        started = true;
        bar.update(done);
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastPct = -10;
  return {
    update: (done, total) => {
      const pct = Math.floor((done / Math.max(total, 1)) * 100);
      if (pct >= lastPct + 10 || done === total) {
        lastPct = pct;
        io.stderr.write(`${label}: ${done}/${total} (${pct}%)\n`);
      }
    },
    stop: () => undefined,
  };
}

function printErrors(io: CliIo, result: Pick<ImportResult, 'errors'>): void {
  for (const e of result.errors) io.stderr.write(`第 ${e.row} 行 row ${e.row}，「${e.column}」：${e.reason}\n`);
}

/**
 * `zhengtong catalog template|import|export|harvest`: the spreadsheet side of the catalog, and
 * harvesting. `import` writes nothing unless every row is valid (or `--skip-invalid`); exit 1 when
 * rows were bad (skipped datasets for `harvest`), 2 when it could not run.
 */
export function registerCatalogCommand(program: Command, io: CliIo = processIo): void {
  const catalog = program.command('catalog').description('政务信息资源目录 / resource catalog');
  catalog
    .command('template <file>')
    .description('写出编目模板（.xlsx 或 .csv）/ write the import template')
    .action(async (file: string) => {
      fs.writeFileSync(file, await catalogTemplate(kindOf(file)));
      io.stdout.write(`已写出模板 / template written: ${path.resolve(file)}\n`);
    });
  catalog
    .command('import <file>')
    .description('从 XLSX/CSV 导入信息资源（草稿）/ import resources as drafts')
    .requiredOption('--org <uscc>', '提供方部门的统一社会信用代码 / the providing department')
    .option('--skip-invalid', '跳过有错误的行，导入其余 / import the valid rows, skip the rest')
    .option('--db <url>', '数据库 URL（默认 ZT_DB_URL）')
    .option('--json', 'JSON 输出')
    .action(async (file: string, opts: { org: string; skipInvalid?: boolean; db?: string; json?: boolean }) => {
      if (!fs.existsSync(file)) {
        io.stderr.write(`文件不存在 / no such file: ${file}\n`);
        process.exitCode = 2;
        return;
      }
      await withPlatform(opts.db, async (platform) => {
        const org = await findOrgByUscc(platform.identity, opts.org.trim().toUpperCase());
        if (!org) {
          io.stderr.write(`机构不存在 / no organisation with USCC ${opts.org}\n`);
          process.exitCode = 2;
          return;
        }
        const bar = progress(io, '导入 importing');
        try {
          const result = await importCatalogFile(
            platform.catalog,
            SYSTEM_ACTOR,
            { requestId: 'cli:catalog-import' },
            { data: fs.readFileSync(file), kind: kindOf(file) },
            { providerOrgId: org.id, skipInvalid: !!opts.skipInvalid, onProgress: (p) => p.phase === 'write' && bar.update(p.done, p.total) },
          );
          bar.stop();
          printErrors(io, result);
          if (opts.json) io.stdout.write(JSON.stringify(result) + '\n');
          else io.stdout.write(`已导入 imported ${result.created} 条，跳过 skipped ${result.skipped} 条（${org.name}）\n`);
          process.exitCode = result.errors.length ? 1 : 0;
        } catch (e) {
          bar.stop();
          if (e instanceof AppError && e.code === 'CATALOG_IMPORT_INVALID') {
            printErrors(io, { errors: (e.details?.errors ?? []) as ImportResult['errors'] });
            io.stderr.write(`${e.message}\n`);
            process.exitCode = 1;
            return;
          }
          throw e;
        }
      });
    });
  catalog
    .command('harvest <url>')
    .description('汇聚下级目录：另一个政通的 /api/v1/catalog/dcat.ttl（增量）或任何 DCAT-AP 文档 / harvest a lower-level catalog')
    .option('--name <name>', '来源名称（首次登记时）/ the source name when registering it')
    .option('--region <code>', '来源所在行政区划（来源未给出时用）/ division code for resources that do not say')
    .option('--interval <minutes>', '定时汇聚间隔（分钟；serve 进程按此运行；0 取消）/ schedule: harvest every N minutes (0: only by hand)')
    .option('--full', '完整汇聚（不只取上次以来的修改）/ walk everything, not only what changed')
    .option('--db <url>', '数据库 URL（默认 ZT_DB_URL）')
    .option('--json', 'JSON 输出')
    .action(async (url: string, opts: { name?: string; region?: string; interval?: string; full?: boolean; db?: string; json?: boolean }) => {
      const interval = opts.interval === undefined ? undefined : Number(opts.interval);
      if (interval !== undefined && !Number.isInteger(interval)) {
        io.stderr.write(`--interval 应为整数分钟 (must be whole minutes): ${opts.interval}\n`);
        process.exitCode = 2;
        return;
      }
      await withPlatform(opts.db, async (platform) => {
        const ctx = { requestId: 'cli:catalog-harvest' };
        const bar = progress(io, '汇聚 harvesting');
        try {
          const { source, created } = await findOrCreateHarvestSource(platform.catalog, SYSTEM_ACTOR, ctx, {
            name: opts.name ?? (URL.canParse(url) ? new URL(url).host : url),
            url,
            regionCode: opts.region ?? null,
            intervalMinutes: interval ? interval : null,
          });
          if (!created && (interval !== undefined || opts.region !== undefined))
            await updateHarvestSource(platform.catalog, SYSTEM_ACTOR, ctx, source.id, {
              ...(interval !== undefined ? { intervalMinutes: interval || null } : {}),
              ...(opts.region !== undefined ? { regionCode: opts.region } : {}),
            });
          if (!opts.json) io.stderr.write(`${created ? '已登记来源 / registered' : '来源 / source'}：${source.name} ${source.url}\n`);
          const run = await runHarvest(platform.catalog, SYSTEM_ACTOR, ctx, source.id, {
            full: !!opts.full,
            onProgress: (p) => (p.phase === 'fetch' ? bar.update(p.datasets, Math.max(p.total ?? p.datasets, p.datasets)) : undefined),
          });
          bar.stop();
          for (const e of run.errors) io.stderr.write(`跳过 skipped ${e.uri}：${e.reason}\n`);
          if (opts.json) io.stdout.write(JSON.stringify(run) + '\n');
          else
            io.stdout.write(
              `汇聚完成（${run.mode === 'incremental' ? '增量' : '完整'}，${run.pages} 页）：新增 ${run.created}，更新 ${run.updated}，未变 ${run.unchanged}，下线 ${run.withdrawn}，跳过 ${run.skipped}\n` +
                `harvested (${run.mode}, ${run.pages} pages): created ${run.created}, updated ${run.updated}, unchanged ${run.unchanged}, withdrawn ${run.withdrawn}, skipped ${run.skipped}\n`,
            );
          process.exitCode = run.skipped ? 1 : 0;
        } catch (e) {
          bar.stop();
          if (e instanceof AppError && (e.code === 'CATALOG_HARVEST_FAILED' || e.code === 'VALIDATION_FAILED' || e.code === 'CATALOG_HARVEST_RUNNING')) {
            io.stderr.write(`${e.message}\n`);
            process.exitCode = 2;
            return;
          }
          throw e;
        }
      });
    });
  catalog
    .command('export <file>')
    .description('导出已发布的共享目录（.xlsx 或 .csv）/ export the published sharing catalog')
    .option('--db <url>', '数据库 URL（默认 ZT_DB_URL）')
    .action(async (file: string, opts: { db?: string }) => {
      await withPlatform(opts.db, async (platform) => {
        fs.writeFileSync(file, await exportCatalog(platform.catalog, SYSTEM_ACTOR, 'sharing', kindOf(file)));
        io.stdout.write(`已导出 / exported: ${path.resolve(file)}\n`);
      });
    });
}
