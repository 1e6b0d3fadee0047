import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCatalogCommand } from '../src/cli/catalog.command.js';
import { createTestPlatform, type TestPlatform } from './helpers.js';
import { seedCatalogPeople } from './catalog-fixtures.js';

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

/** A DCAT-AP Turtle catalog of `n` datasets, served by a plain HTTP server. */
function turtle(base: string, n: number): string {
  const ds = Array.from(
    { length: n },
    (_, i) => `<${base}/ds/${i}> a dcat:Dataset ; dct:title "河道水位监测点 ${i}"@zh ; dct:description "水位监测点 ${i} 的逐时水位。"@zh ;
  dct:modified "2026-01-0${1 + (i % 9)}T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .`,
  );
  return `@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n<${base}/catalog> a dcat:Catalog .\n${ds.join('\n')}\n`;
}

describe('zhengtong catalog harvest (sqlite)', () => {
  let p: TestPlatform;
  let server: http.Server;
  let base = '';
  let count = 25;
  const oldDataDir = process.env.ZT_DATA_DIR;

  beforeAll(async () => {
    p = await createTestPlatform('sqlite');
    await seedCatalogPeople(p);
    process.env.ZT_DATA_DIR = p.testDb.dataDir;
    server = http.createServer((req, res) => {
      if (req.url !== '/dcat.ttl') res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/turtle' }).end(turtle(base, count));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (oldDataDir === undefined) delete process.env.ZT_DATA_DIR;
    else process.env.ZT_DATA_DIR = oldDataDir;
    await new Promise<void>((r) => server.close(() => r()));
    await p.destroy();
  });

  it('registers the source, harvests with progress, sets the schedule; a second run writes nothing; a gone dataset is withdrawn', async () => {
    const first = await zhengtong(['catalog', 'harvest', `${base}/dcat.ttl`, '--name', '水利局目录', '--interval', '30', '--db', p.testDb.url]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('新增 25');
    expect(first.stderr).toContain('已登记来源');
    expect(first.stderr).toMatch(/汇聚 harvesting: 25\/25 \(100%\)/);
    const source = await p.catalog.db.selectFrom('catalog_harvest_sources').selectAll().executeTakeFirstOrThrow();
    expect(source).toMatchObject({ name: '水利局目录', interval_minutes: 30 });

    const again = await zhengtong(['catalog', 'harvest', `${base}/dcat.ttl`, '--db', p.testDb.url, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, updated: 0, unchanged: 25, withdrawn: 0 });

    count = 24;
    const third = await zhengtong(['catalog', 'harvest', `${base}/dcat.ttl`, '--db', p.testDb.url, '--interval', '0', '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ created: 0, unchanged: 24, withdrawn: 1 });
    expect((await p.catalog.db.selectFrom('catalog_harvest_sources').select('interval_minutes').executeTakeFirstOrThrow()).interval_minutes).toBeNull();
  }, 120_000); // CLI processes through tsx: slow on a busy machine

  it('exits 2 with the reason for a source it cannot harvest', async () => {
    const missing = await zhengtong(['catalog', 'harvest', `${base}/nothing.ttl`, '--db', p.testDb.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('HTTP 404');
    const bad = await zhengtong(['catalog', 'harvest', 'ftp://example.org/x.ttl', '--db', p.testDb.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('body.url');
  }, 120_000);
});
