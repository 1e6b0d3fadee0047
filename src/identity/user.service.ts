import { ROLES, SEPARATED_ADMIN_ROLES, type Actor, type RequestContext, type Role } from '../core/actor.js';
import { isUniqueViolation } from '../core/db/database.js';
import { AppError, validationError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { validateIdentifier } from '../standards/index.js';
import type { IdentityDeps } from './identity.deps.js';
import * as repo from './identity.repository.js';
import type { UserRow } from './identity.repository.js';
import { checkPasswordStrength, hashPassword } from './password.js';
import { authorize } from '../core/policy.js';
import './identity.policy.js';

export interface User {
  id: string;
  kind: 'staff' | 'citizen' | 'agent';
  username: string;
  displayName: string;
  /** Masked for anyone but the holder: `1101**********002X`. */
  idNumber: string | null;
  phone: string | null;
  orgId: string | null;
  roles: Role[];
  status: string;
  locked: boolean;
  lockedUntil: string | null;
  totpEnabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

/** `11010519491231002X` → `1101**********002X`. */
export function maskIdNumber(v: string | null): string | null {
  if (!v) return v;
  return v.length <= 8 ? '*'.repeat(v.length) : v.slice(0, 4) + '*'.repeat(v.length - 8) + v.slice(-4);
}

export function presentUser(r: UserRow, roles: Role[], now: Date, options: { unmasked?: boolean } = {}): User {
  const locked = !!r.locked_until && r.locked_until > now.toISOString();
  return {
    id: r.id,
    kind: r.kind,
    username: r.kind === 'citizen' && !options.unmasked ? (maskIdNumber(r.username) ?? '') : r.username,
    displayName: r.display_name,
    idNumber: options.unmasked ? r.id_number : maskIdNumber(r.id_number),
    phone: r.phone,
    orgId: r.org_id,
    roles,
    status: r.status,
    locked,
    lockedUntil: locked ? r.locked_until : null,
    totpEnabled: r.totp_enabled === 1,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  };
}

/**
 * Checks a role set: known roles, staff only, and 三员分立 — at most one of the system, security
 * and audit administrator roles.
 */
export function checkRoleSet(roles: readonly Role[], field = 'body.roles'): void {
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) throw validationError([{ field, reason: `未知角色 ${unknown.join(', ')} (unknown role)` }]);
  const admins = roles.filter((r) => SEPARATED_ADMIN_ROLES.includes(r));
  if (admins.length > 1) {
    throw new AppError('IDENTITY_ROLE_CONFLICT', `三员不得兼任：${admins.join(' + ')}`, { field, roles: admins });
  }
}

/** Account names: 3–32 lower-case letters, digits or `._-`, starting with a letter. */
function checkUsername(username: string): void {
  if (!/^[a-z][a-z0-9._-]{2,31}$/.test(username)) {
    throw validationError([{ field: 'body.username', reason: '账号名为 3–32 位小写字母、数字或 ._-，以字母开头 (3–32 lower-case letters, digits, . _ -)' }]);
  }
}

/** The state of a new account: no failures, no lock, no TOTP device yet. */
export function blankUser(
  now: string,
): Pick<UserRow, 'failed_logins' | 'locked_until' | 'totp_secret' | 'totp_enabled' | 'totp_last_step' | 'last_login_at' | 'created_at' | 'updated_at'> {
  return {
    failed_logins: 0,
    locked_until: null,
    totp_secret: null,
    totp_enabled: 0,
    totp_last_step: null,
    last_login_at: null,
    created_at: now,
    updated_at: now,
  };
}

export interface CreateStaffInput {
  username: string;
  displayName: string;
  orgId: string;
  password: string;
  roles: Role[];
  phone?: string;
}

/**
 * Creates a staff account in a department. The system admin may create in any department, a
 * department admin in their own; granting roles is checked role by role (admin roles need the
 * security admin). The account must enrol a TOTP device at first sign-in.
 */
export async function createStaff(deps: IdentityDeps, actor: Actor, ctx: RequestContext, input: CreateStaffInput): Promise<User> {
  authorize(actor, 'identity.user.create', { orgId: input.orgId });
  checkRoleSet(input.roles);
  for (const role of input.roles) authorize(actor, 'identity.user.assign-role', { orgId: input.orgId, role });
  const org = await repo.findOrg(deps.db, input.orgId);
  if (!org || org.kind !== 'department') throw validationError([{ field: 'body.orgId', reason: '机构不存在或不是政府部门 (no such department)' }]);
  checkUsername(input.username);
  checkPasswordStrength(input.password, input.username, 'body.password');
  if (await repo.findUserByUsername(deps.db, input.username))
    throw new AppError('IDENTITY_USERNAME_TAKEN', `账号 ${input.username} 已被使用`, { field: 'body.username' });
  const now = deps.clock.now();
  const row: UserRow = {
    id: newId(),
    kind: 'staff',
    username: input.username,
    id_number: null,
    display_name: input.displayName.trim(),
    phone: input.phone ?? null,
    org_id: input.orgId,
    password_hash: await hashPassword(input.password, deps.settings.passwordCost),
    status: 'active',
    ...blankUser(now.toISOString()),
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      await repo.insertUser(trx, row);
      await repo.setRoles(trx, row.id, input.roles, now.toISOString());
      await deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'identity.user.create',
        subject: { type: 'user', id: row.id },
        summary: { kind: 'staff', username: row.username, displayName: row.display_name, orgId: row.org_id, roles: input.roles },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('IDENTITY_USERNAME_TAKEN', `账号 ${input.username} 已被使用`, { field: 'body.username' });
    throw e;
  }
  return presentUser(row, input.roles, now);
}

export interface CitizenSignUpInput {
  idNumber: string;
  name: string;
  password: string;
  phone?: string;
}

/**
 * A citizen signs up with their 公民身份号码. A 15-digit number is upgraded to 18 digits. If the
 * population record already exists without an account (seeded), the name must match it (a
 * real-name check) and the account is activated; if it already has an account, sign-up is refused.
 */
export async function signUpCitizen(deps: IdentityDeps, ctx: RequestContext, input: CitizenSignUpInput): Promise<User> {
  const v = validateIdentifier('citizen-id', input.idNumber.trim().toUpperCase());
  if (!v.valid)
    throw validationError(
      v.errors.map((e) => ({ field: 'body.idNumber', reason: e.message })),
      `公民身份号码不合法：${v.errors.map((e) => e.message).join('；')}`,
    );
  const idNumber = String((v.parsed as { normalized?: string }).normalized ?? input.idNumber.trim().toUpperCase());
  const name = input.name.trim();
  if (name.length === 0) throw validationError([{ field: 'body.name', reason: '不能为空 (must not be empty)' }]);
  checkPasswordStrength(input.password, idNumber, 'body.password');
  const now = deps.clock.now();
  const existing = await repo.findUserByUsername(deps.db, idNumber);
  if (existing && existing.status !== 'unclaimed') throw new AppError('IDENTITY_CITIZEN_EXISTS', '该身份号码已注册，请直接登录', { field: 'body.idNumber' });
  if (existing && existing.display_name !== name) {
    throw validationError([{ field: 'body.name', reason: '姓名与身份号码不匹配 (the name does not match the identity number)' }]);
  }
  const passwordHash = await hashPassword(input.password, deps.settings.passwordCost);
  const actorOf = (id: string): Actor => ({ type: 'citizen', id, name, roles: [] });
  let row: UserRow;
  try {
    row = await deps.db.transaction().execute(async (trx) => {
      let r: UserRow;
      if (existing) {
        r = { ...existing, password_hash: passwordHash, status: 'active', phone: input.phone ?? existing.phone, updated_at: now.toISOString() };
        await repo.updateUser(trx, existing.id, { password_hash: passwordHash, status: 'active', phone: r.phone, updated_at: r.updated_at });
      } else {
        r = {
          id: newId(),
          kind: 'citizen',
          username: idNumber,
          id_number: idNumber,
          display_name: name,
          phone: input.phone ?? null,
          org_id: null,
          password_hash: passwordHash,
          status: 'active',
          ...blankUser(now.toISOString()),
        };
        await repo.insertUser(trx, r);
      }
      await deps.audit.append(trx, {
        actor: actorOf(r.id),
        context: ctx,
        action: existing ? 'identity.citizen.activate' : 'identity.citizen.signup',
        subject: { type: 'user', id: r.id },
        summary: { idNumber: maskIdNumber(idNumber) },
        dataSubject: `citizen:${idNumber}`,
        purpose: '用户注册 (sign-up)',
      });
      return r;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('IDENTITY_CITIZEN_EXISTS', '该身份号码已注册，请直接登录', { field: 'body.idNumber' });
    throw e;
  }
  return presentUser(row, [], now, { unmasked: true });
}

export interface AgentSignUpInput {
  uscc: string;
  username: string;
  name: string;
  idNumber: string;
  password: string;
  phone?: string;
}

/** An enterprise agent (经办人) registers to act for a registered enterprise, identified by its USCC. */
export async function signUpAgent(deps: IdentityDeps, ctx: RequestContext, input: AgentSignUpInput): Promise<User> {
  const uscc = input.uscc.trim().toUpperCase();
  const vu = validateIdentifier('uscc', uscc);
  if (!vu.valid) throw validationError(vu.errors.map((e) => ({ field: 'body.uscc', reason: e.message })));
  const vi = validateIdentifier('citizen-id', input.idNumber.trim().toUpperCase());
  if (!vi.valid) throw validationError(vi.errors.map((e) => ({ field: 'body.idNumber', reason: e.message })));
  checkUsername(input.username);
  checkPasswordStrength(input.password, input.username, 'body.password');
  const org = await repo.findOrgByUscc(deps.db, uscc);
  if (!org || org.kind !== 'enterprise')
    throw validationError([{ field: 'body.uscc', reason: '该统一社会信用代码的企业未登记 (no registered enterprise with this USCC)' }]);
  if (await repo.findUserByUsername(deps.db, input.username))
    throw new AppError('IDENTITY_USERNAME_TAKEN', `账号 ${input.username} 已被使用`, { field: 'body.username' });
  const now = deps.clock.now();
  const row: UserRow = {
    id: newId(),
    kind: 'agent',
    username: input.username,
    id_number: String((vi.parsed as { normalized?: string }).normalized ?? input.idNumber.trim().toUpperCase()),
    display_name: input.name.trim(),
    phone: input.phone ?? null,
    org_id: org.id,
    password_hash: await hashPassword(input.password, deps.settings.passwordCost),
    status: 'active',
    ...blankUser(now.toISOString()),
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      await repo.insertUser(trx, row);
      await deps.audit.append(trx, {
        actor: { type: 'agent', id: row.id, name: row.display_name, orgId: org.id, roles: [] },
        context: ctx,
        action: 'identity.agent.signup',
        subject: { type: 'user', id: row.id },
        summary: { username: row.username, uscc },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('IDENTITY_USERNAME_TAKEN', `账号 ${input.username} 已被使用`, { field: 'body.username' });
    throw e;
  }
  return presentUser(row, [], now);
}

async function loadUser(deps: IdentityDeps, id: string): Promise<UserRow> {
  const row = await repo.findUser(deps.db, id);
  if (!row) throw new AppError('IDENTITY_USER_NOT_FOUND', `用户 ${id} 不存在`);
  return row;
}

/**
 * Reads one user. When staff read a citizen's record, that is a personal-data access: it is
 * recorded (who, which department, whose data, why) so the citizen can see it.
 */
export async function getUser(deps: IdentityDeps, actor: Actor, id: string, access: { context?: RequestContext; purpose?: string } = {}): Promise<User> {
  const row = await loadUser(deps, id);
  authorize(actor, 'identity.user.read', { orgId: row.org_id, ownerId: row.id });
  if (row.kind === 'citizen' && actor.id !== row.id && row.id_number) {
    await deps.audit.record({
      actor,
      ...(access.context ? { context: access.context } : {}),
      action: 'identity.user.read',
      subject: { type: 'user', id: row.id },
      dataSubject: `citizen:${row.id_number}`,
      purpose: access.purpose ?? '账号管理 (account administration)',
    });
  }
  return presentUser(row, await repo.rolesOf(deps.db, id), deps.clock.now(), { unmasked: actor.id === row.id });
}

export async function listUsers(
  deps: IdentityDeps,
  actor: Actor,
  f: { kind?: 'staff' | 'citizen' | 'agent'; orgId?: string; q?: string; limit: number; offset: number },
): Promise<{ items: User[]; total: number }> {
  // A department admin sees only their own department.
  const orgId = actor.roles.includes('system-admin') || actor.roles.includes('security-admin') ? f.orgId : (actor.orgId ?? '-');
  authorize(actor, 'identity.user.read', { orgId });
  const { rows, total } = await repo.listUsers(deps.db, { ...f, ...(orgId ? { orgId } : {}), ...(f.q ? { text: f.q } : {}) });
  const roles = await repo.rolesOfMany(
    deps.db,
    rows.map((r) => r.id),
  );
  const now = deps.clock.now();
  return { items: rows.map((r) => presentUser(r, roles.get(r.id) ?? [], now)), total };
}

/** Replaces a staff member's roles. Each added or removed role is authorized on its own. */
export async function setUserRoles(deps: IdentityDeps, actor: Actor, ctx: RequestContext, id: string, roles: Role[]): Promise<User> {
  const row = await loadUser(deps, id);
  if (row.kind !== 'staff') throw validationError([{ field: 'params.id', reason: '只有工作人员账号可以分配角色 (only staff accounts have roles)' }]);
  checkRoleSet(roles);
  const before = await repo.rolesOf(deps.db, id);
  const changed = [...roles.filter((r) => !before.includes(r)), ...before.filter((r) => !roles.includes(r))];
  if (changed.length === 0) authorize(actor, 'identity.user.read', { orgId: row.org_id, ownerId: row.id });
  for (const role of changed) authorize(actor, 'identity.user.assign-role', { orgId: row.org_id, role });
  if (actor.id === id && changed.some((r) => SEPARATED_ADMIN_ROLES.includes(r))) {
    throw new AppError('AUTH_FORBIDDEN', '不能为自己授予或撤销管理员角色 (cannot change your own admin roles)');
  }
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await repo.setRoles(trx, id, roles, now.toISOString());
    await repo.updateUser(trx, id, { updated_at: now.toISOString() });
    await deps.audit.append(trx, { actor, context: ctx, action: 'identity.user.roles', subject: { type: 'user', id }, summary: { before, after: roles } });
  });
  return presentUser(row, roles, now);
}

export interface UpdateUserInput {
  displayName?: string;
  phone?: string | null;
  status?: 'active' | 'disabled';
}

/** Changes a user's name, phone or status; disabling also ends their sessions. */
export async function updateUser(deps: IdentityDeps, actor: Actor, ctx: RequestContext, id: string, input: UpdateUserInput): Promise<User> {
  const row = await loadUser(deps, id);
  authorize(actor, 'identity.user.update', { orgId: row.org_id, ownerId: row.id });
  if (input.status === 'disabled' && actor.id === id) throw new AppError('AUTH_FORBIDDEN', '不能停用自己的账号 (cannot disable your own account)');
  const now = deps.clock.now();
  const patch: Partial<UserRow> = { updated_at: now.toISOString() };
  if (input.displayName !== undefined) patch.display_name = input.displayName.trim();
  if (input.phone !== undefined) patch.phone = input.phone;
  if (input.status !== undefined) patch.status = input.status;
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, id, patch);
    if (input.status === 'disabled') await repo.deleteSessionsOfUser(trx, id);
    await deps.audit.append(trx, { actor, context: ctx, action: 'identity.user.update', subject: { type: 'user', id }, summary: { changes: input } });
  });
  return presentUser({ ...row, ...patch }, await repo.rolesOf(deps.db, id), now);
}

/** Lifts a sign-in lock and clears the failure count. */
export async function unlockUser(deps: IdentityDeps, actor: Actor, ctx: RequestContext, id: string): Promise<User> {
  const row = await loadUser(deps, id);
  authorize(actor, 'identity.user.unlock', { orgId: row.org_id });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, id, { locked_until: null, failed_logins: 0, updated_at: now.toISOString() });
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'identity.user.unlock',
      subject: { type: 'user', id },
      summary: { wasLockedUntil: row.locked_until },
    });
  });
  return presentUser({ ...row, locked_until: null, failed_logins: 0 }, await repo.rolesOf(deps.db, id), now);
}

/** Removes a staff member's TOTP device (lost phone); they enrol again at next sign-in. */
export async function resetUserTotp(deps: IdentityDeps, actor: Actor, ctx: RequestContext, id: string): Promise<User> {
  const row = await loadUser(deps, id);
  authorize(actor, 'identity.user.reset-totp', { orgId: row.org_id });
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, id, { totp_secret: null, totp_enabled: 0, totp_last_step: null, updated_at: now.toISOString() });
    await repo.deleteSessionsOfUser(trx, id);
    await deps.audit.append(trx, { actor, context: ctx, action: 'identity.user.reset-totp', subject: { type: 'user', id } });
  });
  return presentUser({ ...row, totp_enabled: 0 }, await repo.rolesOf(deps.db, id), now);
}
