/**
 * Who is doing something: the shared vocabulary of identity (which authenticates actors),
 * policies (which authorize them) and audit (which records them).
 */
export type ActorType = 'staff' | 'citizen' | 'agent' | 'system' | 'anonymous';

export const ROLES = ['system-admin', 'security-admin', 'audit-admin', 'dept-admin', 'dept-staff', 'catalog-reviewer'] as const;
export type Role = (typeof ROLES)[number];

/** The three separated administrators (等保 三员分立): no account may hold two of them. */
export const SEPARATED_ADMIN_ROLES: readonly Role[] = ['system-admin', 'security-admin', 'audit-admin'];

export interface Actor {
  type: ActorType;
  /** The user id; absent for anonymous and system actors. */
  id?: string;
  /** Display name for audit readers. */
  name?: string;
  /** The organisation the actor acts for: a department for staff, an enterprise for agents. */
  orgId?: string;
  roles: readonly Role[];
  /** The citizen's identity number (citizens only): whose personal data is "their own". */
  idNumber?: string;
}

/** Where a request came from, carried into audit records. */
export interface RequestContext {
  requestId?: string;
  clientIp?: string;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', name: 'zhengtong', roles: [] };
export const ANONYMOUS_ACTOR: Actor = { type: 'anonymous', roles: [] };
