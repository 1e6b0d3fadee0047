import type { BodyOf, ErrorBody, Method, ParamsOf, PathWith, QueryOf, ReplyOf } from './types';

/** A field the server rejected, with the path stripped of its `body.`/`query.` prefix (`idNumber`). */
export interface FieldError {
  field: string;
  reason: string;
}

/** Any failed API call: the server's stable code and message, and the fields it named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the caller must sign in (again). */
  get needsSignIn(): boolean {
    return this.status === 401 && (this.code === 'AUTH_REQUIRED' || this.code === 'AUTH_SESSION_EXPIRED');
  }
}

let csrfToken: string | undefined;
let language = 'zh-CN';

/** Remembers the session's CSRF token (from the login reply or GET /auth/session); undefined forgets it. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The language asked of the server for its messages. */
export function setApiLanguage(lang: string): void {
  language = lang;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The language and, for unsafe methods, CSRF headers of a call made with fetch directly (a file body, a streamed reply). */
export function apiHeaders(method: string): Record<string, string> {
  return { 'Accept-Language': language, ...(!SAFE.has(method) && csrfToken ? { 'X-CSRF-Token': csrfToken } : {}) };
}

function stripPrefix(field: string): string {
  return field.replace(/^(body|query|params|headers)\.?/, '') || field;
}

/** A non-2xx reply's body as an ApiError (for calls made with fetch directly, e.g. file uploads). */
export function toApiError(status: number, body: unknown): ApiError {
  const e = (body as Partial<ErrorBody> | null)?.error;
  if (!e || typeof e.code !== 'string') return new ApiError(status, 'HTTP_' + status, `HTTP ${status}`);
  const fields: FieldError[] = (e.details?.fields ?? []).map((f) => ({ field: stripPrefix(f.field), reason: f.reason }));
  if (fields.length === 0 && typeof e.details?.field === 'string') fields.push({ field: stripPrefix(e.details.field), reason: e.message });
  return new ApiError(status, e.code, e.message, fields, (body as ErrorBody).requestId);
}

/**
 * Calls the platform API with JSON in and out. Unsafe methods carry `X-CSRF-Token`; a non-2xx reply
 * becomes an ApiError with the server's code, message and field errors; a network failure becomes
 * ApiError NETWORK.
 *
 * @example const orgs = await api<Page<Org>>('GET', '/api/v1/orgs', { query: { limit: 20 } });
 */
export async function api<T>(method: string, path: string, options: { body?: unknown; query?: Record<string, string | number | undefined> } = {}): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const headers: Record<string, string> = { Accept: 'application/json', 'Accept-Language': language };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', language === 'en' ? 'Cannot reach the server' : '无法连接服务器，请检查网络');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw toApiError(response.status, body);
  return body as T;
}

/**
 * `api` typed from the server's OpenAPI document: the path must exist for the method, `{id}`-style
 * parameters come from `params`, and the query, body and reply types are the server's.
 *
 * @example const user = await call('put', '/api/v1/users/{id}/roles', { params: { id }, body: { roles: ['dept-staff'] } });
 */
export function call<M extends Method, P extends PathWith<M>>(
  method: M,
  path: P,
  options: { params?: ParamsOf<P, M>; query?: QueryOf<P, M>; body?: BodyOf<P, M> } = {},
): Promise<ReplyOf<P, M>> {
  const params = (options.params ?? {}) as Record<string, string>;
  const url = (path as string).replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
  return api<ReplyOf<P, M>>(method.toUpperCase(), url, {
    ...(options.query ? { query: options.query as Record<string, string | number | undefined> } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}
