import type { Actor, RequestContext } from '../actor.js';
import type { AuditSink } from '../audit-sink.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { authorize } from '../policy.js';
import './calendar.policy.js';
import type { CalendarEntry, CalendarEntryKind } from './calendar-entry.js';
import * as repo from './calendar.repository.js';
import { parseIsoDate, formatIsoDate } from './civil-date.js';
import { loadSeedEntries } from './seed.js';
import { WorkingDayCalendar } from './working-days.js';

/** How long a cached calendar is trusted before re-reading (other instances may have edited it). */
const CACHE_MS = 60_000;

/**
 * The working-day calendar kept in the database: seeded from the `chinese-days` package, edited
 * by the system admin, and served as a `WorkingDayCalendar` for deadline computations.
 */
export class CalendarService {
  private cached: { calendar: WorkingDayCalendar; at: number } | undefined;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditSink,
    private readonly clock: Clock,
  ) {}

  /** Adds the seed's entries that are missing (idempotent; admin edits are kept). Returns the row count after. */
  async seed(): Promise<number> {
    const now = this.clock.now().toISOString();
    await repo.insertSeedEntries(
      this.db,
      loadSeedEntries().map((e) => ({ date: e.date, kind: e.kind, name: e.name, source: 'seed' as const, updated_at: now })),
    );
    this.cached = undefined;
    return repo.countEntries(this.db);
  }

  /** The current calendar (cached for a minute; edits through this service show at once). */
  async calendar(): Promise<WorkingDayCalendar> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.calendar;
    const rows = await repo.listEntries(this.db);
    const calendar = new WorkingDayCalendar(rows.map((r) => ({ date: r.date, kind: r.kind, name: r.name })));
    this.cached = { calendar, at: now };
    return calendar;
  }

  async listEntries(actor: Actor, year?: number): Promise<Array<CalendarEntry & { source: string; updatedAt: string }>> {
    authorize(actor, 'calendar.read');
    const rows = await repo.listEntries(this.db, year ? { from: `${year}-01-01`, to: `${year}-12-31` } : undefined);
    return rows.map((r) => ({ date: r.date, kind: r.kind, name: r.name, source: r.source, updatedAt: r.updated_at }));
  }

  /** Sets one date's entry (a holiday, or a make-up working day); audited with the previous value. */
  async setEntry(actor: Actor, ctx: RequestContext, date: string, kind: CalendarEntryKind, name: string): Promise<CalendarEntry> {
    authorize(actor, 'calendar.update');
    const iso = formatIsoDate(parseIsoDate(date, 'params.date'));
    const trimmed = name.trim();
    if (!trimmed) throw new AppError('VALIDATION_FAILED', '名称不能为空', { fields: [{ field: 'body.name', reason: '不能为空 (must not be empty)' }] });
    const before = await repo.findEntry(this.db, iso);
    await this.db.transaction().execute(async (trx) => {
      await repo.upsertEntry(trx, { date: iso, kind, name: trimmed, source: 'admin', updated_at: this.clock.now().toISOString() });
      await this.audit.append(trx, {
        actor,
        context: ctx,
        action: 'calendar.entry.set',
        subject: { type: 'calendar-date', id: iso },
        summary: { kind, name: trimmed, before: before ? { kind: before.kind, name: before.name } : null },
      });
    });
    this.cached = undefined;
    return { date: iso, kind, name: trimmed };
  }

  /** Removes a date's entry: the day follows the ordinary week again. */
  async deleteEntry(actor: Actor, ctx: RequestContext, date: string): Promise<void> {
    authorize(actor, 'calendar.update');
    const iso = formatIsoDate(parseIsoDate(date, 'params.date'));
    const before = await repo.findEntry(this.db, iso);
    if (!before) throw new AppError('NOT_FOUND', `${iso} 没有日历条目 (no entry on this date)`);
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteEntry(trx, iso);
      await this.audit.append(trx, {
        actor,
        context: ctx,
        action: 'calendar.entry.delete',
        subject: { type: 'calendar-date', id: iso },
        summary: { before: { kind: before.kind, name: before.name } },
      });
    });
    this.cached = undefined;
  }
}
