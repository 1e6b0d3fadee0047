/**
 * Bulk import of a CSV or XLSX file into a registry, in ONE pass and ONE transaction. Every row
 * is validated (identifier check characters, code tables, geometry, required attributes,
 * duplicate keys, one data one source for every column) and each bad row is reported with its
 * column and reason; valid rows are written in chunks as they come (log entries with leaf
 * hashes, sensitive values sealed). At the first bad row writing stops (validation goes on to
 * report every bad row) and the transaction is rolled back at the end, so a file is imported
 * whole or not at all (unless `skipInvalid`, which writes the valid rows and skips the bad).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import * as repo from './registries.repository.js';
import type { RegistryService } from './registries.service.js';
import { attributeOf, type AttributeDefinition, type Attributes, type RegistryDefinition } from './registry-definition.js';
import { readRows, type FileRow } from './registry-rows.js';

export interface ImportRowError {
  row: number;
  column: string;
  reason: string;
}

export interface ImportOptions {
  registry: string;
  file: string;
  /** Acts for the source department: a system actor with `orgId`, or a staff member. */
  actor: Actor;
  reason: string;
  /** Import the valid rows and skip the bad ones (they are still reported). */
  skipInvalid?: boolean;
  /** Called for every bad row (write them to a report as they come: memory stays flat). */
  onError?: (e: ImportRowError) => void;
  /**
   * Rows read so far and, for CSV, bytes read of the file (`write` while rows are written,
   * `validate` once a bad row has stopped the writing).
   */
  onProgress?: (phase: 'validate' | 'write', rows: number, bytes?: number) => void;
  /** Rows validated and written together (one lookup of existing records, one range of log entries). */
  chunkSize?: number;
}

export interface ImportResult {
  rows: number;
  invalidRows: number;
  created: number;
  updated: number;
  unchanged: number;
  written: boolean;
  sha256: string;
}

/** Maps header cells to attributes: by name (`idNumber`) or Chinese label (`公民身份号码`). */
function columnMap(def: RegistryDefinition, header: string[]): { map: Map<string, AttributeDefinition>; unknown: string[] } {
  const map = new Map<string, AttributeDefinition>();
  const unknown: string[] = [];
  for (const h of header) {
    const attr = attributeOf(def, h) ?? def.attributes.find((a) => a.label.zh === h);
    if (attr && attr.type !== 'area') map.set(h, attr);
    else unknown.push(h);
  }
  return { map, unknown };
}

/** Cell text → attribute value by type; throws a reason for text that cannot be one. */
function cellValue(attr: AttributeDefinition, text: string): Attributes[string] | undefined {
  if (text === '') return undefined;
  if (attr.type === 'integer' || attr.type === 'decimal') {
    const n = Number(text);
    if (!Number.isFinite(n)) throw new Error('须为数字 (must be a number)');
    return n;
  }
  if (attr.type === 'geometry') {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error('须为 GeoJSON 文本 (must be GeoJSON text)');
    }
  }
  return text;
}

function rowAttributes(
  def: RegistryDefinition,
  map: Map<string, AttributeDefinition>,
  cells: Record<string, string>,
  row: number,
  errors: ImportRowError[],
): { key: string; attrs: Attributes } {
  const attrs: Attributes = {};
  let key = '';
  for (const [column, attr] of map) {
    try {
      const v = cellValue(attr, cells[column] ?? '');
      if (attr.name === def.keyAttribute) key = typeof v === 'string' ? v : '';
      else if (v !== undefined) attrs[attr.name] = v;
    } catch (e) {
      errors.push({ row, column, reason: (e as Error).message });
    }
  }
  return { key, attrs };
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Imports `file` into `registry`.
 *
 * @throws REGISTRY_NOT_SOURCE when a column's attribute belongs to another department;
 *   VALIDATION_FAILED for a file without the key column or with unknown columns;
 *   REGISTRY_IMPORT_INVALID when rows are bad and `skipInvalid` is off (nothing is written).
 */
export async function importRegistryFile(service: RegistryService, options: ImportOptions): Promise<ImportResult> {
  const def = service.definition(options.registry);
  const chunkSize = options.chunkSize ?? 2000;
  const { db, audit } = service.deps;
  const sha256 = await fileSha256(options.file);
  let bytes = 0;
  const rowsOf = readRows(options.file, (n) => (bytes = n))[Symbol.asyncIterator]();
  const result: ImportResult = { rows: 0, invalidRows: 0, created: 0, updated: 0, unchanged: 0, written: false, sha256 };

  // The header is checked before the transaction opens: a refusal is recorded in its own.
  const first = await rowsOf.next();
  if (first.done) return result;
  const cols = columnMap(def, Object.keys(first.value.cells));
  if (cols.unknown.length > 0)
    throw new AppError('VALIDATION_FAILED', `未知的列：${cols.unknown.join('、')} (unknown columns)`, {
      fields: cols.unknown.map((c) => ({ field: c, reason: 'unknown column' })),
    });
  if (![...cols.map.values()].some((a) => a.name === def.keyAttribute))
    throw new AppError('VALIDATION_FAILED', `缺少主键列 ${def.keyAttribute} (the key column is missing)`, {
      fields: [{ field: def.keyAttribute, reason: 'missing column' }],
    });
  const map = cols.map;
  const columnOf = new Map([...map.entries()].map(([column, a]) => [a.name, column]));
  const sources = await service.recordRefusal(options.actor, undefined, def, async () =>
    service.checkSources(
      options.actor,
      def,
      [...map.values()].map((a) => a.name),
      await service.bindings(),
    ),
  );

  const seen = new Set<string>();
  const invalid = new Set<number>();
  // False once a bad row is met without `skipInvalid`: the rest is only validated, then rolled back.
  let writing = true;
  try {
    await db.transaction().execute(async (trx) => {
      let chunk: Array<{ row: number; key: string; attrs: Attributes; errors: ImportRowError[] }> = [];
      const flush = async () => {
        const existing = new Map((await repo.findRecords(trx, def.key, chunk.map((c) => c.key).filter(Boolean))).map((r) => [r.record_key, r]));
        const good: Array<{ key: string; attrs: Attributes }> = [];
        const today = service.today();
        for (const c of chunk) {
          for (const i of service.validateWrite(def, c.key, c.attrs, !existing.has(c.key), '', today)) {
            const name = i.field === 'key' ? def.keyAttribute : i.field.replace(/^\./, '');
            c.errors.push({ row: c.row, column: columnOf.get(name) ?? name, reason: i.reason });
          }
          if (c.errors.length === 0) good.push(c);
          else {
            invalid.add(c.row);
            for (const e of c.errors) options.onError?.(e);
          }
        }
        chunk = [];
        if (invalid.size > 0 && !options.skipInvalid) writing = false;
        if (writing && good.length > 0) {
          const r = await service.bulkWriteIn(trx, options.actor, def, good, options.reason, sources, existing);
          result.created += r.created;
          result.updated += r.updated;
          result.unchanged += r.unchanged;
        }
        options.onProgress?.(writing ? 'write' : 'validate', result.rows, bytes);
      };
      for (let next: IteratorResult<FileRow> = first; !next.done; next = await rowsOf.next()) {
        const { row, cells } = next.value;
        result.rows++;
        const errors: ImportRowError[] = [];
        const { key, attrs } = rowAttributes(def, map, cells, row, errors);
        if (key && seen.has(key)) errors.push({ row, column: def.keyAttribute, reason: `主键 ${key} 在文件中重复 (duplicate key in the file)` });
        seen.add(key);
        chunk.push({ row, key, attrs, errors });
        if (chunk.length >= chunkSize) await flush();
      }
      if (chunk.length > 0) await flush();
      result.invalidRows = invalid.size;
      if (!writing)
        throw new AppError('REGISTRY_IMPORT_INVALID', `${invalid.size} 行有错误，未写入任何数据 (${invalid.size} bad rows; nothing written)`, {
          invalidRows: invalid.size,
          rows: result.rows,
        });
      await audit.append(trx, {
        actor: options.actor,
        action: 'registry.import',
        subject: { type: 'registry', id: def.key },
        summary: { rows: result.rows, invalidRows: invalid.size, created: result.created, updated: result.updated, sha256, reason: options.reason },
      });
    });
  } finally {
    // Stops reading when the transaction failed part-way (closes the file).
    await rowsOf.return?.(undefined);
  }
  result.written = true;
  return result;
}
