import type { Command } from 'commander';
import { CalendarService, WorkingDayCalendar, loadSeedEntries } from '../core/calendar/index.js';
import { systemClock } from '../core/clock.js';
import { loadConfig } from '../core/config.js';
import { databaseExists, openDatabase } from '../core/db/database.js';
import { AppError } from '../core/errors.js';
import { processIo, type CliIo } from './output.js';

/** The platform database's calendar when it exists (admin edits included), else the seed data. */
async function withCalendar<T>(dbUrl: string | undefined, fn: (c: WorkingDayCalendar) => T): Promise<T> {
  const url = dbUrl ?? loadConfig().dbUrl;
  if (!databaseExists(url)) return fn(new WorkingDayCalendar(loadSeedEntries()));
  const database = await openDatabase(url);
  try {
    const none = { append: async () => 0 };
    return fn(await new CalendarService(database.db, none, systemClock).calendar());
  } finally {
    await database.close();
  }
}

function parseCount(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new AppError('VALIDATION_FAILED', `n 应为非负整数 (n must be a non-negative integer): ${raw}`);
  return n;
}

/** `zhengtong calendar add <date> <n>` and `calendar between <a> <b>`. */
export function registerCalendarCommand(program: Command, io: CliIo = processIo): void {
  const cal = program.command('calendar').description('工作日日历 / working-day calendar');
  cal
    .command('add <date> <n>')
    .description('从 date 起第 n 个工作日（不含当天）/ the due date n working days after date')
    .option('--db <url>', '数据库 URL（含管理员的修改）')
    .option('--json', 'JSON 输出')
    .action(async (date: string, n: string, opts: { db?: string; json?: boolean }) => {
      const count = parseCount(n);
      await withCalendar(opts.db, (c) => {
        const due = c.addWorkingDays(date, count);
        io.stdout.write(opts.json ? JSON.stringify({ start: date, n: count, due, dueAt: c.dueAt(date, count).toISOString() }) + '\n' : `${due}\n`);
      });
    });
  cal
    .command('between <from> <to>')
    .description('(from, to] 之间的工作日数 / working days in (from, to]')
    .option('--db <url>', '数据库 URL')
    .action(async (from: string, to: string, opts: { db?: string }) => {
      await withCalendar(opts.db, (c) => io.stdout.write(`${c.workingDaysBetween(from, to)}\n`));
    });
}
