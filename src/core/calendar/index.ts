/**
 * The working-day calendar: which days are worked in mainland China (Asia/Shanghai), and
 * deadlines counted in working days. Pure — no database, no clock, no machine time zone.
 * The only public surface of `src/core/calendar`.
 */
export type { CalendarEntry, CalendarEntryKind } from './calendar-entry.js';
export type { CivilDate } from './civil-date.js';
export type { DateInput } from './shanghai-time.js';
export { formatIsoDate, parseIsoDate } from './civil-date.js';
export { shanghaiDate } from './shanghai-time.js';
export { loadSeedEntries, seedYears } from './seed.js';
export { WorkingDayCalendar } from './working-days.js';
export { CalendarService } from './calendar.service.js';
export { calendarRoutes } from './calendar.routes.js';
export { calendarMigration } from './calendar.migration.js';
