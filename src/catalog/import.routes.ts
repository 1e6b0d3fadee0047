import { PassThrough } from 'node:stream';
import { Type } from 'typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../core/errors.js';
import { authorize } from '../core/policy.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StringEnum } from '../core/http/schema-helpers.js';
import type { CatalogDeps } from './catalog.deps.js';
import { exportCatalog, importCatalogFile } from './import.service.js';
import { catalogTemplate } from './spreadsheet.js';

const tags = ['catalog'];
export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSV_MIME = 'text/csv';
const NDJSON = 'application/x-ndjson';
const MIME = { csv: `${CSV_MIME}; charset=utf-8`, xlsx: XLSX_MIME } as const;

const ImportReply = Type.Object({
  created: Type.Integer(),
  skipped: Type.Integer(),
  codes: Type.Array(Type.String()),
  errors: Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), reason: Type.String() })),
});

/** Spreadsheet template, import (the raw file as the body) and export. Parsers for CSV and XLSX bodies stay inside this plugin. */
export async function importRoutes(app: HttpApp, deps: CatalogDeps): Promise<void> {
  await app.register(async (plugin) => {
    const sub = plugin.withTypeProvider<TypeBoxTypeProvider>();
    sub.addContentTypeParser([CSV_MIME, XLSX_MIME], { parseAs: 'buffer', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    sub.post(
      '/api/v1/catalog/import',
      {
        schema: {
          tags,
          summary: '导入目录（CSV 或 XLSX 文件作为请求体）/ import resources from the template',
          description:
            '默认应答为 JSON。请求头 `Accept: application/x-ndjson` 时逐行应答进度：{"progress":{phase:"check"|"write",done,total}}，最后 {"result":…} 或 {"failed":{code,message,details}}（此时状态码已是 200，以最后一行为准）。/ With `Accept: application/x-ndjson` the reply streams progress lines and ends with the result or the failure.',
          querystring: Type.Object({ skipInvalid: Type.Boolean({ default: false, description: '跳过有错误的行，导入其余' }) }, { additionalProperties: false }),
          response: { 200: ImportReply, ...errorResponses },
        },
      },
      async (request, reply) => {
        const type = String(request.headers['content-type'] ?? '');
        if (!Buffer.isBuffer(request.body)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', '请以 text/csv 或 XLSX 文件作为请求体 (send a CSV or XLSX file)');
        const kind = type.startsWith(XLSX_MIME) ? 'xlsx' : 'csv';
        const file = { data: request.body, kind } as const;
        if (!String(request.headers.accept ?? '').includes(NDJSON)) {
          return importCatalogFile(deps, request.actor, request.ctx, file, { skipInvalid: request.query.skipInvalid });
        }
        authorize(request.actor, 'catalog.resource.edit', { orgId: request.actor.orgId ?? null }); // refused with a status, before the stream starts
        const out = new PassThrough();
        const line = (o: unknown) => out.write(JSON.stringify(o) + '\n');
        void importCatalogFile(deps, request.actor, request.ctx, file, {
          skipInvalid: request.query.skipInvalid,
          onProgress: (progress) => line({ progress }),
        })
          .then(
            (result) => line({ result }),
            (e: unknown) => {
              if (!(e instanceof AppError)) request.log.error({ err: e }, 'catalog import failed');
              line({
                failed:
                  e instanceof AppError
                    ? { code: e.code, message: e.message, details: e.details ?? null }
                    : { code: 'INTERNAL', message: '导入失败 (import failed)', details: null },
              });
            },
          )
          .finally(() => out.end());
        return reply.type(`${NDJSON}; charset=utf-8`).send(out);
      },
    );
  });
  for (const kind of ['csv', 'xlsx'] as const) {
    app.get(
      `/api/v1/catalog/template.${kind}`,
      { schema: { tags, summary: `编目模板（${kind}）/ the import template`, response: { 200: Type.Unknown(), ...errorResponses } } },
      async (request, reply) => {
        authorize(request.actor, 'catalog.open.read');
        return reply
          .type(MIME[kind])
          .header('content-disposition', `attachment; filename="catalog-template.${kind}"`)
          .send(await catalogTemplate(kind));
      },
    );
    app.get(
      `/api/v1/catalog/export.${kind}`,
      {
        schema: {
          tags,
          summary: `导出目录（${kind}）/ export the catalog`,
          querystring: Type.Object({ scope: StringEnum(['mine', 'sharing'] as const, { default: 'mine' }) }, { additionalProperties: false }),
          response: { 200: Type.Unknown(), ...errorResponses },
        },
      },
      async (request, reply) =>
        reply
          .type(MIME[kind])
          .header('content-disposition', `attachment; filename="catalog-${request.query.scope}.${kind}"`)
          .send(await exportCatalog(deps, request.actor, request.query.scope, kind)),
    );
  }
}
