import { createRequire } from 'node:module';
import type { CalendarEntry, CalendarEntryKind } from './calendar-entry.js';

/*
 * The seed comes from `chinese-days` (dist/chinese-days.json, the same data as dist/years/*.json):
 *   { holidays: { 'YYYY-MM-DD': 'English,中文,N' }, workdays: {…}, inLieuDays: {…} }
 * e.g. '2025-01-28': 'Spring Festival,春节,4' — N is the number of statutory days of that
 * holiday that year. `holidays` lists every day off of each period (weekends included);
 * `workdays` the make-up working days; `inLieuDays` is a subset of `holidays` (the weekdays off
 * paid back by make-up days) and adds nothing to whether a day is worked, so it is not used.
 */
const SEED_FILE = 'chinese-days/dist/chinese-days.json';
const VALUE = /^[^,]*,([^,]+),\d+$/;

type DayMap = Record<string, string>;

function readDayMap(data: unknown, key: 'holidays' | 'workdays'): DayMap {
  const map = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[key] : undefined;
  if (typeof map !== 'object' || map === null) throw new Error(`${SEED_FILE}: missing "${key}"`);
  for (const [date, value] of Object.entries(map)) {
    if (typeof value !== 'string') throw new Error(`${SEED_FILE}: ${key}.${date} is not a string`);
  }
  return map as DayMap;
}

function toEntries(map: DayMap, kind: CalendarEntryKind): CalendarEntry[] {
  return Object.entries(map).map(([date, value]) => {
    const zh = VALUE.exec(value)?.[1];
    // A changed upstream format must stop the seed, not produce nameless days.
    if (zh === undefined) throw new Error(`${SEED_FILE}: unexpected value '${value}' for ${date}`);
    return { date, kind, name: kind === 'workday' ? `${zh}调休` : zh };
  });
}

/**
 * The official holidays and make-up working days for every year `chinese-days` covers (2004–2026
 * in 1.5.7), sorted by date; the same input always gives the same list. Holidays are named in
 * Chinese ('春节', '国庆节'); make-up days get the holiday's name plus '调休' ('春节调休').
 * Dates are not validated here; `new WorkingDayCalendar(entries)` does that.
 *
 * @throws Error if the package's data file is missing or its format has changed.
 * @example new WorkingDayCalendar(loadSeedEntries()).isWorkingDay('2025-01-26') // true
 */
export function loadSeedEntries(): CalendarEntry[] {
  const data: unknown = createRequire(import.meta.url)(SEED_FILE);
  const entries = [...toEntries(readDayMap(data, 'holidays'), 'holiday'), ...toEntries(readDayMap(data, 'workdays'), 'workday')];
  // 'YYYY-MM-DD' strings sort chronologically; ties (a date in both maps) are left for the
  // calendar to reject as duplicates.
  const key = (e: CalendarEntry): string => `${e.date} ${e.kind}`;
  return entries.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

/**
 * The years the seed has entries for, ascending — a calendar answers for other years by the
 * weekday rule alone, so callers can warn before computing a deadline past the last one.
 *
 * @example seedYears().at(-1) // 2026
 */
export function seedYears(): number[] {
  return [...new Set(loadSeedEntries().map((e) => Number(e.date.slice(0, 4))))].sort((a, b) => a - b);
}
