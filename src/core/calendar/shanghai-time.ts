import { formatIsoDate, fromEpochDay, invalidDate, parseIsoDate, toEpochDay } from './civil-date.js';

/**
 * A day as callers give it: a `YYYY-MM-DD` string (already a Shanghai calendar day) or a `Date`
 * instant (converted to the Shanghai calendar day it falls on).
 */
export type DateInput = string | Date;

const MS_PER_DAY = 86_400_000;
// Asia/Shanghai has been a fixed UTC+8 since daylight saving ended in September 1991. A fixed
// offset keeps the result independent of the machine's zone and its tz database; instants from
// the 1986–1991 summers may be placed an hour early (irrelevant for case deadlines).
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

function instantToEpochDay(instant: Date, field?: string): number {
  const ms = instant instanceof Date ? instant.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidDate(instant, field, '不是有效的时间');
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / MS_PER_DAY);
}

/**
 * The Shanghai calendar day (`YYYY-MM-DD`) on which an instant falls, whatever `TZ` the process has.
 *
 * @throws AppError CALENDAR_INVALID_DATE for an invalid `Date`.
 * @example shanghaiDate(new Date('2026-09-30T16:30:00Z')) // '2026-10-01' (00:30 in Beijing)
 */
export function shanghaiDate(instant: Date): string {
  return formatIsoDate(fromEpochDay(instantToEpochDay(instant)));
}

/** Epoch day of a date input; strings are validated strictly, instants mapped to Shanghai days. */
export function epochDayOf(input: DateInput, field?: string): number {
  if (typeof input === 'string') return toEpochDay(parseIsoDate(input, field));
  return instantToEpochDay(input, field);
}

/** `YYYY-MM-DD` of an epoch day (throws CALENDAR_INVALID_DATE outside years 1–9999). */
export function isoOfEpochDay(epochDay: number): string {
  return formatIsoDate(fromEpochDay(epochDay));
}

/** The last millisecond (23:59:59.999 Beijing time) of a Shanghai calendar day, as an instant. */
export function endOfShanghaiDay(epochDay: number): Date {
  return new Date((epochDay + 1) * MS_PER_DAY - SHANGHAI_OFFSET_MS - 1);
}
