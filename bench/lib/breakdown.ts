import SQLite from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { authenticateApiKey, authenticateSession, getUser, listOrgs, updateUser } from '../../src/identity/index.js';
import type { BenchPlatform } from './platform-fixture.js';

export interface BreakdownRow {
  label: string;
  /** Mean microseconds per call, one call at a time (no concurrency, no HTTP). */
  us: number;
  calls: number;
}

/** Runs `fn` repeatedly for about `ms` after a short warm-up; mean µs per call. Bounded by `maxCalls`. */
async function timeIt(label: string, fn: () => unknown, ms: number, maxCalls = 200_000): Promise<BreakdownRow> {
  const warmUntil = performance.now() + Math.min(300, ms / 2);
  while (performance.now() < warmUntil) await fn();
  let calls = 0;
  const start = performance.now();
  const until = start + ms;
  while (performance.now() < until && calls < maxCalls) {
    await fn();
    calls++;
  }
  return { label, us: ((performance.now() - start) / calls) * 1000, calls };
}

/**
 * The server-side cost of each layer, called in-process one at a time: the session and API-key
 * checks, the service calls behind the HTTP cases, and — for comparison — the session check's
 * three SELECTs as cached better-sqlite3 statements (what a prepared-statement cache would cost).
 */
export async function measureBreakdown(bp: BenchPlatform, msEach: number, options: { statementCacheOn?: boolean } = {}): Promise<BreakdownRow[]> {
  const deps = bp.platform.identity;
  const auth = await authenticateSession(deps, bp.token, 'bearer');
  const actor = auth.actor;
  const ctx = { requestId: 'bench-breakdown', clientIp: '127.0.0.1' };
  const rows: BreakdownRow[] = [];
  rows.push(await timeIt('authenticateSession (bearer): 3 SELECTs via Kysely', () => authenticateSession(deps, bp.token, 'bearer'), msEach));

  const raw = new SQLite(bp.dbFile, { readonly: true });
  try {
    const session = raw.prepare('select * from "sessions" where "id" = ?');
    const user = raw.prepare('select * from "users" where "id" = ?');
    const roles = raw.prepare('select "role" from "user_roles" where "user_id" = ? order by "role"');
    const sid = createHash('sha256').update(bp.token).digest('hex');
    const uid = actor.id!;
    rows.push(
      await timeIt(
        '  the same 3 SELECTs, cached better-sqlite3 statements',
        () => {
          session.get(sid);
          user.get(uid);
          roles.all(uid);
        },
        msEach,
      ),
    );
    if (!options.statementCacheOn)
      rows.push(
        await timeIt(
          '  the same 3 SELECTs, prepared on every call (as Kysely does)',
          () => {
            raw.prepare('select * from "sessions" where "id" = ?').get(sid);
            raw.prepare('select * from "users" where "id" = ?').get(uid);
            raw.prepare('select "role" from "user_roles" where "user_id" = ? order by "role"').all(uid);
          },
          msEach,
        ),
      );
  } finally {
    raw.close();
  }
  rows.push(await timeIt('authenticateApiKey', () => authenticateApiKey(deps, bp.apiKey), msEach));
  rows.push(await timeIt('getUser (policy + 2 SELECTs)', () => getUser(deps, actor, bp.targetUserId), msEach));
  rows.push(await timeIt('listOrgs limit 20 (policy + 2 SELECTs + present)', () => listOrgs(deps, actor, { limit: 20, offset: 0 }), msEach));
  let flip = 0;
  rows.push(
    await timeIt(
      'updateUser name (transaction + audit append)',
      () => updateUser(deps, actor, ctx, bp.targetUserId, { displayName: flip++ % 2 ? '压测对象甲' : '压测对象乙' }),
      msEach,
      20_000,
    ),
  );
  return rows;
}
