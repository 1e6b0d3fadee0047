import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { HttpApp } from './app.js';

/** Paths that belong to the server, never to the single-page app (they keep their JSON 404). */
const SERVER_PATHS = /^\/(api|docs|openapi\.json|healthz|readyz)(\/|$)/;

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

/**
 * Serves the built web app (portal at `/`, console at `/console`) from `distDir` (`web/dist`):
 * its files as they are — hashed `/assets/*` cached for a year (brotli or gzip versions made at build
 * time when the client accepts them), the rest revalidated — and
 * `index.html` at `/` and for any other GET that accepts HTML, so client-side routes survive a
 * reload. Requests under /api, /docs, /openapi.json, /healthz and /readyz, and requests for other
 * paths that do not accept HTML, get the platform's JSON 404 instead.
 *
 * Returns false (registering nothing) when `distDir` holds no index.html, e.g. when the web app
 * has not been built; the caller then serves the plain landing page.
 *
 * @example if (!(await registerWebApp(app, 'web/dist'))) registerLandingPage(app, title);
 */
export async function registerWebApp(app: HttpApp, distDir: string): Promise<boolean> {
  const indexFile = path.join(distDir, 'index.html');
  if (!existsSync(indexFile)) return false;
  const indexHtml = readFileSync(indexFile, 'utf8');

  await app.register(fastifyStatic, {
    root: path.resolve(distDir),
    prefix: '/',
    // One route per built file (the list is fixed at start-up), so unknown paths fall through
    // to the SPA fallback below instead of a catch-all static route.
    wildcard: false,
    index: false,
    decorateReply: false,
    dotfiles: 'ignore',
    // The build writes .br and .gz beside each hashed asset (web/vite.config.ts): send those to
    // clients that accept them (with Vary: Accept-Encoding); the originals to the rest.
    preCompressed: true,
    cacheControl: false, // set below, per file
    setHeaders: (res, filePath) => {
      const hashed = filePath.startsWith(path.join(path.resolve(distDir), 'assets') + path.sep);
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (hashed) res.setHeader('Vary', 'Accept-Encoding'); // one URL, brotli/gzip/plain bodies
    },
  });

  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    // The site's front door answers every client (curl, probes); deeper unknown paths only browsers.
    if (SERVER_PATHS.test(pathname) || (pathname !== '/' && !wantsHtml(request)))
      throw new AppError('ROUTE_NOT_FOUND', `接口不存在：${request.method} ${pathname}`);
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);
  };
  app.get('/', { schema: { hide: true } }, sendIndex);
  app.get('/*', { schema: { hide: true } }, sendIndex);
  return true;
}
