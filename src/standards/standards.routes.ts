import { Readable, Writable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { Type } from 'typebox';
import { AppError, validationError, type FieldIssue } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StrictObject, StringEnum } from '../core/http/schema-helpers.js';
import { authorize, definePolicy } from '../core/policy.js';
import { validateCsvFile } from './validate-file.js';
import { IDENTIFIER_TYPES, validateIdentifier } from './validate-identifier.js';

/** Checking one value is public; checking a file is for signed-in staff (the console's identifier checker). */
definePolicy([{ action: 'standards.validate-batch', actorTypes: ['staff'] }]);

/** At most this many data rows per file, and this many characters of CSV text. */
export const BATCH_MAX_ROWS = 5000;
export const BATCH_MAX_CHARS = 1_000_000;

const Issue = Type.Object({
  code: Type.String(),
  position: Type.Optional(Type.Integer()),
  expected: Type.Optional(Type.String()),
  actual: Type.Optional(Type.String()),
  part: Type.Optional(Type.String()),
  message: Type.String(),
  messageEn: Type.String(),
});

const BatchRow = Type.Object({
  row: Type.Integer({ description: '输入文件中的行号 / line number in the file' }),
  value: Type.String(),
  valid: Type.Boolean(),
  errors: Type.Array(Issue),
  warnings: Type.Array(Issue),
});

/** Validates the identifier column of a CSV text with the CLI's rules (validateCsvFile), then details each row. */
async function validateCsvText(type: (typeof IDENTIFIER_TYPES)[number], csv: string, column: string | number | undefined) {
  let resultCsv = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      resultCsv += chunk.toString();
      done();
    },
  });
  const tooMany = () => validationError([{ field: 'body.csv', reason: `文件最多 ${BATCH_MAX_ROWS} 行数据 / at most ${BATCH_MAX_ROWS} data rows` }]);
  let counts;
  try {
    counts = await validateCsvFile({
      type,
      input: Readable.from([csv]),
      output: sink,
      ...(column !== undefined ? { column } : {}),
      onProgress: (rows) => {
        if (rows > BATCH_MAX_ROWS) throw tooMany();
      },
    });
  } catch (e) {
    // csv-parse reports malformed CSV (e.g. an unclosed quote) with a CSV_* code and the line.
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw validationError([{ field: 'body.csv', reason: (e as Error).message }]);
    // validateCsvFile names its own option (`column`); here it is a body field.
    const fields = e instanceof AppError ? (e.details as { fields?: FieldIssue[] } | undefined)?.fields : undefined;
    if (fields?.some((f) => f.field === 'column')) throw validationError(fields.map((f) => ({ ...f, field: f.field === 'column' ? 'body.column' : f.field })));
    throw e;
  }
  const lines = parseCsv(resultCsv, { from_line: 2 }) as string[][];
  const rows = lines.map(([row, value]) => {
    const r = validateIdentifier(type, value ?? '');
    return { row: Number(row), value: value ?? '', valid: r.valid, errors: r.errors, warnings: r.warnings };
  });
  return { ...counts, results: rows };
}

/** `GET /api/v1/standards/validate`: public, no sign-in needed — anyone may check an identifier. */
export async function standardsRoutes(app: HttpApp): Promise<void> {
  app.get(
    '/api/v1/standards/validate',
    {
      schema: {
        tags: ['standards'],
        summary: '校验国家标准标识 / validate a national identifier',
        description:
          'citizen-id 公民身份号码 (GB 11643), uscc 统一社会信用代码 (GB 32100), division 行政区划代码 (GB/T 2260), licence-id 电子证照标识 (GB/T 36904).',
        querystring: Type.Object({ type: StringEnum(IDENTIFIER_TYPES), value: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            errors: Type.Array(Issue),
            warnings: Type.Array(Issue),
            parsed: Type.Record(Type.String(), Type.Unknown()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const r = validateIdentifier(request.query.type, request.query.value);
      return { valid: r.valid, errors: r.errors, warnings: r.warnings, parsed: r.parsed as Record<string, unknown> };
    },
  );

  app.post(
    '/api/v1/standards/validate-batch',
    {
      // JSON-escaped CSV text can be up to twice its length, plus the envelope.
      bodyLimit: BATCH_MAX_CHARS * 2 + 4096,
      schema: {
        tags: ['standards'],
        summary: '批量校验 CSV 中的标识（工作人员）/ validate a CSV column of identifiers',
        description: `首行若为列名（value、统一社会信用代码…）则按列名取列，否则取第 1 列或 column 指定的列；最多 ${BATCH_MAX_ROWS} 行。`,
        body: StrictObject({
          type: StringEnum(IDENTIFIER_TYPES),
          csv: Type.String({ minLength: 1, maxLength: BATCH_MAX_CHARS, description: 'CSV 文本 (UTF-8)' }),
          column: Type.Optional(
            Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Integer({ minimum: 1, maximum: 1000 })], {
              description: '列名或列号（从 1 开始）',
            }),
          ),
        }),
        response: {
          200: Type.Object({ rows: Type.Integer(), valid: Type.Integer(), invalid: Type.Integer(), results: Type.Array(BatchRow) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'standards.validate-batch');
      const { type, csv, column } = request.body;
      return validateCsvText(type, csv, column);
    },
  );
}
