import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogCommand } from '../src/cli/catalog.command.js';
import { COLUMNS } from '../src/catalog/spreadsheet.js';
import { createTestPlatform, type TestPlatform } from './helpers.js';
import { POLICE_USCC, seedCatalogPeople } from './catalog-fixtures.js';

class Buffered extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `zhengtong catalog …` in-process against the test platform's database and keys. */
async function zhengtong(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Buffered();
  const stderr = new Buffered();
  const program = new Command('zhengtong').exitOverride();
  registerCatalogCommand(program, { stdout, stderr, stderrIsTTY: false });
  process.exitCode = 0;
  await program.parseAsync(['node', 'zhengtong', ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('zhengtong catalog (sqlite)', () => {
  let p: TestPlatform;
  let dir = '';
  const oldDataDir = process.env.ZT_DATA_DIR;

  beforeAll(async () => {
    p = await createTestPlatform('sqlite');
    await seedCatalogPeople(p);
    dir = p.testDb.dataDir;
    process.env.ZT_DATA_DIR = dir; // the CLI finds the same keys and database through its configuration
  });
  afterAll(async () => {
    if (oldDataDir === undefined) delete process.env.ZT_DATA_DIR;
    else process.env.ZT_DATA_DIR = oldDataDir;
    await p.destroy();
  });

  it('writes the template, refuses a file with a bad row (exit 1, nothing written), then imports with --skip-invalid', async () => {
    const template = path.join(dir, 'template.csv');
    expect((await zhengtong(['catalog', 'template', template])).code).toBe(0);
    expect(fs.readFileSync(template, 'utf8')).toContain(COLUMNS.map((c) => c.header).join(','));

    const file = path.join(dir, 'import.csv');
    const good = `101,常住人口信息,户籍登记信息。,数据库,,姓名|name|C|50,无条件共享,,,服务接口,不予开放,,每日,户籍,,户政处,`;
    const bad = `101,坏行,摘要,数据库,,姓名|name|C|50,无条件共享,,,服务接口,不予开放,,每分钟,,,户政处,`;
    fs.writeFileSync(file, [COLUMNS.map((c) => c.header).join(','), good, bad].join('\n'));
    const refused = await zhengtong(['catalog', 'import', file, '--org', POLICE_USCC, '--db', p.testDb.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('第 3 行');
    expect(refused.stderr).toContain('更新周期');
    expect((await zhengtong(['catalog', 'export', path.join(dir, 'out.csv'), '--db', p.testDb.url])).code).toBe(0);

    const ok = await zhengtong(['catalog', 'import', file, '--org', POLICE_USCC, '--db', p.testDb.url, '--skip-invalid', '--json']);
    expect(ok.code).toBe(1); // rows were skipped: the exit code says so
    expect(JSON.parse(ok.stdout)).toMatchObject({ created: 1, skipped: 1, codes: ['101/000001'] });
    expect(ok.stderr).toMatch(/导入 importing: 1\/1 \(100%\)/);
    const { total } = await p.catalog.db
      .selectFrom('catalog_resources')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow();
    expect(Number(total)).toBe(1);
    expect((await zhengtong(['catalog', 'import', file, '--org', '91350100M000100Y43', '--db', p.testDb.url])).code).toBe(2);
  }, 120_000); // CLI processes through tsx: slow on a busy machine
});
