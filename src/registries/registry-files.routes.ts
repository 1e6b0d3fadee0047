/**
 * File endpoints of the registries for the console: batch verification (a CSV in, the result CSV
 * streamed back row by row as it is verified) and bulk import (the file in, progress, every
 * rejected row and the result streamed back as NDJSON lines).
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StrictObject } from '../core/http/schema-helpers.js';
import { authorize } from '../core/policy.js';
import type { RegistryService } from './registries.service.js';
import { importRegistryFile } from './registry-import.js';
import { verifyBatch } from './registry-verify-batch.js';

const tags = ['registries'];
const CSV_MIME = 'text/csv';
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Largest import file taken over HTTP (bigger files: `zhengtong registry import`). */
const IMPORT_LIMIT = 200 * 1024 * 1024;
const RegistryParams = Type.Object({ registry: Type.String({ description: '基础信息库，如 population' }) });

/** A csv-parse failure (unclosed quote, …) as a 400 naming the file. */
function csvProblem(e: unknown): unknown {
  const code = String((e as { code?: unknown }).code ?? '');
  return code.startsWith('CSV_') ? new AppError('VALIDATION_FAILED', `CSV 文件格式错误：${(e as Error).message}`, { field: 'file' }) : e;
}

/** Registers `POST /api/v1/registries/:registry/verify-batch` and `/import` (raw CSV/XLSX bodies, streamed replies). */
export async function registryFileRoutes(app: HttpApp, service: RegistryService): Promise<void> {
  await app.register(async (plugin) => {
    const sub = plugin.withTypeProvider<TypeBoxTypeProvider>();
    // The body stays a stream: a million-row file is never held in memory.
    sub.addContentTypeParser([CSV_MIME, XLSX_MIME], (_request, payload, done) => done(null, payload));

    sub.post(
      '/api/v1/registries/:registry/verify-batch',
      {
        schema: {
          tags,
          summary: '批量核验：CSV（主键列 + 声称的属性值）作为请求体，逐行返回 match/no-match 结果 CSV / batch verification, streamed',
          params: RegistryParams,
          querystring: StrictObject({ purpose: Type.String({ maxLength: 500, description: '核验目的（记入访问记录）' }) }),
          response: { 200: Type.Unknown(), ...errorResponses },
        },
      },
      async (request, reply) => {
        if (!String(request.headers['content-type'] ?? '').startsWith(CSV_MIME))
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', '请以 text/csv 文件作为请求体 (send a CSV file)');
        let headerOut!: () => void;
        const started = new Promise<void>((resolve) => (headerOut = resolve));
        const output = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            headerOut();
            callback(null, chunk);
          },
        });
        // A failure after the reply started cuts the stream short (the client sees fewer rows than it sent).
        output.on('error', () => undefined);
        const run = verifyBatch(service, {
          registry: request.params.registry,
          input: request.body as Readable,
          output,
          actor: request.actor,
          context: request.ctx,
          purpose: request.query.purpose,
        });
        const finished = run.then(
          () => void output.end(),
          (e: unknown) => {
            output.destroy(csvProblem(e) as Error);
            throw csvProblem(e);
          },
        );
        // The header row is checked first: a bad header is a 4xx, later rows stream out as they are verified.
        await Promise.race([started, finished]);
        finished.catch(() => undefined);
        return reply
          .type(`${CSV_MIME}; charset=utf-8`)
          .header('content-disposition', `attachment; filename="verify-${request.params.registry}-result.csv"`)
          .send(output);
      },
    );

    sub.post(
      '/api/v1/registries/:registry/import',
      {
        schema: {
          tags,
          summary:
            '批量导入（CSV 或 XLSX 作为请求体，全部校验通过才写入）；应答为 NDJSON：{"progress":…}、{"rejected":{row,column,reason}}，最后 {"result":…} 或 {"failed":{code,message}} / bulk import with streamed progress',
          params: RegistryParams,
          querystring: StrictObject({
            reason: Type.String({ minLength: 2, maxLength: 200, description: '变更原因' }),
            skipInvalid: Type.Boolean({ default: false, description: '跳过有错误的行，导入其余' }),
          }),
          response: { 200: Type.Unknown(), ...errorResponses },
        },
      },
      async (request, reply) => {
        authorize(request.actor, 'registry.write');
        service.definition(request.params.registry);
        const type = String(request.headers['content-type'] ?? '');
        const kind = type.startsWith(XLSX_MIME) ? 'xlsx' : type.startsWith(CSV_MIME) ? 'csv' : undefined;
        if (!kind) throw new AppError('UNSUPPORTED_MEDIA_TYPE', '请以 CSV 或 XLSX 文件作为请求体 (send a CSV or XLSX file)');
        const dir = await mkdtemp(join(tmpdir(), 'zt-registry-import-'));
        const file = join(dir, `${randomUUID()}.${kind}`);
        let size = 0;
        try {
          await pipeline(
            request.body as Readable,
            new Transform({
              transform(chunk: Buffer, _encoding, callback) {
                size += chunk.length;
                callback(
                  size > IMPORT_LIMIT ? new AppError('VALIDATION_FAILED', '文件超过 200 MB，请用命令行导入 (file too large)', { field: 'file' }) : null,
                  chunk,
                );
              },
            }),
            createWriteStream(file),
          );
        } catch (e) {
          await rm(dir, { recursive: true, force: true });
          throw e;
        }
        const out = new PassThrough();
        const line = (o: unknown) => out.write(JSON.stringify(o) + '\n');
        void importRegistryFile(service, {
          registry: request.params.registry,
          file,
          actor: request.actor,
          reason: request.query.reason,
          skipInvalid: request.query.skipInvalid,
          onError: (e) => line({ rejected: e }),
          onProgress: (phase, rows) => line({ progress: { phase, rows } }),
        })
          .then(
            (result) => line({ result }),
            (e: unknown) => {
              const err = csvProblem(e);
              if (!(err instanceof AppError)) request.log.error({ err }, 'registry import failed');
              line({
                failed:
                  err instanceof AppError
                    ? { code: err.code, message: err.message, details: err.details ?? null }
                    : { code: 'INTERNAL', message: '导入失败 (import failed)', details: null },
              });
            },
          )
          .finally(() => {
            out.end();
            void rm(dir, { recursive: true, force: true });
          });
        return reply.type('application/x-ndjson; charset=utf-8').send(out);
      },
    );
  });
}
