import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-cli-'));

/** Runs the real CLI (TypeScript sources through tsx) and returns its exit code and output. */
async function zhengtong(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ZT_DATA_DIR: dataDir, ZT_LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('zhengtong CLI', () => {
  it('lists every command, and each command has --help', async () => {
    const help = await zhengtong(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['serve', 'demo', 'db', 'audit', 'calendar', 'validate']) expect(help.stdout).toContain(cmd);
    const commands = [['serve'], ['demo'], ['db', 'migrate'], ['audit', 'verify'], ['calendar', 'add'], ['validate']];
    const subs = await Promise.all(commands.map((cmd) => zhengtong([...cmd, '--help'])));
    subs.forEach((sub, i) => {
      expect(sub.code, commands[i]!.join(' ')).toBe(0);
      expect(sub.stdout).toContain('Usage: zhengtong');
    });
  }, 120_000); // seven CLI processes through tsx: seconds each when the machine is busy

  it('prints a due date with `calendar add`', async () => {
    const res = await zhengtong(['calendar', 'add', '2025-09-26', '5']);
    expect(res).toMatchObject({ code: 0, stdout: '2025-10-10\n' });
    const bad = await zhengtong(['calendar', 'add', '2025-13-01', '5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CALENDAR_INVALID_DATE');
  }, 120_000);

  it('migrates a database with `db migrate` and reports status', async () => {
    const db = path.join(dataDir, 'migrate.db');
    const first = await zhengtong(['db', 'migrate', '--db', db]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('0001-identity');
    expect((await zhengtong(['db', 'migrate', '--db', db])).stdout).toContain('up to date');
    expect((await zhengtong(['db', 'status', '--db', db])).stdout).toMatch(/✔ 0003-calendar/);
  }, 120_000);

  it('validates a value with exit codes 0 / 1 / 2', async () => {
    expect((await zhengtong(['validate', 'citizen-id', '11010519491231002X'])).code).toBe(0);
    const bad = await zhengtong(['validate', 'uscc', '91350100M000100Y44', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).errors[0].code).toBe('CHECK_CHAR_MISMATCH');
    expect((await zhengtong(['validate', 'passport', 'E123'])).code).toBe(2);
  }, 120_000);
});
