import { AppError } from '../errors.js';

/**
 * A calendar day with no time and no zone: the "which day" that deadlines are counted in.
 * `month` is 1–12 and `day` 1–31, as written on paper (not JavaScript's 0-based months).
 */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

// Years are limited to four digits so that every date has exactly one 'YYYY-MM-DD' spelling.
const MIN_YEAR = 1;
const MAX_YEAR = 9999;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The error every malformed date produces: names the offending value (and field, when known). */
export function invalidDate(value: unknown, field?: string, reason = '应为 YYYY-MM-DD 格式的有效日历日期'): AppError {
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return new AppError('CALENDAR_INVALID_DATE', `日期不合法：${shown}（${reason}）`, {
    value: typeof value === 'string' ? value : String(value),
    ...(field === undefined ? {} : { field }),
  });
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isValidCivil(d: CivilDate): boolean {
  return (
    Number.isInteger(d.year) &&
    Number.isInteger(d.month) &&
    Number.isInteger(d.day) &&
    d.year >= MIN_YEAR &&
    d.year <= MAX_YEAR &&
    d.month >= 1 &&
    d.month <= 12 &&
    d.day >= 1 &&
    d.day <= daysInMonth(d.year, d.month)
  );
}

/**
 * Parses a strict `YYYY-MM-DD` string (zero-padded, ASCII digits, years 0001–9999, a day that
 * exists). No times, no zones, no lenient forms: a deadline must never rest on a guess.
 *
 * @throws AppError CALENDAR_INVALID_DATE naming the value.
 * @example parseIsoDate('2026-10-09') // { year: 2026, month: 10, day: 9 }; '2026-02-30' throws
 */
export function parseIsoDate(value: string, field?: string): CivilDate {
  const m = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  const date = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
  if (!date || !isValidCivil(date)) throw invalidDate(value, field);
  return date;
}

/**
 * Writes a civil date as `YYYY-MM-DD`, the one spelling used in storage and in the API.
 *
 * @throws AppError CALENDAR_INVALID_DATE if the date does not exist or its year is outside 1–9999.
 * @example formatIsoDate({ year: 2026, month: 2, day: 3 }) // '2026-02-03'
 */
export function formatIsoDate(date: CivilDate): string {
  if (!isValidCivil(date)) throw invalidDate(`${date.year}-${date.month}-${date.day}`);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/*
 * Epoch days (days since 1970-01-01, proleptic Gregorian) are the internal currency: plain
 * integers, so adding days and finding the weekday never touch `Date` or the machine's zone.
 * The two conversions are Howard Hinnant's `days_from_civil` / `civil_from_days`.
 */

/** Epoch day of a civil date (1970-01-01 → 0). The date must already be valid. */
export function toEpochDay({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Civil date of an epoch day; the inverse of `toEpochDay`. */
export function fromEpochDay(epochDay: number): CivilDate {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day of the week of an epoch day: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(epochDay: number): number {
  return (((epochDay + 4) % 7) + 7) % 7;
}

/** True for Saturday and Sunday, the ordinary rest days. */
export function isWeekend(epochDay: number): boolean {
  const w = weekdayOf(epochDay);
  return w === 0 || w === 6;
}
