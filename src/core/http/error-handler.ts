import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, type ErrorCode, type FieldIssue } from '../errors.js';

interface AjvIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

const CONTEXT_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

function reasonOf(i: AjvIssue): string {
  const p = i.params;
  switch (i.keyword) {
    case 'required':
      return '必填 (required)';
    case 'type':
      return `类型应为 ${String(p.type)} (must be ${String(p.type)})`;
    case 'enum':
      return `取值应为 ${(p.allowedValues as unknown[]).join(' / ')} 之一 (must be one of them)`;
    case 'minLength':
      return `长度至少为 ${String(p.limit)} (at least ${String(p.limit)} characters)`;
    case 'maxLength':
      return `长度至多为 ${String(p.limit)} (at most ${String(p.limit)} characters)`;
    case 'minimum':
      return `应不小于 ${String(p.limit)} (must be ≥ ${String(p.limit)})`;
    case 'maximum':
      return `应不大于 ${String(p.limit)} (must be ≤ ${String(p.limit)})`;
    case 'pattern':
      return `格式不符合 ${String(p.pattern)} (must match the pattern)`;
    case 'format':
      return `格式应为 ${String(p.format)} (must be a valid ${String(p.format)})`;
    case 'additionalProperties':
      return '不允许的字段 (unknown field)';
    case 'minItems':
      return `至少 ${String(p.limit)} 项 (at least ${String(p.limit)} items)`;
    case 'maxItems':
      return `至多 ${String(p.limit)} 项 (at most ${String(p.limit)} items)`;
    default:
      return i.message ?? i.keyword;
  }
}

/** Turns Fastify/Ajv validation issues into field issues with dotted paths (`body.password`). */
export function fieldIssuesOf(error: FastifyError): FieldIssue[] {
  const context = CONTEXT_NAMES[error.validationContext ?? 'body'] ?? 'body';
  const issues = (error.validation ?? []) as unknown as AjvIssue[];
  return issues.map((i) => {
    let path = i.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (i.keyword === 'required') path = [path, String(i.params.missingProperty)].filter(Boolean).join('.');
    if (i.keyword === 'additionalProperties') path = [path, String(i.params.additionalProperty)].filter(Boolean).join('.');
    return { field: path ? `${context}.${path}` : context, reason: reasonOf(i) };
  });
}

function wantsEnglish(request: FastifyRequest): boolean {
  return /^en\b/i.test(request.headers['accept-language'] ?? '');
}

/** Maps Fastify's own error codes to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_NOT_FOUND: 'ROUTE_NOT_FOUND',
};

/**
 * The single error mapping: AppError → its status and code; validation → VALIDATION_FAILED with
 * each field; anything unexpected → 500 INTERNAL with a generic message (the details go to the
 * log, never to the client).
 */
export function handleError(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const en = wantsEnglish(request);
  let code: ErrorCode;
  let message: string;
  let details: Record<string, unknown> | undefined;

  if (error instanceof AppError) {
    code = error.code;
    message = en ? ERROR_CODES[code].en : error.message;
    details = error.details;
  } else if ((error as FastifyError).validation) {
    const fields = fieldIssuesOf(error as FastifyError);
    code = 'VALIDATION_FAILED';
    const summary = fields.map((f) => `${f.field}: ${f.reason}`).join('; ');
    message = `${en ? ERROR_CODES.VALIDATION_FAILED.en : ERROR_CODES.VALIDATION_FAILED.zh} — ${summary}`;
    details = { fields };
  } else if ((error as FastifyError).code && FASTIFY_CODES[(error as FastifyError).code]) {
    code = FASTIFY_CODES[(error as FastifyError).code] as ErrorCode;
    message = en ? ERROR_CODES[code].en : ERROR_CODES[code].zh;
    if (code === 'VALIDATION_FAILED') details = { fields: [{ field: 'body', reason: '不是合法的 JSON (not valid JSON)' }] };
    if (code === 'BODY_TOO_LARGE') details = { limitBytes: request.routeOptions.bodyLimit };
  } else if ((error as FastifyError).statusCode === 429) {
    code = 'RATE_LIMITED';
    message = en ? ERROR_CODES.RATE_LIMITED.en : ERROR_CODES.RATE_LIMITED.zh;
  } else if ((error as FastifyError).statusCode && (error as FastifyError).statusCode! < 500) {
    code = 'VALIDATION_FAILED';
    message = en ? ERROR_CODES.VALIDATION_FAILED.en : ERROR_CODES.VALIDATION_FAILED.zh;
  } else {
    code = 'INTERNAL';
    message = en ? ERROR_CODES.INTERNAL.en : ERROR_CODES.INTERNAL.zh;
  }

  const status = ERROR_CODES[code].status;
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code, status }, 'request refused');
  const body: { error: { code: string; message: string; details?: Record<string, unknown> }; requestId: string } = {
    error: { code, message },
    requestId: request.id,
  };
  if (details && status < 500) body.error.details = details;
  return reply.status(status).send(body);
}
