/**
 * Batch verification (批量核验) of a CSV stream: the key column plus claimed values per row in,
 * `match` / `no-match` per claimed attribute out, never a stored value. Records stream through
 * csv-parse in chunks (one keyed lookup per chunk) with back-pressure on the output, so memory
 * stays flat for any number of rows.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Actor, RequestContext } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import { authorize } from '../core/policy.js';
import * as repo from './registries.repository.js';
import { claimMatches, type RegistryService } from './registries.service.js';
import { attributeOf, type AttributeDefinition } from './registry-definition.js';

export interface VerifyBatchOptions {
  registry: string;
  input: Readable;
  output: Writable;
  actor: Actor;
  context?: RequestContext;
  purpose: string;
  chunkSize?: number;
  /** Rows done and bytes read so far. */
  onProgress?: (rows: number, bytes: number) => void;
}

export interface VerifyBatchCounts {
  rows: number;
  found: number;
  allMatch: number;
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * Verifies every row of `input`; writes `key,found,<attr>…` rows to `output` and one audit
 * record for the batch (purpose, counts). Stored values never leave the function.
 *
 * @throws VALIDATION_FAILED when the header lacks the key column or names unknown attributes;
 *   REGISTRY_PURPOSE_REQUIRED without a purpose.
 */
export async function verifyBatch(service: RegistryService, o: VerifyBatchOptions): Promise<VerifyBatchCounts> {
  const def = service.definition(o.registry);
  authorize(o.actor, 'registry.verify');
  if (Array.from(o.purpose.trim()).length < 2) throw new AppError('REGISTRY_PURPOSE_REQUIRED', undefined, { field: 'purpose' });
  const chunkSize = o.chunkSize ?? 2000;
  const counts: VerifyBatchCounts = { rows: 0, found: 0, allMatch: 0 };
  let bytes = 0;
  o.input.on('data', (c: Buffer | string) => (bytes += c.length));
  const parser = o.input.pipe(parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }));

  let keyIndex = -1;
  let claims: Array<{ index: number; attr: AttributeDefinition }> = [];
  let anySealed = false;
  let chunk: string[][] = [];
  const write = async (text: string) => {
    if (!o.output.write(text)) await once(o.output, 'drain');
  };
  const flush = async () => {
    const keys = chunk.map((r) => r[keyIndex] ?? '');
    const rows = new Map((await repo.findRecordValues(service.deps.db, def.key, keys, anySealed)).map((r) => [r.record_key, r]));
    let out = '';
    for (let i = 0; i < chunk.length; i++) {
      const cells = chunk[i]!;
      const row = rows.get(keys[i]!);
      const values = row ? (anySealed ? service.valuesOf(row) : (JSON.parse(row.data) as Record<string, unknown>)) : undefined;
      let all = !!row;
      const results = claims.map(({ index, attr }) => {
        const ok = !!values && claimMatches(values[attr.name], cells[index] ?? '');
        all &&= ok;
        return ok ? 'match' : 'no-match';
      });
      counts.rows++;
      if (row) counts.found++;
      if (all) counts.allMatch++;
      out += `${csvCell(keys[i]!)},${row ? 'yes' : 'no'},${results.join(',')}\n`;
    }
    await write(out);
    chunk = [];
    o.onProgress?.(counts.rows, bytes);
  };

  for await (const record of parser as AsyncIterable<string[]>) {
    if (keyIndex < 0) {
      const header = record.map((h) => h.trim());
      const resolve = (h: string) => attributeOf(def, h) ?? def.attributes.find((a) => a.label.zh === h);
      keyIndex = header.findIndex((h) => resolve(h)?.name === def.keyAttribute);
      if (keyIndex < 0)
        throw new AppError('VALIDATION_FAILED', `缺少主键列 ${def.keyAttribute} (the key column is missing)`, {
          fields: [{ field: def.keyAttribute, reason: 'missing column' }],
        });
      const unknown = header.filter((h) => !resolve(h));
      if (unknown.length > 0)
        throw new AppError('VALIDATION_FAILED', `未知的列：${unknown.join('、')} (unknown columns)`, {
          fields: unknown.map((c) => ({ field: c, reason: 'unknown column' })),
        });
      claims = header.map((h, index) => ({ index, attr: resolve(h)! })).filter((c) => c.index !== keyIndex);
      anySealed = claims.some((c) => c.attr.sensitive);
      await write(`${def.keyAttribute},found,${claims.map((c) => c.attr.name).join(',')}\n`);
      continue;
    }
    chunk.push(record);
    if (chunk.length >= chunkSize) await flush();
  }
  if (chunk.length > 0) await flush();
  await service.deps.audit.record({
    actor: o.actor,
    ...(o.context ? { context: o.context } : {}),
    action: 'registry.record.verify-batch',
    subject: { type: 'registry', id: def.key },
    purpose: o.purpose,
    summary: { registry: def.key, ...counts },
  });
  return counts;
}
