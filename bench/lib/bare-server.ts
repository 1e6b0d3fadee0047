import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';

/**
 * The baseline: a bare Fastify 5 app (no plugins, no hooks, logger off) with one GET route that
 * returns `payload`, listening on a random loopback port.
 */
export async function startBareFastify(payload: unknown): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false });
  app.get('/bench', async () => payload);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}
