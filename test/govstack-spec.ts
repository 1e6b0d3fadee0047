/**
 * Checks our answers against the GovStack OpenAPI documents in `shared/specs/govstack/`: the
 * response schema of an operation (path template, method, status) compiled with Ajv. OpenAPI 3.0
 * details are brought to JSON Schema: `$ref`s to components are inlined, `x-nullable`/`nullable`
 * admit null, `example` is dropped. The spec's placeholder record (`Example`) stands for any
 * registry's record, so it is taken as "an object".
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/** `shared/` beside the checkout (as CI places it), else this workplace's copy (as test/catalog-dcat.test.ts reads it). */
const SPECS = [path.resolve(import.meta.dirname, '../../shared/specs/govstack'), '/work/shared/specs/govstack'].find((d) => fs.existsSync(d)) ?? '';

type Schema = Record<string, unknown>;

function toJsonSchema(node: unknown, spec: Schema, placeholders: ReadonlySet<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, spec, placeholders));
  if (!node || typeof node !== 'object') return node;
  const o = node as Schema;
  if (typeof o.$ref === 'string') {
    const name = o.$ref.split('/').pop()!;
    if (placeholders.has(name)) return { type: 'object' };
    const target = o.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, k) => (at as Schema)[k], spec);
    return toJsonSchema(target, spec, placeholders);
  }
  const out: Schema = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'example' || k === 'x-nullable' || k === 'nullable') continue;
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, toJsonSchema(s, spec, placeholders)]))
        : toJsonSchema(v, spec, placeholders);
  }
  if ((o['x-nullable'] === true || o.nullable === true) && typeof o.type === 'string') out.type = [o.type, 'null'];
  return out;
}

/** A checker for one GovStack spec file: `check(path, method, status, body)` returns Ajv's errors, or [] when the body conforms. */
export function govstackSpec(file: string, placeholders: string[] = ['Example']) {
  const spec = parse(fs.readFileSync(path.join(SPECS, file), 'utf8')) as Schema;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const paths = spec.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  return {
    check(template: string, method: string, status: number, body: unknown): string[] {
      const op = paths[template]?.[method.toLowerCase()];
      if (!op) return [`the spec has no ${method} ${template}`];
      const response = op.responses[String(status)];
      if (!response) return [`the spec lists no ${status} answer for ${method} ${template} (it lists ${Object.keys(op.responses).join(', ')})`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return [];
      const validate = ajv.compile(toJsonSchema(schema, spec, new Set(placeholders)) as Schema);
      return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
    },
  };
}
