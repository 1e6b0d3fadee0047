import { createHash, timingSafeEqual } from 'node:crypto';
import type { Actor, RequestContext, Role } from '../core/actor.js';
import { AppError, validationError } from '../core/errors.js';
import { newId, randomToken } from '../core/ids.js';
import type { IdentityDeps } from './identity.deps.js';
import * as repo from './identity.repository.js';
import type { SessionRow, UserRow } from './identity.repository.js';
import { hashPassword, verifyPassword } from './password.js';
import { authorize } from '../core/policy.js';
import './identity.policy.js';
import { checkTotp, createTotpEnrolment } from './totp.js';
import { maskIdNumber, presentUser, type User } from './user.service.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** What a second factor still needs: staff must enrol or enter a TOTP code before they get their roles. */
export type MfaState = 'not-required' | 'done' | 'verify' | 'enroll';

export interface LoginInput {
  username: string;
  password: string;
  /** Enterprise agents: the USCC of the enterprise they act for. */
  uscc?: string;
  /** Staff may send the TOTP code with the password (API clients). */
  totpCode?: string;
  kind: 'cookie' | 'bearer';
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  expiresAt: string;
  mfa: MfaState;
  user: User;
}

/** An authenticated request's identity: the actor (with roles only once MFA is done) and its session. */
export interface Authenticated {
  /** The user's identity; roles are empty until a staff member's second factor is done. */
  actor: Actor;
  session?: SessionRow;
  mfa: MfaState;
  via: 'cookie' | 'bearer' | 'api-key';
}

let dummyHash: Promise<string> | undefined;

function actorOf(user: Pick<UserRow, 'kind' | 'id' | 'display_name' | 'org_id' | 'id_number'>, roles: Role[], mfa: MfaState): Actor {
  const granted = mfa === 'done' || mfa === 'not-required';
  return {
    type: user.kind,
    id: user.id,
    name: user.display_name,
    ...(user.org_id ? { orgId: user.org_id } : {}),
    ...(user.kind === 'citizen' && user.id_number ? { idNumber: user.id_number } : {}),
    roles: granted ? roles : [],
  };
}

function mfaOf(user: Pick<UserRow, 'kind' | 'totp_enabled'>, session: { mfa_done: number }): MfaState {
  if (user.kind !== 'staff') return 'not-required';
  if (session.mfa_done === 1) return 'done';
  return user.totp_enabled === 1 ? 'verify' : 'enroll';
}

/** Counts a failed factor; locks the account at the limit. Returns true when it just locked. */
async function recordFailure(deps: IdentityDeps, user: UserRow, ctx: RequestContext, factor: 'password' | 'totp'): Promise<boolean> {
  const now = deps.clock.now();
  const failures = user.failed_logins + 1;
  const lock = failures >= deps.settings.maxFailures;
  const lockedUntil = lock ? new Date(now.getTime() + deps.settings.lockMs).toISOString() : null;
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, { failed_logins: lock ? 0 : failures, locked_until: lockedUntil, updated_at: now.toISOString() });
    const actor: Actor = { type: user.kind, id: user.id, name: user.display_name, ...(user.org_id ? { orgId: user.org_id } : {}), roles: [] };
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'auth.login',
      outcome: 'failure',
      subject: { type: 'user', id: user.id },
      summary: { factor, failures },
    });
    if (lock)
      await deps.audit.append(trx, { actor, context: ctx, action: 'auth.account.lock', subject: { type: 'user', id: user.id }, summary: { lockedUntil } });
  });
  return lock;
}

function lockedError(until: string): AppError {
  return new AppError('AUTH_ACCOUNT_LOCKED', `连续登录失败次数过多，账号已锁定至 ${until}`, { lockedUntil: until });
}

/**
 * Signs a user in with account name and password (and, for staff, optionally the TOTP code).
 * Five failures lock the account for 15 minutes. Staff sessions carry no roles until the second
 * factor is entered (or enrolled). Every attempt is audited; passwords never are.
 *
 * @throws AUTH_INVALID_CREDENTIALS, AUTH_ACCOUNT_LOCKED, AUTH_ACCOUNT_DISABLED, AUTH_TOTP_INVALID.
 */
export async function login(deps: IdentityDeps, ctx: RequestContext, input: LoginInput): Promise<LoginResult> {
  const name = input.username.trim();
  const user = (await repo.findUserByUsername(deps.db, name)) ?? (await repo.findUserByUsername(deps.db, name.toUpperCase()));
  const now = deps.clock.now();
  if (!user || !user.password_hash || user.status === 'unclaimed') {
    // Spend the same time as a real check so account names cannot be probed by timing.
    dummyHash ??= hashPassword('not-a-real-password', deps.settings.passwordCost);
    await verifyPassword(input.password, await dummyHash);
    await deps.audit.record({
      actor: { type: 'anonymous', roles: [] },
      context: ctx,
      action: 'auth.login',
      outcome: 'failure',
      summary: { username: /^\d{17}[\dX]$/i.test(name) ? maskIdNumber(name) : name.slice(0, 64), reason: 'unknown-account' },
    });
    throw new AppError('AUTH_INVALID_CREDENTIALS');
  }
  if (user.locked_until && user.locked_until > now.toISOString()) throw lockedError(user.locked_until);
  if (!(await verifyPassword(input.password, user.password_hash))) {
    const locked = await recordFailure(deps, user, ctx, 'password');
    if (locked) throw lockedError(new Date(now.getTime() + deps.settings.lockMs).toISOString());
    throw new AppError('AUTH_INVALID_CREDENTIALS', undefined, { remainingAttempts: deps.settings.maxFailures - user.failed_logins - 1 });
  }
  if (user.status === 'disabled') throw new AppError('AUTH_ACCOUNT_DISABLED');
  if (user.kind === 'agent') {
    const org = user.org_id ? await repo.findOrg(deps.db, user.org_id) : undefined;
    if (!org || !input.uscc || org.uscc !== input.uscc.trim().toUpperCase()) {
      await recordFailure(deps, user, ctx, 'password');
      throw new AppError('AUTH_INVALID_CREDENTIALS', '账号、密码或统一社会信用代码错误', { field: 'body.uscc' });
    }
  }
  let mfaDone = 0;
  let totpStep: number | null = null;
  if (user.kind === 'staff' && user.totp_enabled === 1 && input.totpCode) {
    totpStep = checkTotp(deps.secrets.open(user.totp_secret ?? ''), input.totpCode, now);
    if (totpStep === null || (user.totp_last_step !== null && totpStep <= user.totp_last_step)) {
      const locked = await recordFailure(deps, user, ctx, 'totp');
      if (locked) throw lockedError(new Date(now.getTime() + deps.settings.lockMs).toISOString());
      throw new AppError('AUTH_TOTP_INVALID', undefined, { field: 'body.totpCode' });
    }
    mfaDone = 1;
  }
  const token = randomToken();
  const session: SessionRow = {
    id: sha256(token),
    user_id: user.id,
    kind: input.kind,
    csrf_token: randomToken(24),
    mfa_done: mfaDone,
    client_ip: ctx.clientIp ?? null,
    created_at: now.toISOString(),
    last_seen_at: now.toISOString(),
    expires_at: new Date(now.getTime() + deps.settings.sessionMaxMs).toISOString(),
  };
  const roles = await repo.rolesOf(deps.db, user.id);
  const mfa = mfaOf(user, session);
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, {
      failed_logins: 0,
      locked_until: null,
      last_login_at: now.toISOString(),
      ...(totpStep !== null ? { totp_last_step: totpStep } : {}),
    });
    await repo.insertSession(trx, session);
    await deps.audit.append(trx, {
      actor: actorOf(user, roles, mfa),
      context: ctx,
      action: 'auth.login',
      subject: { type: 'user', id: user.id },
      summary: { via: input.kind, mfa },
    });
  });
  return { token, csrfToken: session.csrf_token, expiresAt: session.expires_at, mfa, user: presentUser(user, roles, now, { unmasked: true }) };
}

/**
 * Resolves a session token. Sessions idle for 30 minutes, or past their absolute expiry, are
 * removed and refused with AUTH_SESSION_EXPIRED. Activity is recorded at most once a minute.
 */
export async function authenticateSession(deps: IdentityDeps, token: string, via: 'cookie' | 'bearer'): Promise<Authenticated> {
  const found = await repo.findSessionWithUser(deps.db, sha256(token));
  if (!found || found.session.kind !== via) throw new AppError('AUTH_SESSION_EXPIRED');
  const { session, user, roles } = found;
  const now = deps.clock.now();
  const idleSince = now.getTime() - new Date(session.last_seen_at).getTime();
  if (idleSince > deps.settings.sessionIdleMs || session.expires_at < now.toISOString()) {
    await repo.deleteSession(deps.db, session.id);
    throw new AppError('AUTH_SESSION_EXPIRED');
  }
  if (!user || user.status !== 'active') {
    await repo.deleteSession(deps.db, session.id);
    throw new AppError('AUTH_SESSION_EXPIRED');
  }
  if (idleSince > 60_000) await repo.touchSession(deps.db, session.id, now.toISOString());
  const mfa = mfaOf(user, session);
  return { actor: actorOf(user, roles, mfa), session, mfa, via };
}

/** Ends a session (sign-out). */
export async function logout(deps: IdentityDeps, auth: Authenticated, ctx: RequestContext): Promise<void> {
  if (!auth.session) return;
  const session = auth.session;
  await deps.db.transaction().execute(async (trx) => {
    await repo.deleteSession(trx, session.id);
    await deps.audit.append(trx, { actor: auth.actor, context: ctx, action: 'auth.logout', subject: { type: 'user', id: session.user_id } });
  });
}

/** Removes expired sessions (a periodic job). */
export async function purgeExpiredSessions(deps: IdentityDeps): Promise<number> {
  const now = deps.clock.now();
  return repo.deleteExpiredSessions(deps.db, new Date(now.getTime() - deps.settings.sessionIdleMs).toISOString(), now.toISOString());
}

async function sessionUser(deps: IdentityDeps, auth: Authenticated): Promise<UserRow> {
  if (!auth.session || auth.actor.type !== 'staff' || !auth.actor.id)
    throw new AppError('AUTH_REQUIRED', '仅工作人员会话可以绑定动态口令 (staff sessions only)');
  const user = await repo.findUser(deps.db, auth.actor.id);
  if (!user) throw new AppError('AUTH_REQUIRED');
  return user;
}

/**
 * Starts TOTP enrolment for the signed-in staff member: a new secret (stored encrypted, not yet
 * active) and its otpauth URI and QR code. Refused when a device is already active — replacing
 * it needs the security admin's reset, so a stolen password alone cannot swap the device.
 */
export async function beginTotpEnrolment(deps: IdentityDeps, auth: Authenticated, ctx: RequestContext) {
  const user = await sessionUser(deps, auth);
  if (user.totp_enabled === 1) throw new AppError('CONFLICT', '已绑定动态口令设备；如需更换请联系安全管理员重置 (a device is already enrolled)');
  const enrolment = await createTotpEnrolment(user.username);
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, { totp_secret: deps.secrets.seal(enrolment.secretBase32), updated_at: deps.clock.now().toISOString() });
    await deps.audit.append(trx, { actor: auth.actor, context: ctx, action: 'auth.totp.enrol-start', subject: { type: 'user', id: user.id } });
  });
  return { otpauthUri: enrolment.otpauthUri, qrDataUrl: enrolment.qrDataUrl, secret: enrolment.secretBase32 };
}

async function checkCode(deps: IdentityDeps, user: UserRow, ctx: RequestContext, code: string): Promise<number> {
  const now = deps.clock.now();
  if (user.locked_until && user.locked_until > now.toISOString()) throw lockedError(user.locked_until);
  if (!user.totp_secret) throw new AppError('AUTH_TOTP_NOT_ENROLLED');
  const step = checkTotp(deps.secrets.open(user.totp_secret), code, now);
  if (step === null || (user.totp_last_step !== null && step <= user.totp_last_step)) {
    if (await recordFailure(deps, user, ctx, 'totp')) throw lockedError(new Date(now.getTime() + deps.settings.lockMs).toISOString());
    throw new AppError('AUTH_TOTP_INVALID', undefined, { field: 'body.code' });
  }
  return step;
}

/** Confirms enrolment with a first code: the device becomes active and the session gets its roles. */
export async function activateTotp(deps: IdentityDeps, auth: Authenticated, ctx: RequestContext, code: string): Promise<MfaState> {
  const user = await sessionUser(deps, auth);
  if (user.totp_enabled === 1) throw new AppError('CONFLICT', '已绑定动态口令设备 (already enrolled)');
  const step = await checkCode(deps, user, ctx, code);
  const session = auth.session!;
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, { totp_enabled: 1, totp_last_step: step, failed_logins: 0, updated_at: deps.clock.now().toISOString() });
    await repo.markSessionMfaDone(trx, session.id);
    await deps.audit.append(trx, { actor: auth.actor, context: ctx, action: 'auth.totp.enrol', subject: { type: 'user', id: user.id } });
  });
  return 'done';
}

/** The second step of a staff sign-in: the TOTP code. */
export async function verifyTotp(deps: IdentityDeps, auth: Authenticated, ctx: RequestContext, code: string): Promise<MfaState> {
  const user = await sessionUser(deps, auth);
  if (user.totp_enabled !== 1) throw new AppError('AUTH_TOTP_NOT_ENROLLED');
  const step = await checkCode(deps, user, ctx, code);
  const session = auth.session!;
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateUser(trx, user.id, { totp_last_step: step, failed_logins: 0 });
    await repo.markSessionMfaDone(trx, session.id);
    await deps.audit.append(trx, { actor: auth.actor, context: ctx, action: 'auth.totp.verify', subject: { type: 'user', id: user.id } });
  });
  return 'done';
}

// ── API keys ────────────────────────────────────────────────────────────────

const API_KEY = /^ztk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * Creates an API key for the signed-in staff member (for systems calling the API as them).
 * The full key is returned once; only its hash is kept.
 */
export async function createApiKey(deps: IdentityDeps, actor: Actor, ctx: RequestContext, name: string) {
  authorize(actor, 'identity.apikey.manage', { ownerId: actor.id ?? null });
  if (name.trim().length === 0) throw validationError([{ field: 'body.name', reason: '不能为空 (must not be empty)' }]);
  const prefix = randomToken(9)
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 12);
  const secret = randomToken(32);
  const now = deps.clock.now().toISOString();
  const row = {
    id: newId(),
    user_id: actor.id!,
    name: name.trim(),
    prefix,
    secret_hash: sha256(secret),
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await repo.insertApiKey(trx, row);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'identity.apikey.create',
      subject: { type: 'api-key', id: row.id },
      summary: { name: row.name, prefix },
    });
  });
  return { id: row.id, name: row.name, prefix, createdAt: now, key: `ztk_${prefix}_${secret}` };
}

export async function listApiKeys(deps: IdentityDeps, actor: Actor) {
  authorize(actor, 'identity.apikey.manage', { ownerId: actor.id ?? null });
  const rows = await repo.listApiKeys(deps.db, actor.id!);
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}

export async function revokeApiKey(deps: IdentityDeps, actor: Actor, ctx: RequestContext, id: string): Promise<void> {
  const rows = await repo.listApiKeys(deps.db, actor.id ?? '');
  const row = rows.find((r) => r.id === id);
  authorize(actor, 'identity.apikey.manage', { ownerId: row?.user_id ?? null });
  if (!row) throw new AppError('NOT_FOUND', 'API 密钥不存在 (no such API key)');
  await deps.db.transaction().execute(async (trx) => {
    await repo.revokeApiKey(trx, id, deps.clock.now().toISOString());
    await deps.audit.append(trx, { actor, context: ctx, action: 'identity.apikey.revoke', subject: { type: 'api-key', id } });
  });
}

/** Resolves an API key to its owner's identity (roles included: the key was made after MFA). */
export async function authenticateApiKey(deps: IdentityDeps, key: string): Promise<Authenticated> {
  const m = API_KEY.exec(key);
  if (!m) throw new AppError('AUTH_REQUIRED', 'API 密钥格式不正确 (malformed API key)');
  const row = await repo.findApiKeyByPrefix(deps.db, m[1]!);
  const given = Buffer.from(sha256(m[2]!), 'hex');
  if (!row || row.revoked_at || !timingSafeEqual(given, Buffer.from(row.secret_hash, 'hex')))
    throw new AppError('AUTH_REQUIRED', 'API 密钥无效或已吊销 (invalid or revoked API key)');
  const user = await repo.findUser(deps.db, row.user_id);
  if (!user || user.status !== 'active') throw new AppError('AUTH_ACCOUNT_DISABLED');
  const now = deps.clock.now();
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) await repo.touchApiKey(deps.db, row.id, now.toISOString());
  return { actor: actorOf(user, await repo.rolesOf(deps.db, user.id), 'not-required'), mfa: 'not-required', via: 'api-key' };
}
