// TODO(issue 3): generate these from the server's /openapi.json (the TypeBox schemas) instead of
// declaring them by hand; until then keep every hand-written API type in this one file.

export type MfaState = 'not-required' | 'done' | 'verify' | 'enroll';

export interface User {
  id: string;
  kind: 'staff' | 'citizen' | 'agent';
  username: string;
  displayName: string;
  idNumber: string | null;
  phone: string | null;
  orgId: string | null;
  roles: string[];
  status: string;
  locked: boolean;
  lockedUntil: string | null;
  totpEnabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

/** POST /api/v1/auth/login */
export interface LoginBody {
  username: string;
  password: string;
  uscc?: string;
  totpCode?: string;
  mode: 'cookie' | 'bearer';
}
export interface LoginReply {
  mfa: MfaState;
  user: User;
  csrfToken: string;
  expiresAt: string;
}

/** GET /api/v1/auth/session */
export interface SessionInfo {
  authenticated: boolean;
  mfa?: MfaState;
  user?: User;
  csrfToken?: string;
  allowedActions: string[];
}

/** POST /api/v1/auth/totp/enroll */
export interface TotpEnrolment {
  otpauthUri: string;
  qrDataUrl: string;
  secret: string;
}

/** POST /api/v1/auth/citizens */
export interface CitizenSignUpBody {
  idNumber: string;
  name: string;
  password: string;
  phone?: string;
}

/** GET /api/v1/standards/validate */
export interface ValidationIssue {
  code: string;
  position?: number;
  expected?: string;
  actual?: string;
  part?: string;
  message: string;
  messageEn: string;
}
export interface ValidationResult {
  valid: boolean;
  errors: ValidationIssue[];
  warnings: ValidationIssue[];
  parsed: Record<string, unknown>;
}

/** GET /api/v1/me/data-access */
export interface DataAccessRecord {
  seq: number;
  occurredAt: string;
  accessor: string | null;
  accessorType: string;
  orgId: string | null;
  action: string;
  purpose: string | null;
}

/** GET /api/v1/orgs */
export interface Org {
  id: string;
  kind: 'department' | 'enterprise';
  name: string;
  uscc: string;
  regionCode: string;
  regionName: string | null;
  parentId: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** The server's single error body. */
export interface ErrorBody {
  error: { code: string; message: string; details?: { fields?: { field: string; reason: string }[]; field?: string } & Record<string, unknown> };
  requestId?: string;
}
