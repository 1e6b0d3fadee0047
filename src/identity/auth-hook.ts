import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS_ACTOR } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { authenticateApiKey, authenticateSession, type Authenticated } from './auth.service.js';
import type { IdentityDeps } from './identity.deps.js';

export const SESSION_COOKIE = 'zt_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated identity behind the request, if any (also while MFA is pending). */
    auth: Authenticated | undefined;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Authenticates every request as it arrives (before its body is parsed or validated): an API key (`X-API-Key` or
 * `Authorization: ApiKey …`), a bearer token, or the session cookie. A bad API key or bearer
 * token is refused at once; a stale cookie is cleared and the request continues anonymously.
 * Cookie sessions must send their CSRF token in `X-CSRF-Token` on every unsafe method.
 * A staff session whose second factor is pending acts as anonymous except on the TOTP routes.
 */
export function registerAuthHook(app: HttpApp, deps: IdentityDeps, cookieOptions: { secure: boolean }): void {
  app.decorateRequest('auth', undefined);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const apiKey = (request.headers['x-api-key'] as string | undefined) ?? (header?.startsWith('ApiKey ') ? header.slice(7).trim() : undefined);
    let auth: Authenticated | undefined;
    if (apiKey) {
      auth = await authenticateApiKey(deps, apiKey);
    } else if (header?.startsWith('Bearer ')) {
      auth = await authenticateSession(deps, header.slice(7).trim(), 'bearer');
    } else {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) {
        try {
          auth = await authenticateSession(deps, cookie, 'cookie');
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: cookieOptions.secure });
          reply.header('x-session-expired', '1');
        }
        if (auth && !SAFE_METHODS.has(request.method)) {
          const given = request.headers['x-csrf-token'];
          if (typeof given !== 'string' || !sameToken(given, auth.session!.csrf_token)) throw new AppError('AUTH_CSRF_INVALID');
        }
      }
    }
    request.auth = auth;
    request.actor = auth && (auth.mfa === 'done' || auth.mfa === 'not-required') ? auth.actor : ANONYMOUS_ACTOR;
  });
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS. */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure });
}

/** The signed-in identity (MFA may be pending), or AUTH_REQUIRED. */
export function requireAuth(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new AppError('AUTH_REQUIRED');
  return request.auth;
}
