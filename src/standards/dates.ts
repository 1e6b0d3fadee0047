/** Calendar helpers for birth dates. Dates are plain `YYYY-MM-DD` strings; "today" is Beijing time. */

/** True when year/month/day name a day of the Gregorian calendar. */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/**
 * The calendar date of `instant` in Asia/Shanghai, as `YYYY-MM-DD`.
 *
 * @example shanghaiDate(new Date('2024-12-31T17:00:00Z')) // '2025-01-01'
 */
export function shanghaiDate(instant: Date): string {
  return SHANGHAI_DATE.format(instant);
}

/** Built once: constructing an Intl formatter costs tens of microseconds, per value that adds up. */
const SHANGHAI_DATE = new Intl.DateTimeFormat('en-CA', {
  // en-CA formats as YYYY-MM-DD.
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** `today` as `YYYY-MM-DD`: a string is taken as is, a Date is read in Beijing time, default now. */
export function resolveToday(today?: Date | string): string {
  if (typeof today === 'string') return today;
  return shanghaiDate(today ?? new Date());
}

/** Parses `YYYY-MM-DD` into its numbers, or undefined when it is not a real date. */
export function parseIsoDate(text: string): { year: number; month: number; day: number } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isRealDate(year, month, day) ? { year, month, day } : undefined;
}
