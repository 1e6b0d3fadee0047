import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUscc } from '../src/standards/index.js';
import { BATCH_MAX_ROWS } from '../src/standards/standards.routes.js';
import { Browser, createTestPlatform, DIALECTS, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';

describe.each(DIALECTS)('POST /api/v1/standards/validate-batch (%s)', (dialect) => {
  let p: TestPlatform;
  let staff: Browser;

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedBasics(p);
    staff = (await staffBrowser(p, 'police.staff')).browser;
  });
  afterAll(async () => p.destroy());

  const batch = (b: Browser, body: unknown) => b.request('POST', '/api/v1/standards/validate-batch', body);

  it('validates the named column row by row, with the line number and each reason with its position', async () => {
    const good = makeUscc('9', '1', '350100', 'MA000001');
    const bad = good.slice(0, 17) + (good[17] === '0' ? '1' : '0');
    const csv = `name,统一社会信用代码\r\n甲公司,${good}\r\n\r\n乙公司,"${bad}"\r\n丙公司,123\r\n`;
    const res = await batch(staff, { type: 'uscc', csv });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ rows: 3, valid: 1, invalid: 2 });
    expect(body.results.map((r: { row: number; value: string; valid: boolean }) => [r.row, r.value, r.valid])).toEqual([
      [2, good, true],
      [4, bad, false],
      [5, '123', false],
    ]);
    expect(body.results[1].errors[0]).toMatchObject({ code: 'CHECK_CHAR_MISMATCH', position: 18 });
    expect(body.results[1].errors[0].message).toMatch(/校验/);
  });

  it('takes a column by number and names the field when the column or the CSV is wrong', async () => {
    const byNumber = (await batch(staff, { type: 'division', csv: 'x,350102\ny,999999\n', column: 2 })).json();
    expect(byNumber.results.map((r: { valid: boolean }) => r.valid)).toEqual([true, false]);
    const noColumn = await batch(staff, { type: 'division', csv: 'a,b\n1,2\n', column: '区划' });
    expect(noColumn.statusCode).toBe(400);
    expect(noColumn.json().error.details.fields[0].field).toBe('body.column');
    const unclosed = await batch(staff, { type: 'division', csv: 'value\n"350102\n' });
    expect(unclosed.statusCode).toBe(400);
    expect(unclosed.json().error.details.fields[0].field).toBe('body.csv');
    const badType = await batch(staff, { type: 'passport', csv: 'x' });
    expect(badType.json().error.details.fields[0].field).toBe('body.type');
  });

  it(`refuses more than ${BATCH_MAX_ROWS} rows, and anonymous callers`, async () => {
    const big = await batch(staff, { type: 'division', csv: 'value\n' + '350102\n'.repeat(BATCH_MAX_ROWS + 1) });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.details.fields[0]).toMatchObject({ field: 'body.csv', reason: expect.stringContaining(String(BATCH_MAX_ROWS)) });
    const atLimit = await batch(staff, { type: 'division', csv: 'value\n' + '350102\n'.repeat(BATCH_MAX_ROWS) });
    expect(atLimit.json().rows).toBe(BATCH_MAX_ROWS);
    const anonymous = await batch(new Browser(p), { type: 'division', csv: '350102\n' });
    expect(anonymous.statusCode).toBe(401);
  });
});
