import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses } from '../core/http/schema-helpers.js';
import type { CatalogDeps } from './catalog.deps.js';
import { IdParams } from './catalog.schemas.js';
import { toJsonLd, toTurtle } from './dcat.js';
import { dcatCatalogPage, dcatResource } from './dcat.service.js';

const tags = ['catalog'];
const TURTLE = 'text/turtle; charset=utf-8';
const JSONLD = 'application/ld+json; charset=utf-8';

const PageQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
    page_size: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    modified_since: Type.Optional(Type.String({ format: 'date-time', description: '只含此后修改的资源 / only resources modified since' })),
  },
  { additionalProperties: false },
);

/** The IRIs' base: the address the caller used, so links resolve where the document was fetched. */
const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** DCAT-AP 3.0.1 export: the paged catalog and each resource, in Turtle and JSON-LD. */
export async function dcatRoutes(app: HttpApp, deps: CatalogDeps): Promise<void> {
  for (const [ext, type] of [
    ['ttl', TURTLE],
    ['jsonld', JSONLD],
  ] as const) {
    app.get(
      `/api/v1/catalog/dcat.${ext}`,
      {
        schema: {
          tags,
          summary: `DCAT-AP 3.0.1 目录（${ext === 'ttl' ? 'Turtle' : 'JSON-LD'}，分页）/ the catalog as DCAT-AP`,
          querystring: PageQuery,
          response: { 200: Type.Unknown(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const base = baseOf(request);
        const q = request.query;
        const pageUrl = (page: number) => {
          const params = new URLSearchParams({ page: String(page), page_size: String(q.page_size) });
          if (q.modified_since) params.set('modified_since', q.modified_since);
          return `${base}/api/v1/catalog/dcat.${ext}?${params.toString()}`;
        };
        const quads = await dcatCatalogPage(deps, request.actor, { base, page: q.page, pageSize: q.page_size, modifiedSince: q.modified_since, pageUrl });
        return reply.type(type).send(ext === 'ttl' ? await toTurtle(quads) : JSON.stringify(toJsonLd(quads)));
      },
    );
    app.get(
      `/api/v1/catalog/resources/:id/dcat.${ext}`,
      {
        schema: {
          tags,
          summary: `一个信息资源的 DCAT-AP（${ext}）/ one resource as DCAT-AP`,
          params: IdParams,
          response: { 200: Type.Unknown(), ...errorResponses },
        },
      },
      async (request, reply) => {
        const quads = await dcatResource(deps, request.actor, baseOf(request), request.params.id);
        return reply.type(type).send(ext === 'ttl' ? await toTurtle(quads) : JSON.stringify(toJsonLd(quads)));
      },
    );
  }
}
