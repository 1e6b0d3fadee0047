import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeCitizenId } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, seedBasics, staffBrowser } from './helpers.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

async function zhengtong(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ZT_DATA_DIR: dataDir, ZT_LOG_LEVEL: 'silent', ZT_PASSWORD_COST: '1024' },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('zhengtong registry (CLI, SQLite)', () => {
  it.runIf(DIALECTS.includes('sqlite'))(
    'verify exits 0 intact, 1 with the first bad entry after tampering, 2 when it cannot run; import and verify-batch',
    async () => {
      const p = await createTestPlatform('sqlite');
      await seedBasics(p);
      const sys = (await staffBrowser(p, 'sysadmin')).browser;
      const policeUscc = (await p.app.inject({ url: '/api/v1/orgs', headers: { cookie: sys.cookie } }))
        .json()
        .items.find((o: { name: string }) => o.name.endsWith('公安局')).uscc as string;
      expect((await sys.request('PUT', '/api/v1/registries/sources/public-security', { orgUscc: policeUscc })).statusCode).toBe(200);
      const police = (await staffBrowser(p, 'police.staff')).browser;
      const id = makeCitizenId('350102', '1990-05-17', 123);
      const created = await police.request('POST', '/api/v1/registries/population/records', {
        key: id,
        attributes: { name: '林小明', sex: '1', birthDate: '1990-05-17', householdAddress: '鼓楼区五四路1号' },
        reason: '出生登记',
      });
      expect(created.statusCode, created.body).toBe(201);
      expect((await police.request('GET', '/api/v1/registries/population/log')).statusCode).toBe(200);
      await p.close();
      const db = p.testDb.url;
      const dir = p.testDb.dataDir;
      try {
        const ok = await zhengtong(['registry', 'verify', '--db', db], dir);
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stdout).toContain('签名已校验');

        // import: a bad row → exit 1, nothing written; the error report names row and column
        const csv = path.join(dir, 'in.csv');
        const good = makeCitizenId('350103', '1985-11-02', 456);
        fs.writeFileSync(csv, `idNumber,name,sex,birthDate\n${good},陈小红,2,1985-11-02\n${good.slice(0, 17)}0,坏,2,1985-11-02\n`);
        const bad = await zhengtong(['registry', 'import', 'population', '--file', csv, '--org', policeUscc, '--db', db], dir);
        expect(bad.code, bad.stderr).toBe(1);
        expect(fs.readFileSync(`${csv}.errors.csv`, 'utf8')).toContain('3,idNumber,');
        const skip = await zhengtong(['registry', 'import', 'population', '--file', csv, '--org', policeUscc, '--db', db, '--skip-invalid'], dir);
        expect(skip.stdout).toContain('新建 1');

        const batch = path.join(dir, 'verify.csv');
        fs.writeFileSync(batch, `idNumber,name\n${id},林小明\n${good},错名\n`);
        const out = path.join(dir, 'result.csv');
        const vb = await zhengtong(
          ['registry', 'verify-batch', 'population', '--file', batch, '--out', out, '--org', policeUscc, '--purpose', '批量核验', '--db', db],
          dir,
        );
        expect(vb.code, vb.stderr).toBe(0);
        expect(fs.readFileSync(out, 'utf8')).toBe(`idNumber,found,name\n${id},yes,match\n${good},yes,no-match\n`);

        const sqlite = new Database(db);
        sqlite.prepare("update registry_entries set reason = '篡改' where registry = 'population' and seq = 1").run();
        sqlite.close();
        const broken = await zhengtong(['registry', 'verify', '--registry', 'population', '--db', db], dir);
        expect(broken.code).toBe(1);
        expect(broken.stdout).toContain('broken at entry 1');

        expect((await zhengtong(['registry', 'verify', '--db', path.join(dir, 'missing.db')], dir)).code).toBe(2);
        expect((await zhengtong(['registry', 'verify', '--registry', 'nope', '--db', db], dir)).code).toBe(2);
      } finally {
        await p.testDb.drop();
      }
    },
    180_000,
  );
});
