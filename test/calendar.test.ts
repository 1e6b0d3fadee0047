import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, createTestPlatform, DIALECTS, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';

describe.each(DIALECTS)('working-day calendar (%s)', (dialect) => {
  let p: TestPlatform;
  let sys: Browser;
  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedBasics(p);
    sys = (await staffBrowser(p, 'sysadmin')).browser;
  });
  afterAll(async () => p.destroy());

  it('is seeded with holidays and make-up working days', async () => {
    const entries = (await p.app.inject('/api/v1/calendar/entries?year=2025')).json() as Array<{ date: string; kind: string; name: string }>;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ date: '2025-01-29', kind: 'holiday', name: '春节' }),
        expect.objectContaining({ date: '2025-01-26', kind: 'workday' }),
      ]),
    );
  });

  it('computes due dates over the National Day holiday', async () => {
    const res = (await p.app.inject('/api/v1/calendar/add?start=2025-09-26&n=5')).json();
    // Sunday 28 Sep is a make-up working day; 29, 30 Sep; 1–8 Oct off; then 9 and 10 Oct.
    expect(res).toMatchObject({ due: '2025-10-10', dueAt: '2025-10-10T15:59:59.999Z' });
    expect((await p.app.inject('/api/v1/calendar/between?from=2025-09-26&to=2025-10-10')).json().workingDays).toBe(5);
    const bad = await p.app.inject('/api/v1/calendar/add?start=2025-02-30&n=5');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('CALENDAR_INVALID_DATE');
  });

  it('lets only the system admin edit, audits the edit, and uses it at once', async () => {
    const anon = await p.app.inject({ method: 'PUT', url: '/api/v1/calendar/entries/2026-12-24', payload: { kind: 'holiday', name: '测试假日' } });
    expect(anon.statusCode).toBe(401);
    const before = (await p.app.inject('/api/v1/calendar/add?start=2026-12-22&n=2')).json().due;
    expect(before).toBe('2026-12-24');
    const set = await sys.request('PUT', '/api/v1/calendar/entries/2026-12-24', { kind: 'holiday', name: '测试假日' });
    expect(set.statusCode, set.body).toBe(200);
    expect((await p.app.inject('/api/v1/calendar/add?start=2026-12-22&n=2')).json().due).toBe('2026-12-25');
    const records = await p.audit.search({ action: 'calendar.*', limit: 10 });
    expect(records[0]).toMatchObject({ action: 'calendar.entry.set', subject: { type: 'calendar-date', id: '2026-12-24' } });
    expect((await sys.request('DELETE', '/api/v1/calendar/entries/2026-12-24')).statusCode).toBe(204);
    expect((await p.app.inject('/api/v1/calendar/add?start=2026-12-22&n=2')).json().due).toBe('2026-12-24');
    const wrongKind = await sys.request('PUT', '/api/v1/calendar/entries/2026-12-24', { kind: 'festival', name: 'x' });
    expect(wrongKind.json().error.details.fields[0].field).toBe('body.kind');
  });
});
