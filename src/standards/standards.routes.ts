import { Type } from 'typebox';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StringEnum } from '../core/http/schema-helpers.js';
import { IDENTIFIER_TYPES, validateIdentifier } from './validate-identifier.js';

const Issue = Type.Object({
  code: Type.String(),
  position: Type.Optional(Type.Integer()),
  expected: Type.Optional(Type.String()),
  actual: Type.Optional(Type.String()),
  part: Type.Optional(Type.String()),
  message: Type.String(),
  messageEn: Type.String(),
});

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
}
