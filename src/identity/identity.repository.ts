import { CompiledQuery, type Kysely } from 'kysely';
import type { Role } from '../core/actor.js';
import { tablesOf, type Db } from '../core/db/database.js';
import { idleSqliteStatement, numberedParameters } from '../core/db/raw-statements.js';

export interface OrgRow {
  id: string;
  kind: 'department' | 'enterprise';
  name: string;
  uscc: string;
  region_code: string;
  parent_id: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface UserRow {
  id: string;
  kind: 'staff' | 'citizen' | 'agent';
  username: string;
  id_number: string | null;
  display_name: string;
  phone: string | null;
  org_id: string | null;
  password_hash: string | null;
  status: 'active' | 'disabled' | 'unclaimed';
  failed_logins: number;
  locked_until: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  totp_last_step: number | null;
  last_login_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface SessionRow {
  id: string;
  user_id: string;
  kind: 'cookie' | 'bearer';
  csrf_token: string;
  mfa_done: number;
  client_ip: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface IdentityTables {
  orgs: OrgRow;
  users: UserRow;
  user_roles: { user_id: string; role: Role; granted_at: string };
  sessions: SessionRow;
  api_keys: ApiKeyRow;
}

const q = (db: Db): Kysely<IdentityTables> => tablesOf<IdentityTables>(db);

// ── organisations ────────────────────────────────────────────────────────────

export async function insertOrg(db: Db, row: OrgRow): Promise<void> {
  await q(db).insertInto('orgs').values(row).execute();
}

export async function updateOrg(db: Db, id: string, patch: Partial<Omit<OrgRow, 'id' | 'created_at'>>): Promise<void> {
  await q(db).updateTable('orgs').set(patch).where('id', '=', id).execute();
}

export async function findOrg(db: Db, id: string): Promise<OrgRow | undefined> {
  return q(db).selectFrom('orgs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOrgByUscc(db: Db, uscc: string): Promise<OrgRow | undefined> {
  return q(db).selectFrom('orgs').selectAll().where('uscc', '=', uscc).executeTakeFirst();
}

export async function listOrgs(
  db: Db,
  f: { kind?: string; parentId?: string; text?: string; limit: number; offset: number },
): Promise<{ rows: OrgRow[]; total: number }> {
  let base = q(db).selectFrom('orgs');
  if (f.kind) base = base.where('kind', '=', f.kind as OrgRow['kind']);
  if (f.parentId) base = base.where('parent_id', '=', f.parentId);
  if (f.text) base = base.where((eb) => eb.or([eb('name', 'like', `%${f.text}%`), eb('uscc', '=', f.text!.toUpperCase())]));
  const rows = await base.selectAll().orderBy('kind').orderBy('name').limit(f.limit).offset(f.offset).execute();
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(n) };
}

export async function countOrgs(db: Db): Promise<number> {
  const { n } = await q(db)
    .selectFrom('orgs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

// ── users and roles ─────────────────────────────────────────────────────────

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await q(db).insertInto('users').values(row).execute();
}

/** Inserts many users in chunks (seeding). */
export async function insertUsers(db: Db, rows: UserRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 50)
    await q(db)
      .insertInto('users')
      .values(rows.slice(i, i + 50))
      .execute();
}

export async function updateUser(db: Db, id: string, patch: Partial<Omit<UserRow, 'id' | 'created_at'>>): Promise<void> {
  await q(db).updateTable('users').set(patch).where('id', '=', id).execute();
}

export async function findUser(db: Db, id: string): Promise<UserRow | undefined> {
  return q(db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  return q(db).selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function listUsers(
  db: Db,
  f: { kind?: string; orgId?: string; text?: string; limit: number; offset: number },
): Promise<{ rows: UserRow[]; total: number }> {
  let base = q(db).selectFrom('users');
  if (f.kind) base = base.where('kind', '=', f.kind as UserRow['kind']);
  if (f.orgId) base = base.where('org_id', '=', f.orgId);
  if (f.text) base = base.where((eb) => eb.or([eb('display_name', 'like', `%${f.text}%`), eb('username', 'like', `%${f.text}%`)]));
  const rows = await base.selectAll().orderBy('kind').orderBy('username').limit(f.limit).offset(f.offset).execute();
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(n) };
}

export async function rolesOf(db: Db, userId: string): Promise<Role[]> {
  const rows = await q(db).selectFrom('user_roles').select('role').where('user_id', '=', userId).orderBy('role').execute();
  return rows.map((r) => r.role);
}

export async function rolesOfMany(db: Db, userIds: string[]): Promise<Map<string, Role[]>> {
  const map = new Map<string, Role[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return map;
  const rows = await q(db).selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', userIds).orderBy('role').execute();
  for (const r of rows) map.get(r.user_id)?.push(r.role);
  return map;
}

export async function setRoles(db: Db, userId: string, roles: readonly Role[], at: string): Promise<void> {
  await q(db).deleteFrom('user_roles').where('user_id', '=', userId).execute();
  if (roles.length > 0)
    await q(db)
      .insertInto('user_roles')
      .values(roles.map((role) => ({ user_id: userId, role, granted_at: at })))
      .execute();
}

// ── sessions ────────────────────────────────────────────────────────────────

export async function insertSession(db: Db, row: SessionRow): Promise<void> {
  await q(db).insertInto('sessions').values(row).execute();
}

/** Every column of the session (a new column fails to compile until it is listed here). */
const SESSION_COLUMNS = Object.keys({
  id: 1,
  user_id: 1,
  kind: 1,
  csrf_token: 1,
  mfa_done: 1,
  client_ip: 1,
  created_at: 1,
  last_seen_at: 1,
  expires_at: 1,
} satisfies Record<keyof SessionRow, 1>) as Array<keyof SessionRow>;
/**
 * The user columns an authenticated request needs (who, which organisation, active, second factor
 * enrolled) — not the password hash, TOTP secret or lock counters, which stay out of every request.
 */
const USER_COLUMNS = Object.keys({
  id: 1,
  kind: 1,
  id_number: 1,
  display_name: 1,
  org_id: 1,
  status: 1,
  totp_enabled: 1,
} satisfies Record<keyof SessionUser, 1>) as Array<keyof SessionUser>;
export type SessionUser = Pick<UserRow, 'id' | 'kind' | 'id_number' | 'display_name' | 'org_id' | 'status' | 'totp_enabled'>;
/** The session check's statement, with `?` for the session id (`$1` on PostgreSQL). */
const SESSION_USER_SQL =
  `select ${[...SESSION_COLUMNS.map((c) => `s."${c}" as "s_${c}"`), ...USER_COLUMNS.map((c) => `u."${c}" as "u_${c}"`), 'r."role" as "role"'].join(', ')}` +
  ' from "sessions" s left join "users" u on u."id" = s."user_id" left join "user_roles" r on r."user_id" = u."id" where s."id" = ? order by r."role"';

/** The session check's statement text with `$1` for PostgreSQL. */
const SESSION_USER_SQL_NUMBERED = SESSION_USER_SQL.replace('?', '$1');

/** All rows of the session check: on SQLite with no transaction open, straight from better-sqlite3 (see findSessionWithUser). */
async function sessionUserRows(db: Db, id: string): Promise<Array<Record<string, unknown>>> {
  const idle = idleSqliteStatement<Record<string, unknown>>(db, SESSION_USER_SQL);
  if (idle) return idle.all(id);
  const text = numberedParameters(db) ? SESSION_USER_SQL_NUMBERED : SESSION_USER_SQL;
  return (await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [id]))).rows;
}

/**
 * A session with its user and the user's roles (in role order), in one statement: what every
 * authenticated request needs. `user` is undefined when the session's user no longer exists.
 * One row comes back per role (a left join, so a user without roles gives one row). On SQLite,
 * when `db` is the database itself and no transaction is open on its connection, the statement
 * runs synchronously on better-sqlite3: the query builder's connection queue and promise chain
 * cost more than the lookup, and with no transaction open the read sees committed rows only.
 */
export async function findSessionWithUser(db: Db, id: string): Promise<{ session: SessionRow; user: SessionUser | undefined; roles: Role[] } | undefined> {
  const rows = await sessionUserRows(db, id);
  const first = rows[0];
  if (!first) return undefined;
  const session = Object.fromEntries(SESSION_COLUMNS.map((c) => [c, first[`s_${c}`]])) as unknown as SessionRow;
  const user = first.u_id == null ? undefined : (Object.fromEntries(USER_COLUMNS.map((c) => [c, first[`u_${c}`]])) as unknown as SessionUser);
  const roles = rows.flatMap((r) => (typeof r.role === 'string' ? [r.role as Role] : []));
  return { session, user, roles };
}

export async function touchSession(db: Db, id: string, at: string): Promise<void> {
  await q(db).updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
}

export async function markSessionMfaDone(db: Db, id: string): Promise<void> {
  await q(db).updateTable('sessions').set({ mfa_done: 1 }).where('id', '=', id).execute();
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await q(db).deleteFrom('sessions').where('id', '=', id).execute();
}

export async function deleteSessionsOfUser(db: Db, userId: string): Promise<void> {
  await q(db).deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Removes sessions idle since before `idleBefore` or past their absolute expiry. */
export async function deleteExpiredSessions(db: Db, idleBefore: string, now: string): Promise<number> {
  const r = await q(db)
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', idleBefore), eb('expires_at', '<', now)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ── API keys ────────────────────────────────────────────────────────────────

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  await q(db).insertInto('api_keys').values(row).execute();
}

export async function findApiKeyByPrefix(db: Db, prefix: string): Promise<ApiKeyRow | undefined> {
  return q(db).selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
}

export async function listApiKeys(db: Db, userId: string): Promise<ApiKeyRow[]> {
  return q(db).selectFrom('api_keys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
}

export async function revokeApiKey(db: Db, id: string, at: string): Promise<void> {
  await q(db).updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
}

export async function touchApiKey(db: Db, id: string, at: string): Promise<void> {
  await q(db).updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
}
