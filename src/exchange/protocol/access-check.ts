import type { ConfAccessRight } from './globalconf.js';

export interface AccessQuery {
  client: string;
  service: string;
  method: string;
  /** The path below the service (`/persons/110…`), normalised; `/` for the service itself. */
  subpath: string;
  purpose: string;
  /** ISO instant. */
  at: string;
}

function endpointMatches(e: { method: string; path: string }, method: string, subpath: string): boolean {
  if (e.method !== '*' && e.method !== method) return false;
  if (e.path.endsWith('/*')) {
    const prefix = e.path.slice(0, -1); // keeps the trailing slash
    return subpath.startsWith(prefix) && subpath.length > prefix.length;
  }
  return e.path === subpath;
}

/**
 * The access right that allows this call, or why none does. A right allows a call when it names
 * the consumer and the service, is in its period, its purpose is the stated one, and one of its
 * endpoints (none = all) matches the method and the normalised path.
 */
export function findAccessRight(rights: readonly ConfAccessRight[], q: AccessQuery): { right: ConfAccessRight } | { denied: string } {
  const mine = rights.filter((r) => r.consumer === q.client && r.service === q.service);
  if (mine.length === 0) return { denied: 'no access right for this consumer and service' };
  const current = mine.filter((r) => r.validFrom <= q.at && (r.validUntil === null || r.validUntil > q.at));
  if (current.length === 0) return { denied: 'the access right is not valid at this time' };
  const purposed = current.filter((r) => r.purpose === q.purpose);
  if (purposed.length === 0) return { denied: 'the stated purpose (X-Road-Purpose) is not the granted one' };
  const right = purposed.find((r) => r.endpoints.length === 0 || r.endpoints.some((e) => endpointMatches(e, q.method, q.subpath)));
  return right ? { right } : { denied: `${q.method} ${q.subpath} is not a granted endpoint` };
}

/**
 * Normalises the path below a service and refuses tricks: encoded slashes, dots or backslashes,
 * and `.`/`..` segments (X-Road once matched rules before normalising). Returns undefined when refused.
 */
export function normaliseSubpath(raw: string): string | undefined {
  if (raw === '') return '/';
  if (/%2f|%5c|%2e|\\/i.test(raw)) return undefined;
  const segments = raw.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return undefined;
  try {
    for (const s of segments) decodeURIComponent(s);
  } catch {
    return undefined;
  }
  return '/' + segments.join('/');
}
