import { Type } from 'typebox';
import { allowedActions } from '../core/policy.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StrictObject } from '../core/http/schema-helpers.js';
import { clearSessionCookie, requireAuth, setSessionCookie } from './auth-hook.js';
import * as auth from './auth.service.js';
import type { IdentityDeps } from './identity.deps.js';
import { AgentSignUpBody, CitizenSignUpBody, IdParams, LoginBody, LoginReply, SessionInfo, TotpCodeBody } from './identity.schemas.js';
import * as users from './user.service.js';

/** Sign-in, sign-out, sign-up, second factor and API keys under /api/v1/auth. */
export async function authRoutes(app: HttpApp, deps: IdentityDeps, options: { secureCookies: boolean; rateLimitPerMinute: number }): Promise<void> {
  // Authentication routes are rate limited per client address (ZT_AUTH_RATE_LIMIT a minute);
  // per-account guessing is stopped by the lock after 5 failures.
  const AUTH_RATE = { max: options.rateLimitPerMinute, timeWindow: '1 minute' };
  const tags = ['auth'];

  app.post(
    '/api/v1/auth/login',
    {
      config: { rateLimit: AUTH_RATE },
      schema: { tags, summary: '登录 / sign in', body: LoginBody, response: { 200: LoginReply, ...errorResponses } },
    },
    async (request, reply) => {
      const { username, password, uscc, totpCode, mode } = request.body;
      const result = await auth.login(deps, request.ctx, { username, password, kind: mode, ...(uscc ? { uscc } : {}), ...(totpCode ? { totpCode } : {}) });
      if (mode === 'cookie') setSessionCookie(reply, result.token, options.secureCookies);
      return {
        mfa: result.mfa,
        user: result.user,
        csrfToken: result.csrfToken,
        expiresAt: result.expiresAt,
        ...(mode === 'bearer' ? { token: result.token } : {}),
      };
    },
  );

  app.post('/api/v1/auth/logout', { schema: { tags, summary: '退出登录 / sign out', response: { 204: Type.Null() } } }, async (request, reply) => {
    if (request.auth) await auth.logout(deps, request.auth, request.ctx);
    clearSessionCookie(reply, options.secureCookies);
    return reply.status(204).send(null);
  });

  app.get('/api/v1/auth/session', { schema: { tags, summary: '当前会话 / current session', response: { 200: SessionInfo } } }, async (request) => {
    const a = request.auth;
    if (!a || !a.actor.id) return { authenticated: false, allowedActions: allowedActions(request.actor) };
    const user = await users.getUser(deps, { ...a.actor, roles: a.actor.roles }, a.actor.id);
    return {
      authenticated: true,
      mfa: a.mfa,
      user,
      ...(a.session && a.via === 'cookie' ? { csrfToken: a.session.csrf_token } : {}),
      allowedActions: allowedActions(request.actor),
    };
  });

  app.post(
    '/api/v1/auth/totp/enroll',
    {
      config: { rateLimit: AUTH_RATE },
      schema: {
        tags,
        summary: '开始绑定动态口令 / start TOTP enrolment',
        response: { 200: Type.Object({ otpauthUri: Type.String(), qrDataUrl: Type.String(), secret: Type.String() }), ...errorResponses },
      },
    },
    async (request) => auth.beginTotpEnrolment(deps, requireAuth(request), request.ctx),
  );

  app.post(
    '/api/v1/auth/totp/activate',
    {
      config: { rateLimit: AUTH_RATE },
      schema: {
        tags,
        summary: '确认绑定动态口令 / confirm TOTP enrolment',
        body: TotpCodeBody,
        response: { 200: Type.Object({ mfa: Type.String() }), ...errorResponses },
      },
    },
    async (request) => ({ mfa: await auth.activateTotp(deps, requireAuth(request), request.ctx, request.body.code) }),
  );

  app.post(
    '/api/v1/auth/totp/verify',
    {
      config: { rateLimit: AUTH_RATE },
      schema: {
        tags,
        summary: '输入动态口令 / enter TOTP code',
        body: TotpCodeBody,
        response: { 200: Type.Object({ mfa: Type.String() }), ...errorResponses },
      },
    },
    async (request) => ({ mfa: await auth.verifyTotp(deps, requireAuth(request), request.ctx, request.body.code) }),
  );

  app.post(
    '/api/v1/auth/citizens',
    {
      config: { rateLimit: AUTH_RATE },
      schema: { tags, summary: '市民注册 / citizen sign-up', body: CitizenSignUpBody, response: { 201: Type.Ref('User'), ...errorResponses } },
    },
    async (request, reply) => reply.status(201).send(await users.signUpCitizen(deps, request.ctx, request.body)),
  );

  app.post(
    '/api/v1/auth/agents',
    {
      config: { rateLimit: AUTH_RATE },
      schema: { tags, summary: '企业经办人注册 / enterprise agent sign-up', body: AgentSignUpBody, response: { 201: Type.Ref('User'), ...errorResponses } },
    },
    async (request, reply) => reply.status(201).send(await users.signUpAgent(deps, request.ctx, request.body)),
  );

  const ApiKey = Type.Object({
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String(),
    createdAt: Type.String(),
    lastUsedAt: Type.Union([Type.String(), Type.Null()]),
    revokedAt: Type.Union([Type.String(), Type.Null()]),
  });
  app.get(
    '/api/v1/auth/api-keys',
    { schema: { tags, summary: '我的 API 密钥 / my API keys', response: { 200: Type.Array(ApiKey), ...errorResponses } } },
    async (request) => auth.listApiKeys(deps, request.actor),
  );
  app.post(
    '/api/v1/auth/api-keys',
    {
      schema: {
        tags,
        summary: '创建 API 密钥（只显示一次）/ create an API key (shown once)',
        body: StrictObject({ name: Type.String({ minLength: 1, maxLength: 60 }) }),
        response: {
          201: Type.Object({ id: Type.String(), name: Type.String(), prefix: Type.String(), createdAt: Type.String(), key: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await auth.createApiKey(deps, request.actor, request.ctx, request.body.name)),
  );
  app.delete(
    '/api/v1/auth/api-keys/:id',
    { schema: { tags, summary: '吊销 API 密钥 / revoke an API key', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await auth.revokeApiKey(deps, request.actor, request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
