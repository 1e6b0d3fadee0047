import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fastifyCompress from '@fastify/compress';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import { ANONYMOUS_ACTOR, type Actor, type RequestContext } from '../actor.js';
import { AppError } from '../errors.js';
import { handleError } from './error-handler.js';
import { registerSecurityHeaders } from './security-headers.js';
import { ErrorBody } from './schema-helpers.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; ANONYMOUS_ACTOR until authentication says otherwise. */
    actor: Actor;
    /** Request id and client address, for audit records. */
    ctx: RequestContext;
  }
}

/** The Fastify instance type every module's routes are written against. */
export type HttpApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface HttpAppOptions {
  logLevel?: string;
  bodyLimit?: number;
  /** Checks that the database answers, for /readyz. */
  ready?: () => Promise<boolean>;
  version?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds the Fastify app with the platform's HTTP conventions: request ids (taken from a
 * well-formed `X-Request-Id` or generated), security headers, the single error shape, a JSON 404,
 * body limits, rate limiting (opt-in per route), OpenAPI 3.1 at /openapi.json and a reference at
 * /docs, /healthz and /readyz. Modules add their routes as plugins afterwards.
 */
export async function createHttpApp(options: HttpAppOptions = {}): Promise<HttpApp> {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["x-csrf-token"]'], censor: '[redacted]' },
    },
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    trustProxy: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Query strings, params and headers arrive as text, so they are coerced ("5" → 5); bodies are
  // JSON and must carry the right types: a number where a string belongs is an error, not "42".
  const coercing = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true, strict: false });
  const strict = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: false, useDefaults: true, strict: false });
  addFormats.default(coercing);
  addFormats.default(strict);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));

  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.addHook('onRequest', async (request, reply) => {
    request.actor = ANONYMOUS_ACTOR;
    request.ctx = { requestId: request.id, clientIp: request.ip };
    reply.header('x-request-id', request.id);
  });

  // Response compression (brotli or gzip, as the client accepts) for JSON, scripts, styles and
  // HTML over 1 KB. First, because it attaches itself to each route as the route is added. The
  // web app's hashed assets are compressed once at build time and served as they are (web.ts).
  await app.register(fastifyCompress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });

  app.setErrorHandler((error, request, reply) => handleError(error as Error, request, reply));
  app.setNotFoundHandler((request) => {
    throw new AppError('ROUTE_NOT_FOUND', `接口不存在：${request.method} ${request.url.split('?')[0]}`);
  });

  // The web app (src/core/http/web.ts) loads only its own scripts and styles. AntD styles its
  // components with CSS-in-JS, which injects <style> elements, so style-src needs 'unsafe-inline'
  // (helmet's default also allowed any https: stylesheet; that is dropped). Scripts stay 'self' only.
  // helmet's headers, computed once (no route sets its own helmet options or uses CSP nonces).
  await registerSecurityHeaders(app, {
    // upgrade-insecure-requests is off: the platform is served over plain HTTP on an intranet or
    // loopback unless a TLS proxy fronts it, and upgrading would break every asset there.
    contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'], 'style-src': ["'self'", "'unsafe-inline'"], 'upgrade-insecure-requests': null } },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new AppError('RATE_LIMITED', `请求过于频繁，请在 ${ctx.after} 后重试`, { retryAfter: ctx.after }),
  });
  app.addSchema(ErrorBody);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'zhengtong 政通 API',
        description: '国家电子政务总体框架开源实现 — the platform API. Errors share one body: `{ error: { code, message, details? }, requestId }`.',
        version: options.version ?? '0.1.0',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'zt_session' },
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list', deepLinking: true } });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { tags: ['ops'], summary: '进程存活 / process is up' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['ops'], summary: '数据库可用 / database reachable' } }, async () => {
    const ok = options.ready ? await options.ready() : true;
    if (!ok) throw new AppError('SERVICE_UNAVAILABLE', '数据库不可用 / database unreachable');
    return { status: 'ready' };
  });
  return app;
}
