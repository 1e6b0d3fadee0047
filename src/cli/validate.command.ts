/**
 * `zhengtong validate <type> [value]` — validate one identifier, or one column of a CSV file.
 *
 * Exit codes (set on process.exitCode, never process.exit): 0 valid (for --file: every row
 * valid), 1 invalid, 2 usage error (unknown type, missing or extra value, unreadable file,
 * malformed CSV, unknown --column). Commander's own usage errors in this command (unknown
 * option, missing argument) are rethrown as CommanderError with exitCode 2, so the entry point
 * must use `program.exitOverride()` and copy `err.exitCode` to process.exitCode.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { CommanderError, type Command } from 'commander';
import { AppError } from '../core/errors.js';
import { IDENTIFIER_TYPES, isIdentifierType, validateCsvFile, validateIdentifier, type IdentifierType, type StandardsIssue } from '../standards/index.js';

/** Where the command writes and what it reads from its surroundings; tests pass fakes. */
export interface ValidateCommandIo {
  stdout: Writable;
  stderr: Writable;
  /** Draw a progress bar (true) or print progress lines (false) for --file. */
  stderrIsTTY: boolean;
  /** Milliseconds clock, for throttling progress lines. */
  now: () => number;
  /** "Today" for birth-date checks; default: the real date in Beijing. */
  today?: Date | string;
}

interface ValidateOptions {
  json?: boolean;
  file?: string;
  out?: string;
  column?: string;
}

const EXIT_VALID = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

const TYPE_NAMES: Record<IdentifierType, string> = {
  'citizen-id': '公民身份号码',
  uscc: '统一社会信用代码',
  division: '行政区划代码',
  'licence-id': '电子证照标识',
};

/** Display order and labels of parsed parts, across all types (a type shows the keys it has). */
const PART_LABELS: readonly (readonly [string, string])[] = [
  ['normalized', '标准形式'],
  ['legacy15', '15 位旧号码'],
  ['regionCode', '地址码'],
  ['regionName', '地区'],
  ['provinceName', '省级'],
  ['regionInTable', '在现行区划表中'],
  ['birthDate', '出生日期'],
  ['sex', '性别'],
  ['sequence', '顺序码'],
  ['authorityCode', '登记管理部门代码'],
  ['authorityName', '登记管理部门'],
  ['categoryCode', '机构类别代码'],
  ['categoryName', '机构类别'],
  ['divisionCode', '登记机关区划码'],
  ['divisionName', '登记机关所在地'],
  ['organisationCode', '组织机构代码'],
  ['code', '代码'],
  ['name', '名称'],
  ['level', '级别'],
  ['fullName', '全称'],
  ['parentCode', '上级代码'],
  ['statisticalOnly', '仅统计用代码'],
  ['typeCode', '证照类型代码'],
  ['definingDeptUscc', '类型定义部门'],
  ['typeNumber', '类型序号'],
  ['issuerUscc', '颁发机构'],
  ['serial', '流水号'],
  ['version', '版本号'],
  ['checkChar', '校验码'],
];
const VALUE_WORDS: Record<string, string> = {
  true: '是',
  false: '否',
  male: '男',
  female: '女',
  province: '省级',
  prefecture: '地级',
  county: '县级',
};

function formatValue(v: unknown): string {
  if (v === null) return '（未知）';
  const s = String(v);
  return VALUE_WORDS[s] ?? s;
}

function formatIssue(mark: string, i: StandardsIssue): string {
  return `  ${mark} ${i.message}  [${i.code}]\n`;
}

/** The human-readable report for one value. */
function formatReport(type: IdentifierType, value: string, r: ReturnType<typeof validateIdentifier>): string {
  let out = `${TYPE_NAMES[type]} ${value}：${r.valid ? '有效' : `无效（${r.errors.length} 个问题）`}\n`;
  for (const e of r.errors) out += formatIssue('✗', e);
  for (const w of r.warnings) out += formatIssue('!', w);
  const parsed: Record<string, unknown> = { ...r.parsed };
  const lines = PART_LABELS.filter(([k]) => parsed[k] !== undefined).map(([k, label]) => `  ${label}：${formatValue(parsed[k])}\n`);
  if (lines.length > 0) out += (r.valid ? '' : '已识别的部分：\n') + lines.join('');
  return out;
}

function defaultOutPath(input: string): string {
  return input.replace(/(\.csv)?$/i, '.result.csv');
}

function parseColumn(column: string | undefined): string | number | undefined {
  return column !== undefined && /^\d+$/.test(column) ? Number(column) : column;
}

/** Progress on stderr: a bar on a TTY, else a line every 5 % of the bytes or every 5 s. */
function progressReporter(io: ValidateCommandIo, totalBytes: number): { update: (rows: number, bytes: number) => void; stop: () => void } {
  if (io.stderrIsTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.stderr,
        format: '校验中 [{bar}] {percentage}% | {rows} 行 | 剩余 {eta_formatted}',
        hideCursor: true,
        noTTYOutput: true, // the caller decided stderr is a terminal; trust it (tests pass a fake)
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(totalBytes, 1), 0, { rows: 0 });
    return { update: (rows, bytes) => bar.update(bytes, { rows }), stop: () => bar.stop() };
  }
  let lastAt = io.now();
  let lastPct = 0;
  let latest = { rows: 0, pct: 0, printed: true };
  const print = (): void => {
    io.stderr.write(`已处理 ${latest.rows} 行（${latest.pct}%）\n`);
    latest.printed = true;
    lastPct = latest.pct;
    lastAt = io.now();
  };
  return {
    update(rows, bytes) {
      const pct = totalBytes > 0 ? Math.min(100, Math.floor((bytes / totalBytes) * 100)) : 0;
      latest = { rows, pct, printed: false };
      if (pct - lastPct >= 5 || io.now() - lastAt >= 5000) print();
    },
    stop() {
      if (!latest.printed) print(); // always end on the final figures
    },
  };
}

async function validateFile(io: ValidateCommandIo, type: IdentifierType, file: string, opts: ValidateOptions): Promise<number> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    io.stderr.write(`无法读取文件：${file}\n`);
    return EXIT_USAGE;
  }
  const toStdout = opts.out === '-';
  const outPath = opts.out ?? defaultOutPath(file);
  const progress = progressReporter(io, size);
  try {
    const counts = await validateCsvFile({
      type,
      input: createReadStream(file),
      output: toStdout ? io.stdout : createWriteStream(outPath),
      endOutput: !toStdout,
      ...(opts.column === undefined ? {} : { column: parseColumn(opts.column) }),
      onProgress: progress.update,
      validatorOptions: io.today === undefined ? {} : { today: io.today },
    });
    progress.stop();
    const summaryTo = toStdout ? io.stderr : io.stdout;
    const where = toStdout ? '标准输出' : outPath;
    if (opts.json) summaryTo.write(`${JSON.stringify({ ...counts, output: where })}\n`);
    else summaryTo.write(`共 ${counts.rows} 行：有效 ${counts.valid} 行，无效 ${counts.invalid} 行。结果已写入 ${where}\n`);
    return counts.invalid === 0 ? EXIT_VALID : EXIT_INVALID;
  } catch (err) {
    progress.stop();
    // Bad input is a usage error: an unknown column (AppError), malformed CSV (csv-parse's CsvError,
    // codes CSV_*), a file system error (ENOENT, EACCES… carry `syscall`). Anything else is a bug.
    const csvError = err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('CSV_');
    const fsError = err instanceof Error && 'syscall' in err;
    if (err instanceof AppError || csvError || fsError) {
      io.stderr.write(`无法完成校验：${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

/**
 * Adds `validate <type> [value]` to `program`. Returns the new subcommand.
 *
 * @example
 * const program = new Command('zhengtong');
 * registerValidateCommand(program);
 * await program.parseAsync(['validate', 'uscc', '91350100M000100Y43'], { from: 'user' });
 */
export function registerValidateCommand(program: Command, io: Partial<ValidateCommandIo> = {}): Command {
  const env: ValidateCommandIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stderrIsTTY: io.stderrIsTTY ?? process.stderr.isTTY === true,
    now: io.now ?? Date.now,
    ...(io.today === undefined ? {} : { today: io.today }),
  };
  return program
    .command('validate')
    .description(`校验标识：${IDENTIFIER_TYPES.map((t) => `${t}（${TYPE_NAMES[t]}）`).join('、')}`)
    .argument('<type>', `标识类型：${IDENTIFIER_TYPES.join(' | ')}`)
    .argument('[value]', '要校验的值（与 --file 二选一）')
    .option('--json', '以 JSON 输出结果')
    .option('--file <in.csv>', '逐行校验 CSV 文件中的一列')
    .option('--out <out.csv>', '结果文件（默认 <输入文件名>.result.csv；"-" 表示标准输出）')
    .option('--column <name|index>', '要校验的列：列名，或从 1 开始的列号')
    .exitOverride((err) => {
      throw err.exitCode === 0 ? err : new CommanderError(EXIT_USAGE, err.code, err.message);
    })
    .action(async (type: string, value: string | undefined, opts: ValidateOptions) => {
      process.exitCode = await runValidate(env, type, value, opts);
    });
}

async function runValidate(io: ValidateCommandIo, type: string, value: string | undefined, opts: ValidateOptions): Promise<number> {
  if (!isIdentifierType(type)) {
    io.stderr.write(`未知的标识类型「${type}」。可用的类型：\n${IDENTIFIER_TYPES.map((t) => `  ${t}  ${TYPE_NAMES[t]}\n`).join('')}`);
    return EXIT_USAGE;
  }
  if ((value === undefined) === (opts.file === undefined)) {
    io.stderr.write('请给出要校验的值，或用 --file 指定 CSV 文件（二者选一）。\n');
    return EXIT_USAGE;
  }
  if (opts.file !== undefined) return validateFile(io, type, opts.file, opts);
  if (opts.out !== undefined || opts.column !== undefined) {
    io.stderr.write('--out 和 --column 只能与 --file 一起使用。\n');
    return EXIT_USAGE;
  }
  const v = value ?? '';
  const result = validateIdentifier(type, v, io.today === undefined ? {} : { today: io.today });
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ valid: result.valid, errors: result.errors, warnings: result.warnings, parsed: result.parsed }, null, 2)}\n`);
  } else {
    io.stdout.write(formatReport(type, v, result));
  }
  return result.valid ? EXIT_VALID : EXIT_INVALID;
}
