import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLUMNS } from '../src/catalog/spreadsheet.js';
import { Browser, createTestPlatform, DIALECTS, staffBrowser, type TestPlatform } from './helpers.js';
import { POLICE_USCC, seedCatalogPeople } from './catalog-fixtures.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const header = COLUMNS.map((c) => c.header).join(',');
const good = (name: string) =>
  `101,${name},户籍登记信息。,数据库,,姓名|name|C|50；公民身份号码|idNumber|C|18,无条件共享,,,服务接口,不予开放,,每日,户籍、人口,,户政处,CN-DEMO/GOV/${POLICE_USCC}/hukou/persons`;

describe.each(DIALECTS)('catalog import and export (%s)', (dialect) => {
  let p: TestPlatform;
  let police: Browser;

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedCatalogPeople(p);
    police = (await staffBrowser(p, 'police.staff')).browser;
  });
  afterAll(async () => p.destroy());

  const post = (body: string | Buffer, type: string, query = '') => police.request('POST', `/api/v1/catalog/import${query}`, body, { 'content-type': type });
  const mineTotal = async () => (await police.request('GET', '/api/v1/catalog/mine?facets=false')).json().total as number;

  it('serves the template as XLSX and CSV with every column', async () => {
    const x = await new Browser(p).request('GET', '/api/v1/catalog/template.xlsx');
    expect(x.headers['content-type']).toBe(XLSX);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    expect((wb.worksheets[0]!.getRow(1).values as string[]).slice(1)).toEqual(COLUMNS.map((c) => c.header));
    const c = await new Browser(p).request('GET', '/api/v1/catalog/template.csv');
    expect(c.body.replace(/^\ufeff/, '').split('\r\n')[0]).toBe(header);
  });

  it('reports every bad row with row, column and reason, and writes nothing', async () => {
    const csv = [
      header,
      good('常住人口信息'),
      `999,,摘要,数据库,,姓名|name|C|50,无条件共享,,,服务接口,不予开放,,每日,,,户政处,`,
      `201,有条件资源,摘要,数据库,,姓名|name|X|abc,有条件共享,,,服务接口,不予开放,,每小时,,,户政处,`,
    ].join('\n');
    const res = await post(csv, 'text/csv');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('CATALOG_IMPORT_INVALID');
    const errors = res.json().error.details.errors as Array<{ row: number; column: string; reason: string }>;
    expect(errors.map((e) => `${e.row}:${e.column}`)).toEqual(['3:分类代码', '3:信息资源名称', '4:信息项', '4:信息项', '4:更新周期']);
    expect(await mineTotal()).toBe(0);
    expect((await p.audit.search({ action: 'catalog.resource.*', limit: 10 })).length).toBe(0);

    const skip = await post(csv, 'text/csv', '?skipInvalid=true');
    expect(skip.statusCode, skip.body).toBe(200);
    expect(skip.json()).toMatchObject({ created: 1, skipped: 2, codes: ['101/000001'] });
    expect(await mineTotal()).toBe(1);
  });

  it('imports an XLSX file and exports what it imported, round trip', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('目录');
    ws.addRow(COLUMNS.map((c) => c.header));
    for (const name of ['暂住人口信息', '户籍迁移信息']) ws.addRow(good(name).split(','));
    const res = await post(Buffer.from(await wb.xlsx.writeBuffer()), XLSX);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().codes).toEqual(['101/000002', '101/000003']);
    const exported = await police.request('GET', '/api/v1/catalog/export.csv?scope=mine');
    const lines = exported.body
      .replace(/^\ufeff/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`信息资源代码,${header}`);
    expect(lines[2]).toBe(`101/000002,${good('暂住人口信息')}`);
    const x = await police.request('GET', '/api/v1/catalog/export.xlsx?scope=mine');
    const back = new ExcelJS.Workbook();
    await back.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    expect(back.worksheets[0]!.rowCount).toBe(4);
    expect((await new Browser(p).request('GET', '/api/v1/catalog/export.csv?scope=sharing')).statusCode).toBe(401);
  });

  it('refuses a file without the required columns or with a non-spreadsheet body', async () => {
    const res = await post('名称\n户籍', 'text/csv');
    expect(res.json().error.details.errors[0]).toMatchObject({ row: 1, column: '分类代码' });
    const broken = await post(Buffer.from('not a zip'), XLSX);
    expect(broken.json().error.code).toBe('CATALOG_IMPORT_INVALID');
    expect((await new Browser(p).request('POST', '/api/v1/catalog/import', good('x'), { 'content-type': 'text/csv' })).statusCode).toBe(401);
  });

  it('streams progress as NDJSON when asked, and ends with the result or with every bad row (nothing written)', async () => {
    const ndjson = (body: string) => police.request('POST', '/api/v1/catalog/import', body, { 'content-type': 'text/csv', accept: 'application/x-ndjson' });
    const lines = (body: string) =>
      body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const before = await mineTotal();
    const names = Array.from({ length: 1201 }, (_, i) => `流式导入资源${i}`);
    const ok = await ndjson([header, ...names.map(good)].join('\n'));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['content-type']).toContain('application/x-ndjson');
    const got = lines(ok.body);
    expect(got.slice(0, -1).map((l) => JSON.stringify(l.progress))).toEqual(
      [
        { phase: 'check', done: 0, total: 1201 },
        { phase: 'check', done: 500, total: 1201 },
        { phase: 'check', done: 1000, total: 1201 },
        { phase: 'check', done: 1201, total: 1201 },
        { phase: 'write', done: 1000, total: 1201 },
        { phase: 'write', done: 1201, total: 1201 },
      ].map((x) => JSON.stringify(x)),
    );
    expect(got.at(-1)!.result).toMatchObject({ created: 1201, skipped: 0 });
    expect(await mineTotal()).toBe(before + 1201);

    const bad = await ndjson([header, good('又一条'), `999,,摘要,数据库,,姓名|name|C|50,无条件共享,,,服务接口,不予开放,,每日,,,户政处,`].join('\n'));
    const last = lines(bad.body).at(-1)!.failed as { code: string; details: { errors: Array<{ row: number; column: string }> } };
    expect(last.code).toBe('CATALOG_IMPORT_INVALID');
    expect(last.details.errors.map((e) => `${e.row}:${e.column}`)).toEqual(['3:分类代码', '3:信息资源名称']);
    expect(await mineTotal()).toBe(before + 1201);
    // Refused with a status before any line is sent.
    const anonymous = await new Browser(p).request('POST', '/api/v1/catalog/import', good('x'), { 'content-type': 'text/csv', accept: 'application/x-ndjson' });
    expect(anonymous.statusCode).toBe(401);
  }, 120_000);
});
