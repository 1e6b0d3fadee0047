import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { loadSeedEntries } from './seed.js';
import { WorkingDayCalendar } from './working-days.js';

const cal = new WorkingDayCalendar(loadSeedEntries());

/** The thrown AppError (fails the test if nothing or something else is thrown). */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

// An independent day stepper (UTC Date arithmetic) for brute-force cross-checks.
const plusDays = (iso: string, k: number): string => new Date(Date.parse(`${iso}T00:00:00Z`) + k * 86_400_000).toISOString().slice(0, 10);

function bruteAdd(start: string, n: number): string {
  let d = start;
  for (let k = 0; k < n;) {
    d = plusDays(d, 1);
    if (cal.isWorkingDay(d)) k++;
  }
  return d;
}

function bruteBetween(a: string, b: string): number {
  if (b < a) return 0 - bruteBetween(b, a); // +0, not -0, when empty
  let count = 0;
  for (let d = plusDays(a, 1); d <= b; d = plusDays(d, 1)) if (cal.isWorkingDay(d)) count++;
  return count;
}

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('isWorkingDay with the seeded data', () => {
  it('2025 Spring Festival: Jan 28 – Feb 4 off, Sunday Jan 26 and Saturday Feb 8 worked', () => {
    const worked = (d: string): boolean => cal.isWorkingDay(d);
    expect(worked('2025-01-26')).toBe(true);
    expect(worked('2025-01-27')).toBe(true);
    for (let d = '2025-01-28'; d <= '2025-02-04'; d = plusDays(d, 1)) expect(worked(d), d).toBe(false);
    expect(worked('2025-02-05')).toBe(true);
    expect(worked('2025-02-08')).toBe(true);
    expect(worked('2025-02-09')).toBe(false);
  });

  it('2025 National Day: Oct 1–8 off (Oct 6 is 中秋), Sunday Sep 28 and Saturday Oct 11 worked', () => {
    expect(cal.isWorkingDay('2025-09-28')).toBe(true);
    for (let d = '2025-10-01'; d <= '2025-10-08'; d = plusDays(d, 1)) expect(cal.isWorkingDay(d), d).toBe(false);
    expect(cal.isWorkingDay('2025-10-11')).toBe(true);
    expect(cal.entryOn('2025-10-06')).toEqual({ date: '2025-10-06', kind: 'holiday', name: '中秋' });
    expect(cal.entryOn('2025-10-09')).toBeUndefined();
  });

  it('counts 248 working days in 2025 and in 2026 (261 weekdays − 18/19 holidays + 5/6 make-up days)', () => {
    expect(cal.workingDaysBetween('2024-12-31', '2025-12-31')).toBe(248);
    expect(cal.workingDaysBetween('2025-12-31', '2026-12-31')).toBe(248);
  });

  it('falls back to the weekday rule for years the data does not cover', () => {
    expect(cal.isWorkingDay('2030-10-01')).toBe(true); // a Tuesday; 2030 holidays not loaded
    expect(cal.isWorkingDay('2030-10-05')).toBe(false);
  });
});

describe('addWorkingDays: the day after start is day 1; the result is the n-th working day', () => {
  it('accepted Friday 2026-09-25 (itself 中秋): 5 working days → Fri Oct 9, over the 国庆 break', () => {
    expect(cal.addWorkingDays('2026-09-25', 1)).toBe('2026-09-28');
    expect(cal.addWorkingDays('2026-09-25', 3)).toBe('2026-09-30');
    expect(cal.addWorkingDays('2026-09-25', 4)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-09-25', 5)).toBe('2026-10-09');
  });

  it('counts a Saturday make-up day: day 6 is Sat 2026-10-10, day 10 Thu Oct 15, day 20 Thu Oct 29', () => {
    expect(cal.addWorkingDays('2026-09-25', 6)).toBe('2026-10-10');
    expect(cal.addWorkingDays('2026-09-25', 7)).toBe('2026-10-12');
    expect(cal.addWorkingDays('2026-09-25', 10)).toBe('2026-10-15');
    expect(cal.addWorkingDays('2026-09-25', 20)).toBe('2026-10-29');
  });

  it('2025: Friday Jan 24 + 1 is Sunday Jan 26 (make-up); + 3 jumps the Spring Festival to Feb 5', () => {
    expect(cal.addWorkingDays('2025-01-24', 1)).toBe('2025-01-26');
    expect(cal.addWorkingDays('2025-01-24', 2)).toBe('2025-01-27');
    expect(cal.addWorkingDays('2025-01-24', 3)).toBe('2025-02-05');
  });

  it('starting on a day off counts from the next working day; n = 0 is start itself', () => {
    expect(cal.addWorkingDays('2026-10-03', 1)).toBe('2026-10-08');
    expect(cal.addWorkingDays('2026-10-03', 0)).toBe('2026-10-03');
    expect(cal.addWorkingDays('2026-09-28', 0)).toBe('2026-09-28');
  });

  it('nextWorkingDay is strictly after the given day', () => {
    expect(cal.nextWorkingDay('2025-09-30')).toBe('2025-10-09');
    expect(cal.nextWorkingDay('2026-10-09')).toBe('2026-10-10');
    expect(cal.nextWorkingDay('2026-10-12')).toBe('2026-10-13');
  });

  it('agrees with a day-by-day walk and round-trips with workingDaysBetween (2,000 random cases)', () => {
    const rand = prng(20260925);
    for (let i = 0; i < 2000; i++) {
      const start = plusDays('2003-12-01', Math.floor(rand() * 8600)); // 2003-12 … 2027-07
      const n = Math.floor(rand() * 61); // up to 45 + 15
      const due = cal.addWorkingDays(start, n);
      const where = `${start} + ${n}`;
      expect(due, where).toBe(bruteAdd(start, n));
      expect(cal.workingDaysBetween(start, due), where).toBe(n);
      expect(cal.workingDaysBetween(due, start), where).toBe(n === 0 ? 0 : -n); // +0, never -0
      if (n > 0) expect(cal.isWorkingDay(due), where).toBe(true);
    }
  });

  it('handles long spans beyond the data', () => {
    expect(cal.addWorkingDays('2026-12-31', 5 * 52)).toBe(bruteAdd('2026-12-31', 5 * 52));
    expect(cal.addWorkingDays('2003-01-01', 1000)).toBe(bruteAdd('2003-01-01', 1000));
  });
});

describe('workingDaysBetween counts (a, b]', () => {
  it('is 5 from the 2026 acceptance to its due date, 0 for the same day, negative backwards', () => {
    expect(cal.workingDaysBetween('2026-09-25', '2026-10-09')).toBe(5);
    expect(cal.workingDaysBetween('2026-10-09', '2026-09-25')).toBe(-5);
    expect(cal.workingDaysBetween('2026-10-01', '2026-10-01')).toBe(0);
    expect(cal.workingDaysBetween('2026-10-01', '2026-10-07')).toBe(0);
    expect(cal.workingDaysBetween('2026-10-07', '2026-10-01')).toBe(0);
    expect(cal.workingDaysBetween('2026-10-09', '2026-10-10')).toBe(1);
  });

  it('agrees with a day-by-day count (1,000 random pairs)', () => {
    const rand = prng(7);
    for (let i = 0; i < 1000; i++) {
      const a = plusDays('2003-06-01', Math.floor(rand() * 9000));
      const b = plusDays(a, Math.floor(rand() * 200) - 100);
      expect(cal.workingDaysBetween(a, b), `${a} → ${b}`).toBe(bruteBetween(a, b));
    }
  });
});

describe('dueAt and instants', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('is the last millisecond of the due day in Beijing time', () => {
    expect(cal.dueAt('2026-09-25', 5).toISOString()).toBe('2026-10-09T15:59:59.999Z');
    expect(cal.dueAt(new Date('2026-09-25T02:00:00Z'), 5).toISOString()).toBe('2026-10-09T15:59:59.999Z');
    expect(cal.dueAt('2026-09-25', 0).toISOString()).toBe('2026-09-25T15:59:59.999Z');
  });

  it('takes the Beijing day of an instant, whatever the process time zone', () => {
    const before = new Date('2026-09-29T15:30:00Z'); // Tue 23:30 in Beijing
    const after = new Date('2026-09-29T16:30:00Z'); // Wed 00:30 in Beijing
    for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Shanghai']) {
      process.env.TZ = tz;
      expect(cal.addWorkingDays(before, 1), tz).toBe('2026-09-30');
      expect(cal.addWorkingDays(after, 1), tz).toBe('2026-10-08');
      expect(cal.dueAt(after, 5).toISOString(), tz).toBe('2026-10-13T15:59:59.999Z'); // Oct 8, 9, 10, 12, 13
      expect(cal.isWorkingDay(new Date('2025-01-25T16:00:00Z')), tz).toBe(true); // Sun Jan 26, 00:00
    }
  });
});

describe('bad input', () => {
  it.each(['2026-02-30', '2026-2-3', 'abc'])('rejects the date %j, naming it', (bad) => {
    const e = thrown(() => cal.addWorkingDays(bad, 1));
    expect(e.code).toBe('CALENDAR_INVALID_DATE');
    expect(e.message).toContain(bad);
    expect(e.details).toMatchObject({ value: bad, field: 'start' });
    expect(thrown(() => cal.isWorkingDay(bad)).code).toBe('CALENDAR_INVALID_DATE');
    expect(thrown(() => cal.workingDaysBetween('2026-01-01', bad)).details).toMatchObject({ field: 'b' });
    expect(thrown(() => cal.dueAt(bad, 1)).code).toBe('CALENDAR_INVALID_DATE');
  });

  it('rejects an invalid Date instant', () => {
    expect(thrown(() => cal.nextWorkingDay(new Date('garbage'))).code).toBe('CALENDAR_INVALID_DATE');
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects n = %s with VALIDATION_FAILED', (n) => {
    const e = thrown(() => cal.addWorkingDays('2026-01-05', n));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details).toEqual({ fields: [expect.objectContaining({ field: 'n' })] });
  });
});

describe('a calendar built from custom entries', () => {
  it('with no entries is the plain week: Friday + 1 is Monday', () => {
    const plain = new WorkingDayCalendar();
    expect(plain.addWorkingDays('2026-10-02', 1)).toBe('2026-10-05');
    expect(plain.workingDaysBetween('2026-10-04', '2026-10-11')).toBe(5);
  });

  it('sorts and freezes its entries; a holiday on a weekday removes it, a workday on a weekend adds it', () => {
    const c = new WorkingDayCalendar([
      { date: '2031-01-04', kind: 'workday', name: '元旦调休' }, // Saturday
      { date: '2031-01-01', kind: 'holiday', name: '元旦' }, // Wednesday
    ]);
    expect(c.entries.map((e) => e.date)).toEqual(['2031-01-01', '2031-01-04']);
    expect(Object.isFrozen(c.entries) && Object.isFrozen(c.entries[0])).toBe(true);
    expect(c.workingDaysBetween('2030-12-31', '2031-01-05')).toBe(3); // Thu, Fri, Sat
    expect(c.addWorkingDays('2030-12-31', 1)).toBe('2031-01-02');
  });

  it('rejects a malformed date, an unknown kind, an empty name and a date listed twice', () => {
    const ok = { date: '2031-01-01', kind: 'holiday', name: '元旦' } as const;
    const bad = thrown(() => new WorkingDayCalendar([ok, { ...ok, date: '2031-1-2' }]));
    expect([bad.code, bad.details?.['field']]).toEqual(['CALENDAR_INVALID_DATE', 'entries[1].date']);
    const kind = JSON.parse('{"date":"2031-01-02","kind":"rest","name":"x"}') as typeof ok;
    expect(thrown(() => new WorkingDayCalendar([kind])).code).toBe('VALIDATION_FAILED');
    expect(thrown(() => new WorkingDayCalendar([{ ...ok, name: ' ' }])).code).toBe('VALIDATION_FAILED');
    expect(thrown(() => new WorkingDayCalendar([ok, { ...ok, kind: 'workday' }])).message).toContain('重复');
  });
});
