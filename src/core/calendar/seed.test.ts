import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadSeedEntries, seedYears } from './seed.js';
import { WorkingDayCalendar } from './working-days.js';

const raw = createRequire(import.meta.url)('chinese-days/dist/chinese-days.json') as {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
};

describe('loadSeedEntries', () => {
  const entries = loadSeedEntries();
  const byDate = new Map(entries.map((e) => [e.date, e]));

  it('covers 2004–2026, every year in between', () => {
    expect(seedYears()).toEqual(Array.from({ length: 23 }, (_, i) => 2004 + i));
  });

  it('takes every holiday and make-up day of the package, and nothing else', () => {
    expect(entries.filter((e) => e.kind === 'holiday').map((e) => e.date)).toEqual(Object.keys(raw.holidays).sort());
    expect(entries.filter((e) => e.kind === 'workday').map((e) => e.date)).toEqual(Object.keys(raw.workdays).sort());
  });

  it('is sorted by date, one entry per date, and the same on every call', () => {
    const dates = entries.map((e) => e.date);
    expect(dates).toEqual([...new Set(dates)].sort());
    expect(loadSeedEntries()).toEqual(entries);
    expect(() => new WorkingDayCalendar(entries)).not.toThrow();
  });

  it('names days in Chinese; make-up days as <holiday>调休', () => {
    expect(byDate.get('2025-01-28')).toEqual({ date: '2025-01-28', kind: 'holiday', name: '春节' });
    expect(byDate.get('2025-01-26')).toEqual({ date: '2025-01-26', kind: 'workday', name: '春节调休' });
    expect(byDate.get('2025-10-06')?.name).toBe('中秋');
    expect(byDate.get('2026-01-04')).toEqual({ date: '2026-01-04', kind: 'workday', name: '元旦调休' });
    expect(byDate.get('2015-09-03')?.name).toBe('中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日');
    expect(entries.every((e) => /^[\u4e00-\u9fff0-9]+$/.test(e.name))).toBe(true);
  });

  it('puts every make-up working day on a weekend (a sanity check of the upstream data)', () => {
    const weekday = (d: string): number => new Date(`${d}T00:00:00Z`).getUTCDay();
    const off = entries.filter((e) => e.kind === 'workday' && weekday(e.date) !== 0 && weekday(e.date) !== 6);
    expect(off).toEqual([]);
  });
});
