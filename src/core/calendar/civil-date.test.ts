import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { formatIsoDate, fromEpochDay, parseIsoDate, toEpochDay, weekdayOf } from './civil-date.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AppError ? e.code : 'not an AppError';
  }
  return undefined;
}

describe('parseIsoDate / formatIsoDate', () => {
  it('parses and formats valid dates, leap days included', () => {
    expect(parseIsoDate('2026-10-09')).toEqual({ year: 2026, month: 10, day: 9 });
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDate('2000-02-29')).toEqual({ year: 2000, month: 2, day: 29 });
    expect(formatIsoDate({ year: 2026, month: 2, day: 3 })).toBe('2026-02-03');
    expect(formatIsoDate({ year: 1, month: 1, day: 1 })).toBe('0001-01-01');
  });

  it.each([
    '2026-02-30',
    '2026-2-3',
    'abc',
    '',
    '2025-02-29',
    '1900-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-04-31',
    '0000-01-01',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '2026/01/01',
    '２０２６-01-01',
    '+2026-01-01',
  ])('rejects %j with CALENDAR_INVALID_DATE naming the value', (bad) => {
    expect(codeOf(() => parseIsoDate(bad))).toBe('CALENDAR_INVALID_DATE');
    try {
      parseIsoDate(bad, 'start');
    } catch (e) {
      expect((e as AppError).message).toContain(`'${bad}'`);
      expect((e as AppError).details).toEqual({ value: bad, field: 'start' });
    }
  });

  it('refuses to format a date that does not exist', () => {
    expect(codeOf(() => formatIsoDate({ year: 2026, month: 2, day: 30 }))).toBe('CALENDAR_INVALID_DATE');
    expect(codeOf(() => formatIsoDate({ year: 10000, month: 1, day: 1 }))).toBe('CALENDAR_INVALID_DATE');
  });
});

describe('epoch days', () => {
  it('agree with Date.UTC day by day from 1900 to 2100 and round-trip', () => {
    const first = Date.UTC(1900, 0, 1) / 86_400_000;
    const last = Date.UTC(2100, 11, 31) / 86_400_000;
    const mismatches: number[] = [];
    for (let d = first; d <= last; d++) {
      const js = new Date(d * 86_400_000);
      const c = fromEpochDay(d);
      const same = c.year === js.getUTCFullYear() && c.month === js.getUTCMonth() + 1 && c.day === js.getUTCDate();
      if (!same || toEpochDay(c) !== d || weekdayOf(d) !== js.getUTCDay()) mismatches.push(d);
    }
    expect(mismatches).toEqual([]);
  });

  it('handles the ends of the supported range', () => {
    for (const iso of ['0001-01-01', '9999-12-31', '1600-02-29']) {
      expect(formatIsoDate(fromEpochDay(toEpochDay(parseIsoDate(iso))))).toBe(iso);
    }
    expect(toEpochDay(parseIsoDate('1970-01-01'))).toBe(0);
  });
});
