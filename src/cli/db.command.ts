import type { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { openDatabase } from '../core/db/database.js';
import { migrateToLatest, migrationStatus } from '../core/db/migrate.js';
import { MIGRATIONS } from '../migrations.js';
import { processIo, type CliIo } from './output.js';

/** `zhengtong db migrate|status [--db URL]`. */
export function registerDbCommand(program: Command, io: CliIo = processIo): void {
  const db = program.command('db').description('数据库迁移 / database migrations');
  db.command('migrate')
    .description('应用全部未执行的迁移 / apply pending migrations')
    .option('--db <url>', '数据库 URL（默认 ZT_DB_URL 或 ./data/platform.db）')
    .action(async (opts: { db?: string }) => {
      const url = opts.db ?? loadConfig().dbUrl;
      const database = await openDatabase(url);
      try {
        const applied = await migrateToLatest(database.db, database.dialect, MIGRATIONS);
        io.stdout.write(applied.length ? `已应用 applied: ${applied.join(', ')}\n` : '已是最新 up to date\n');
      } finally {
        await database.close();
      }
    });
  db.command('status')
    .description('列出迁移及其状态 / list migrations')
    .option('--db <url>', '数据库 URL')
    .action(async (opts: { db?: string }) => {
      const database = await openDatabase(opts.db ?? loadConfig().dbUrl);
      try {
        for (const m of await migrationStatus(database.db, database.dialect, MIGRATIONS)) {
          io.stdout.write(`${m.executedAt ? '✔' : '·'} ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : '  (pending)'}\n`);
        }
      } finally {
        await database.close();
      }
    });
}
