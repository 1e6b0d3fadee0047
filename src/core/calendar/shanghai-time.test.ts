import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { endOfShanghaiDay, epochDayOf, shanghaiDate } from './shanghai-time.js';

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('shanghaiDate', () => {
  it('maps an instant to its Beijing-time calendar day', () => {
    expect(shanghaiDate(new Date('2026-09-30T15:59:59.999Z'))).toBe('2026-09-30');
    expect(shanghaiDate(new Date('2026-09-30T16:00:00.000Z'))).toBe('2026-10-01');
    expect(shanghaiDate(new Date('2025-12-31T16:00:00+00:00'))).toBe('2026-01-01');
    expect(shanghaiDate(new Date('1969-12-31T16:00:00Z'))).toBe('1970-01-01');
    expect(shanghaiDate(new Date('1969-12-31T15:59:59Z'))).toBe('1969-12-31');
  });

  it('rejects an invalid Date with CALENDAR_INVALID_DATE', () => {
    expect(() => shanghaiDate(new Date('nope'))).toThrow(AppError);
    expect(() => epochDayOf(new Date(Number.NaN), 'start')).toThrow(/Invalid Date/);
  });

  it('ends a day at 23:59:59.999 Beijing time', () => {
    const day = epochDayOf('2026-10-09');
    expect(endOfShanghaiDay(day).toISOString()).toBe('2026-10-09T15:59:59.999Z');
    expect(shanghaiDate(endOfShanghaiDay(day))).toBe('2026-10-09');
    expect(shanghaiDate(new Date(endOfShanghaiDay(day).getTime() + 1))).toBe('2026-10-10');
  });

  it('does not depend on the process time zone', () => {
    const instants = ['2026-09-30T15:59:59.999Z', '2026-09-30T16:00:00Z', '2026-03-08T10:00:00Z', '2026-11-01T07:30:00Z'];
    const results = new Set<string>();
    for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Shanghai']) {
      process.env.TZ = tz;
      results.add(instants.map((i) => shanghaiDate(new Date(i))).join(' '));
    }
    // The zone switch really took effect (else this test would prove nothing).
    process.env.TZ = 'Pacific/Kiritimati';
    const plus14 = new Date(0).getTimezoneOffset();
    process.env.TZ = 'America/Los_Angeles';
    expect(new Date(0).getTimezoneOffset()).not.toBe(plus14);
    expect([...results]).toEqual(['2026-09-30 2026-10-01 2026-03-08 2026-11-01']);
  });
});
