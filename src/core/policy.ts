import { AppError } from './errors.js';
import type { Actor, ActorType, Role } from './actor.js';

/** What an authorization decision may look at besides the actor. */
export interface PolicySubject {
  /** The organisation the subject belongs to (a user's department, the org itself). */
  orgId?: string | null;
  /** The role being granted, for role assignments. */
  role?: Role;
  /** The user the subject belongs to (own data). */
  ownerId?: string | null;
}

/** `allow(roles or actor types, action, condition)`: one authorization rule, as data. */
export interface PolicyRule {
  action: string;
  /** Any of these roles allows it (subject to `when`). */
  roles?: readonly Role[];
  /** Any actor of these types allows it (subject to `when`). */
  actorTypes?: readonly ActorType[];
  when?: (actor: Actor, subject: PolicySubject) => boolean;
}

const rules: PolicyRule[] = [];

/**
 * Adds a module's rules to the platform's policy. Each module declares its rules in its own
 * `*.policy.ts`, which its services import; several rules for one action are alternatives.
 *
 * @example definePolicy([{ action: 'calendar.update', roles: ['system-admin'] }]);
 */
export function definePolicy(moduleRules: readonly PolicyRule[]): readonly PolicyRule[] {
  rules.push(...moduleRules);
  return moduleRules;
}

/** True when some rule allows `actor` to do `action` on `subject`. */
export function can(actor: Actor, action: string, subject: PolicySubject = {}): boolean {
  return rules.some(
    (r) =>
      r.action === action &&
      ((r.roles?.some((role) => actor.roles.includes(role)) ?? false) || (r.actorTypes?.includes(actor.type) ?? false)) &&
      (!r.when || r.when(actor, subject)),
  );
}

/**
 * Throws unless `actor` may do `action`: AUTH_REQUIRED for an anonymous caller, AUTH_FORBIDDEN
 * otherwise. Handlers and services call this; no rule lives in a handler.
 *
 * @example authorize(request.actor, 'identity.org.create');
 */
export function authorize(actor: Actor, action: string, subject: PolicySubject = {}): void {
  if (can(actor, action, subject)) return;
  if (actor.type === 'anonymous') throw new AppError('AUTH_REQUIRED');
  throw new AppError('AUTH_FORBIDDEN', `无权执行该操作（${action}）`, { action });
}

/** The actions an actor may do without a subject condition (drives the console's navigation). */
export function allowedActions(actor: Actor): string[] {
  return [...new Set(rules.filter((r) => !r.when && can(actor, r.action)).map((r) => r.action))].sort();
}
