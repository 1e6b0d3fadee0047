import { validationError } from '../errors.js';
import { formatIsoDate, parseIsoDate, toEpochDay } from './civil-date.js';

/**
 * `holiday`: a day off (放假). Marks statutory holidays and in-lieu days off on weekdays, and —
 * as announced periods do — the Saturdays/Sundays inside a holiday period too, so every day of
 * 春节 carries its name; on a weekend that changes nothing but the label.
 * `workday`: a make-up working day (调休上班), normally a Saturday or Sunday.
 */
export type CalendarEntryKind = 'holiday' | 'workday';

/**
 * One exception to the ordinary week (Mon–Fri work, Sat–Sun rest). Flat and keyed by `date` so
 * it maps one-to-one onto a table row (primary key `date`) and a JSON body.
 *
 * @example const e: CalendarEntry = { date: '2025-01-26', kind: 'workday', name: '春节调休' };
 */
export interface CalendarEntry {
  /** Shanghai calendar day, strict `YYYY-MM-DD`; at most one entry per date. */
  readonly date: string;
  readonly kind: CalendarEntryKind;
  /** What people call the day: '春节', '国庆节', '春节调休'. Non-empty. */
  readonly name: string;
}

/** An entry already checked, with its epoch day precomputed for indexing. */
export interface IndexedEntry {
  readonly epochDay: number;
  readonly entry: CalendarEntry;
}

/**
 * Checks a list of entries and returns them sorted by date, frozen, with their epoch days.
 *
 * @throws AppError CALENDAR_INVALID_DATE for a malformed `date` (details name `entries[i].date`);
 *   VALIDATION_FAILED for an unknown `kind`, an empty `name` or a date listed twice.
 */
export function indexEntries(entries: readonly CalendarEntry[]): IndexedEntry[] {
  const seen = new Map<number, number>();
  const out: IndexedEntry[] = [];
  entries.forEach((raw, i) => {
    const civil = parseIsoDate(raw.date, `entries[${i}].date`);
    if (raw.kind !== 'holiday' && raw.kind !== 'workday') {
      throw validationError([{ field: `entries[${i}].kind`, reason: `应为 holiday 或 workday，收到 ${String(raw.kind)}` }]);
    }
    if (typeof raw.name !== 'string' || raw.name.trim() === '') {
      throw validationError([{ field: `entries[${i}].name`, reason: '名称不能为空' }]);
    }
    const epochDay = toEpochDay(civil);
    const earlier = seen.get(epochDay);
    if (earlier !== undefined) {
      throw validationError([{ field: `entries[${i}].date`, reason: `${raw.date} 与 entries[${earlier}] 重复` }]);
    }
    seen.set(epochDay, i);
    const entry: CalendarEntry = Object.freeze({ date: formatIsoDate(civil), kind: raw.kind, name: raw.name });
    out.push({ epochDay, entry });
  });
  return out.sort((a, b) => a.epochDay - b.epochDay);
}
