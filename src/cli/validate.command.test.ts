import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { registerValidateCommand, type ValidateCommandIo } from './validate.command.js';

const dir = mkdtempSync(join(tmpdir(), 'zt-validate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

/** Runs `zhengtong validate …` in-process; returns exit code and output. */
async function cli(args: string[], io: Partial<ValidateCommandIo> = {}) {
  const stdout = capture();
  const stderr = capture();
  const program = new Command('zhengtong').exitOverride().configureOutput({
    writeOut: (s) => stdout.stream.write(s),
    writeErr: (s) => stderr.stream.write(s),
  });
  registerValidateCommand(program, { stdout: stdout.stream, stderr: stderr.stream, stderrIsTTY: false, today: '2025-06-01', ...io });
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(['validate', ...args], { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode;
  }
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('zhengtong validate <type> <value>', () => {
  it('prints a Chinese report with the parsed parts and exits 0 when valid', async () => {
    const r = await cli(['citizen-id', '11010519491231002X']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('公民身份号码 11010519491231002X：有效');
    expect(r.out).toContain('地区：北京市朝阳区');
    expect(r.out).toContain('出生日期：1949-12-31');
    expect(r.out).toContain('性别：女');
  });

  it('lists every reason with its position and exits 1 when invalid', async () => {
    const r = await cli(['uscc', 'B4350100M000100Y54']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('无效（3 个问题）');
    expect(r.out).toContain('第 1 位登记管理部门代码「B」不存在');
    expect(r.out).toContain('[ORG_CODE_CHECK_MISMATCH]');
    expect(r.out).toContain('第 18 位校验码应为');
    expect(r.out).toContain('已识别的部分');
  });

  it('prints {valid, errors, parsed} with --json', async () => {
    const r = await cli(['division', '110105', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { valid: boolean; errors: unknown[]; parsed: { fullName: string } };
    expect(body.valid).toBe(true);
    expect(body.errors).toEqual([]);
    expect(body.parsed.fullName).toBe('北京市朝阳区');
    const bad = await cli(['division', '110199', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ valid: false, errors: [{ code: 'UNKNOWN_DIVISION' }] });
  });

  it('uses the injected today for birth dates', async () => {
    expect((await cli(['citizen-id', '11010520250602001X'])).out).toContain('FUTURE_BIRTH_DATE');
  });
});

describe('usage errors exit 2', () => {
  it('unknown type: lists the types', async () => {
    const r = await cli(['passport', 'E123']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('未知的标识类型「passport」');
    for (const t of ['citizen-id', 'uscc', 'division', 'licence-id']) expect(r.err).toContain(t);
  });

  it('neither a value nor --file, or both, or --out without --file', async () => {
    expect((await cli(['uscc'])).code).toBe(2);
    expect((await cli(['uscc', 'x', '--file', 'a.csv'])).code).toBe(2);
    expect((await cli(['uscc', '91350100M000100Y43', '--out', 'x.csv'])).code).toBe(2);
  });

  it('commander errors (unknown option, missing type) become exit 2', async () => {
    expect((await cli(['uscc', 'x', '--bogus'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
  });

  it('a missing file or an unknown column', async () => {
    const r = await cli(['uscc', '--file', join(dir, 'missing.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('无法读取文件');
    const path = join(dir, 'cols.csv');
    writeFileSync(path, 'a,b\n1,2\n');
    const c = await cli(['division', '--file', path, '--column', 'code']);
    expect(c.code).toBe(2);
    expect(c.err).toContain('首行没有名为「code」的列');
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, '"110105\n');
    expect((await cli(['division', '--file', broken])).code).toBe(2);
    expect((await cli(['division', '--file', path, '--out', join(dir, 'no-such-dir', 'out.csv')])).code).toBe(2);
  });
});

describe('zhengtong validate <type> --file', () => {
  const rows = (n: number, bad: number) => ['code', ...Array.from({ length: n }, (_, i) => (i < bad ? '999999' : '350102'))].join('\n') + '\n';

  it('writes <in>.result.csv, prints a summary, exits 1 when a row is invalid', async () => {
    const path = join(dir, 'regions.csv');
    writeFileSync(path, rows(50, 2));
    const r = await cli(['division', '--file', path]);
    expect(r.code).toBe(1);
    const outPath = join(dir, 'regions.result.csv');
    expect(existsSync(outPath)).toBe(true);
    expect(r.out).toBe(`共 50 行：有效 48 行，无效 2 行。结果已写入 ${outPath}\n`);
    expect(readFileSync(outPath, 'utf8').split('\r\n')[1]).toMatch(/^2,999999,false,/);
  });

  it('exits 0 when every row is valid; --out, --column and --json are honoured', async () => {
    const path = join(dir, 'two-cols.csv');
    writeFileSync(path, 'x,110105\ny,350100\n');
    const out = join(dir, 'custom.csv');
    const r = await cli(['division', '--file', path, '--out', out, '--column', '2', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ rows: 2, valid: 2, invalid: 0, output: out });
    expect(readFileSync(out, 'utf8')).toContain('1,110105,true');
  });

  it('--out - writes results to stdout and the summary to stderr', async () => {
    const path = join(dir, 'stdout.csv');
    writeFileSync(path, rows(3, 0));
    const r = await cli(['division', '--file', path, '--out', '-']);
    expect(r.code).toBe(0);
    expect(r.out.split('\r\n')[0]).toBe('row,value,valid,errors,warnings');
    expect(r.err).toContain('共 3 行');
  });

  it('prints progress lines on a non-TTY stderr', async () => {
    const path = join(dir, 'big.csv');
    writeFileSync(path, rows(20_000, 0));
    let t = 0;
    const r = await cli(['division', '--file', path], { now: () => (t += 1) });
    expect(r.code).toBe(0);
    const lines = r.err.split('\n').filter((l) => l.startsWith('已处理'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.length).toBeLessThanOrEqual(21);
    expect(lines.at(-1)).toContain('20000 行（100%）');
  });

  it('draws a progress bar on a TTY stderr', async () => {
    const path = join(dir, 'tty.csv');
    writeFileSync(path, rows(3000, 0));
    const r = await cli(['division', '--file', path], { stderrIsTTY: true });
    expect(r.code).toBe(0);
    expect(r.err).toContain('校验中');
  });
});
