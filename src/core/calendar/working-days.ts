import { validationError } from '../errors.js';
import { isWeekend } from './civil-date.js';
import { indexEntries, type CalendarEntry } from './calendar-entry.js';
import { endOfShanghaiDay, epochDayOf, isoOfEpochDay, type DateInput } from './shanghai-time.js';

/** Number of values in the sorted array `xs` that are ≤ `x`. */
function countUpTo(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Mon–Fri days in the half-open range (a, b], a ≤ b, by whole weeks plus a short remainder. */
function weekdaysIn(a: number, b: number): number {
  const span = b - a;
  let count = Math.floor(span / 7) * 5;
  for (let d = a + 1 + span - (span % 7); d <= b; d++) if (!isWeekend(d)) count++;
  return count;
}

function checkCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw validationError([{ field: 'n', reason: `工作日数应为非负整数，收到 ${String(n)}` }]);
  }
}

/**
 * An immutable working-day calendar for Asia/Shanghai. A day is a working day if it has a
 * `workday` entry, is not one if it has a `holiday` entry, and otherwise iff it is Monday–Friday.
 * Dates outside the entries' years are treated by that weekday rule alone — so a calendar is only
 * right for years whose holidays have been loaded. To change the calendar, build a new one.
 *
 * Every method takes a `YYYY-MM-DD` string or a `Date` instant (mapped to its Beijing-time day)
 * and throws AppError CALENDAR_INVALID_DATE for anything else. Results are `YYYY-MM-DD` strings.
 * The machine's time zone is never consulted.
 *
 * @example
 * const cal = new WorkingDayCalendar(loadSeedEntries());
 * cal.addWorkingDays('2026-09-25', 5); // '2026-10-09' — 中秋 and 国庆 days are skipped
 */
export class WorkingDayCalendar {
  readonly #byDay: ReadonlyMap<number, CalendarEntry>;
  readonly #entries: readonly CalendarEntry[];
  // Only entries that change the weekday rule matter for counting: holidays on Mon–Fri (−1 each)
  // and make-up days on Sat/Sun (+1 each). Sorted, so a range count is two binary searches.
  readonly #weekdaysOff: readonly number[];
  readonly #weekendsOn: readonly number[];
  readonly #lastEntryDay: number;

  /** @throws AppError CALENDAR_INVALID_DATE / VALIDATION_FAILED for bad entries (see indexEntries). */
  constructor(entries: readonly CalendarEntry[] = []) {
    const indexed = indexEntries(entries);
    this.#byDay = new Map(indexed.map((x) => [x.epochDay, x.entry]));
    this.#entries = Object.freeze(indexed.map((x) => x.entry));
    this.#weekdaysOff = indexed.filter((x) => x.entry.kind === 'holiday' && !isWeekend(x.epochDay)).map((x) => x.epochDay);
    this.#weekendsOn = indexed.filter((x) => x.entry.kind === 'workday' && isWeekend(x.epochDay)).map((x) => x.epochDay);
    this.#lastEntryDay = indexed.at(-1)?.epochDay ?? Number.NEGATIVE_INFINITY;
  }

  /** All entries, sorted by date — what to persist or show. @example cal.entries.length */
  get entries(): readonly CalendarEntry[] {
    return this.#entries;
  }

  /** The entry for a day, if it has one. @example cal.entryOn('2025-10-06')?.name // '中秋' */
  entryOn(date: DateInput): CalendarEntry | undefined {
    return this.#byDay.get(epochDayOf(date, 'date'));
  }

  /** Whether a day is a working day. @example cal.isWorkingDay('2025-02-08') // true (Saturday, 春节调休) */
  isWorkingDay(date: DateInput): boolean {
    return this.#isWorking(epochDayOf(date, 'date'));
  }

  /**
   * The due date of a limit of `n` working days counted from `start`: the day of `start` itself is
   * not counted (期间开始之日不计算在内), counting begins the next day, and the result is the n-th
   * working day after `start` — always a working day when n ≥ 1, even if `start` is not one.
   * `n = 0` returns `start` itself.
   *
   * @throws AppError VALIDATION_FAILED (field `n`) if n is negative or not an integer.
   * @example cal.addWorkingDays('2026-09-25', 5) // '2026-10-09': Sep 28, 29, 30, Oct 8, 9
   */
  addWorkingDays(start: DateInput, n: number): string {
    return isoOfEpochDay(this.#addDays(epochDayOf(start, 'start'), n));
  }

  /**
   * The first working day strictly after `date` — `addWorkingDays(date, 1)`.
   *
   * @example cal.nextWorkingDay('2025-09-30') // '2025-10-09'
   */
  nextWorkingDay(date: DateInput): string {
    return this.addWorkingDays(date, 1);
  }

  /**
   * Working days in the half-open range (a, b]: `a` is not counted, `b` is. Negative when b < a
   * (then it is minus the count in (b, a]). Inverse of addWorkingDays:
   * `workingDaysBetween(a, addWorkingDays(a, n)) === n`.
   *
   * @example cal.workingDaysBetween('2026-09-25', '2026-10-09') // 5
   */
  workingDaysBetween(a: DateInput, b: DateInput): number {
    const from = epochDayOf(a, 'a');
    const to = epochDayOf(b, 'b');
    if (from <= to) return this.#countIn(from, to);
    const back = this.#countIn(to, from);
    return back === 0 ? 0 : -back; // never -0: it would leak into JSON comparisons and Object.is
  }

  /**
   * The instant a limit of `n` working days runs out: 23:59:59.999 Beijing time on
   * `addWorkingDays(start, n)`. Statutory and promised limits are stored as such instants.
   *
   * @example cal.dueAt(new Date('2026-09-25T02:00:00Z'), 5).toISOString() // '2026-10-09T15:59:59.999Z'
   */
  dueAt(start: DateInput, n: number): Date {
    return endOfShanghaiDay(this.#addDays(epochDayOf(start, 'start'), n));
  }

  /** Epoch day of the n-th working day after day `a` (a itself when n = 0). */
  #addDays(a: number, n: number): number {
    checkCount(n);
    // Binary search for the first day d with n working days in (a, d]. That day lies between
    // a + n (at most one working day per day) and 7·⌈n/5⌉ days past the later of a and the last
    // entry (beyond it every week has five working days).
    let lo = a + n;
    let hi = Math.max(a, this.#lastEntryDay) + 7 * Math.ceil(n / 5);
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.#countIn(a, mid) >= n) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #isWorking(day: number): boolean {
    const entry = this.#byDay.get(day);
    return entry ? entry.kind === 'workday' : !isWeekend(day);
  }

  /** Working days in (a, b] for a ≤ b, in O(log entries). */
  #countIn(a: number, b: number): number {
    const off = countUpTo(this.#weekdaysOff, b) - countUpTo(this.#weekdaysOff, a);
    const on = countUpTo(this.#weekendsOn, b) - countUpTo(this.#weekendsOn, a);
    return weekdaysIn(a, b) - off + on;
  }
}
