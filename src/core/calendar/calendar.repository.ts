import type { Kysely } from 'kysely';
import { tablesOf, type Db } from '../db/database.js';
import type { CalendarEntryKind } from './calendar-entry.js';

export interface CalendarEntryRow {
  date: string;
  kind: CalendarEntryKind;
  name: string;
  /** `seed` (from the chinese-days package) or `admin` (edited by the system admin). */
  source: 'seed' | 'admin';
  updated_at: string;
}

const q = (db: Db): Kysely<{ calendar_entries: CalendarEntryRow }> => tablesOf<{ calendar_entries: CalendarEntryRow }>(db);

export async function listEntries(db: Db, range?: { from: string; to: string }): Promise<CalendarEntryRow[]> {
  let query = q(db).selectFrom('calendar_entries').selectAll();
  if (range) query = query.where('date', '>=', range.from).where('date', '<=', range.to);
  return query.orderBy('date').execute();
}

export async function countEntries(db: Db): Promise<number> {
  const { n } = await q(db)
    .selectFrom('calendar_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

export async function findEntry(db: Db, date: string): Promise<CalendarEntryRow | undefined> {
  return q(db).selectFrom('calendar_entries').selectAll().where('date', '=', date).executeTakeFirst();
}

export async function upsertEntry(db: Db, row: CalendarEntryRow): Promise<void> {
  await q(db)
    .insertInto('calendar_entries')
    .values(row)
    .onConflict((oc) => oc.column('date').doUpdateSet({ kind: row.kind, name: row.name, source: row.source, updated_at: row.updated_at }))
    .execute();
}

/** Inserts seed rows that are not there yet (never overwrites an admin's edit). */
export async function insertSeedEntries(db: Db, rows: CalendarEntryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await q(db)
      .insertInto('calendar_entries')
      .values(rows.slice(i, i + 100))
      .onConflict((oc) => oc.column('date').doNothing())
      .execute();
  }
}

export async function deleteEntry(db: Db, date: string): Promise<void> {
  await q(db).deleteFrom('calendar_entries').where('date', '=', date).execute();
}
