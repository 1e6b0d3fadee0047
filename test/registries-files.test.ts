/**
 * The registry file endpoints the console uses: batch verification streamed back as a result CSV,
 * and bulk import over HTTP with progress, every rejected row, and nothing written on a bad file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCitizenId, makeUscc } from '../src/standards/index.js';
import { Browser, createTestPlatform, DIALECTS, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';

const idA = makeCitizenId('350102', '1990-05-17', 123);
const idB = makeCitizenId('350103', '1985-11-02', 456);
const idC = makeCitizenId('350104', '1979-01-30', 789);

type Line = {
  progress?: { phase: string; rows: number };
  rejected?: { row: number; column: string; reason: string };
  result?: Record<string, unknown>;
  failed?: { code: string };
};
const linesOf = (body: string): Line[] =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

describe.each(DIALECTS)('registry file endpoints (%s)', (dialect) => {
  let p: TestPlatform;
  let police: Browser;
  let market: Browser;

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedBasics(p);
    const sys = (await staffBrowser(p, 'sysadmin')).browser;
    const bound = await sys.request('PUT', '/api/v1/registries/sources/public-security', { orgUscc: makeUscc('1', '1', '350100', '00310001') });
    expect(bound.statusCode, bound.body).toBe(200);
    police = (await staffBrowser(p, 'police.staff')).browser;
    market = (await staffBrowser(p, 'market.staff')).browser;
  });
  afterAll(async () => p.destroy());

  const csv = 'text/csv';
  /** A file upload as the console sends it (Browser.request would parse the NDJSON reply as one JSON). */
  const upload = (b: Browser, url: string, body: string, type: string) =>
    p.app.inject({ method: 'POST', url, payload: body, headers: { cookie: b.cookie, 'x-csrf-token': b.csrf, 'content-type': type } });
  const importUrl = (q = '') => `/api/v1/registries/population/import?reason=${encodeURIComponent('户籍批量导入')}${q}`;

  it('imports a CSV whole or not at all, streaming progress and every rejected row', async () => {
    const bad = ['公民身份号码,姓名,性别,出生日期', `${idA},林小明,1,1990-05-17`, `${idB.slice(0, 17)}0,王芳,2,1985-11-02`, `${idC},,9,1979-01-30`].join('\n');
    const refused = await upload(police, importUrl(), bad, csv);
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.headers['content-type']).toContain('application/x-ndjson');
    const lines = linesOf(refused.body);
    const rejected = lines.flatMap((l) => (l.rejected ? [l.rejected] : []));
    expect(rejected.map((r) => [r.row, r.column])).toEqual(
      expect.arrayContaining([
        [3, '公民身份号码'],
        [4, '姓名'],
        [4, '性别'],
      ]),
    );
    expect(lines.some((l) => l.progress)).toBe(true);
    expect(lines.at(-1)!.failed).toMatchObject({ code: 'REGISTRY_IMPORT_INVALID' });
    expect((await police.request('GET', `/api/v1/registries/population/records/${idA}?purpose=${encodeURIComponent('导入核对')}`)).statusCode).toBe(404);

    const good = ['公民身份号码,姓名,性别,出生日期', `${idA},林小明,1,1990-05-17`, `${idB},王芳,2,1985-11-02`].join('\n');
    const done = await upload(police, importUrl(), good, csv);
    const last = linesOf(done.body).at(-1)!;
    expect(last.result, done.body).toMatchObject({ rows: 2, created: 2, invalidRows: 0, written: true });
    expect((await p.audit.search({ action: 'registry.import', limit: 1 }))[0]).toMatchObject({ outcome: 'success', summary: { created: 2 } });
  });

  it('refuses an import by a department that is not the source, and a request without a reason', async () => {
    const res = await upload(market, importUrl(), `公民身份号码,姓名\n${idC},张三`, csv);
    expect(linesOf(res.body).at(-1)!.failed).toMatchObject({ code: 'REGISTRY_NOT_SOURCE' });
    const noReason = await upload(police, '/api/v1/registries/population/import', `公民身份号码,姓名\n${idC},张三`, csv);
    expect(noReason.statusCode).toBe(400);
    expect((await upload(police, importUrl(), '{}', 'application/json')).statusCode).toBe(415);
  });

  it('streams batch verification results without stored values, and rejects a bad header with 400', async () => {
    const input = ['公民身份号码,姓名,性别', `${idA},林小明,1`, `${idB},李四,2`, `${idC},张三,1`].join('\n');
    const res = await upload(market, `/api/v1/registries/population/verify-batch?purpose=${encodeURIComponent('开户核验')}`, input, csv);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body.trim().split('\n')).toEqual([
      'idNumber,found,name,sex',
      `${idA},yes,match,match`,
      `${idB},yes,no-match,match`,
      `${idC},no,no-match,no-match`,
    ]);
    expect(res.body).not.toContain('王芳');
    expect((await p.audit.search({ action: 'registry.record.verify-batch', limit: 1 }))[0]).toMatchObject({
      purpose: '开户核验',
      summary: { rows: 3, found: 2 },
    });

    const badHeader = await upload(market, `/api/v1/registries/population/verify-batch?purpose=${encodeURIComponent('开户核验')}`, '姓名,鞋码\n林小明,42', csv);
    expect(badHeader.statusCode, badHeader.body).toBe(400);
    expect(badHeader.json().error.code).toBe('VALIDATION_FAILED');
    const anonymous = await upload(new Browser(p), `/api/v1/registries/population/verify-batch?purpose=x`, input, csv);
    expect(anonymous.statusCode).toBe(401);
  });
});
