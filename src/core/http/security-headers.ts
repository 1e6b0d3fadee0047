import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The headers @fastify/helmet sets for `options`, read once from a throwaway instance. Without
 * CSP nonces or per-route helmet settings they are the same for every response, while the plugin
 * builds helmet's middleware (parsing the CSP directives) anew for each request.
 *
 * @example await helmetHeadersOf({ contentSecurityPolicy: false }) // { 'x-frame-options': 'SAMEORIGIN', … }
 */
export async function helmetHeadersOf(options: FastifyHelmetOptions): Promise<Record<string, string | number | string[]>> {
  const probe = Fastify();
  const headers: Record<string, string | number | string[]> = {};
  try {
    await probe.register(fastifyHelmet, { ...options, global: true });
    // Runs after helmet's own onRequest hooks: the raw response holds what they set, and nothing else yet.
    probe.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of Object.entries(reply.raw.getHeaders())) if (value !== undefined) headers[name] = value;
      done();
    });
    probe.get('/', async () => '');
    await probe.inject('/');
  } finally {
    await probe.close();
  }
  return headers;
}

/**
 * Sets helmet's headers for `options` on every response of `app`, computed once (`helmetHeadersOf`).
 * For an app whose routes use neither per-route helmet settings nor CSP nonces.
 */
export async function registerSecurityHeaders(app: FastifyInstance, options: FastifyHelmetOptions): Promise<void> {
  const entries = Object.entries(await helmetHeadersOf(options));
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of entries) reply.raw.setHeader(name, value);
    done();
  });
}
