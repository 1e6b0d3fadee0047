/**
 * Bulk import of a CSV or XLSX file into a registry. Pass 1 validates every row (identifier
 * check characters, code tables, geometry, required attributes, duplicate keys, one data one
 * source for every column) and reports each bad row with its column and reason; pass 2 writes
 * the rows in ONE transaction, so a file is imported whole or not at all (unless `skipInvalid`).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import * as repo from './registries.repository.js';
import type { RegistryService } from './registries.service.js';
import { attributeOf, type AttributeDefinition, type Attributes, type RegistryDefinition } from './registry-definition.js';
import { readRows } from './registry-rows.js';

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
  onProgress?: (phase: 'validate' | 'write', rows: number) => void;
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
  const chunkSize = options.chunkSize ?? 1000;
  const { db, audit } = service.deps;
  const sha256 = await fileSha256(options.file);

  let map: Map<string, AttributeDefinition> | undefined;
  const header = async (cells: Record<string, string>) => {
    const cols = columnMap(def, Object.keys(cells));
    if (cols.unknown.length > 0)
      throw new AppError('VALIDATION_FAILED', `未知的列：${cols.unknown.join('、')} (unknown columns)`, {
        fields: cols.unknown.map((c) => ({ field: c, reason: 'unknown column' })),
      });
    if (![...cols.map.values()].some((a) => a.name === def.keyAttribute))
      throw new AppError('VALIDATION_FAILED', `缺少主键列 ${def.keyAttribute} (the key column is missing)`, {
        fields: [{ field: def.keyAttribute, reason: 'missing column' }],
      });
    const names = [...cols.map.values()].map((a) => a.name);
    const sources = await service.recordRefusal(options.actor, undefined, def, async () =>
      service.checkSources(options.actor, def, names, await service.bindings()),
    );
    return { map: cols.map, sources };
  };

  // ---- pass 1: validate everything --------------------------------------------------------
  const seen = new Set<string>();
  const invalid = new Set<number>();
  let rows = 0;
  let sources: string[] = [];
  let chunk: Array<{ row: number; key: string; attrs: Attributes; errors: ImportRowError[] }> = [];
  const report = (e: ImportRowError) => {
    invalid.add(e.row);
    options.onError?.(e);
  };
  const checkChunk = async () => {
    const existing = new Set((await repo.findRecords(db, def.key, chunk.map((c) => c.key).filter(Boolean))).map((r) => r.record_key));
    for (const c of chunk) {
      const issues = service.validateWrite(def, c.key, c.attrs, !existing.has(c.key), '');
      for (const i of issues) {
        const name = i.field === 'key' ? def.keyAttribute : i.field.replace(/^\./, '');
        const column = [...map!.entries()].find(([, a]) => a.name === name)?.[0] ?? name;
        c.errors.push({ row: c.row, column, reason: i.reason });
      }
      for (const e of c.errors) report(e);
    }
    chunk = [];
  };
  for await (const { row, cells } of readRows(options.file)) {
    if (!map) ({ map, sources } = await header(cells));
    rows++;
    const errors: ImportRowError[] = [];
    const { key, attrs } = rowAttributes(def, map, cells, row, errors);
    if (key && seen.has(key)) errors.push({ row, column: def.keyAttribute, reason: `主键 ${key} 在文件中重复 (duplicate key in the file)` });
    seen.add(key);
    chunk.push({ row, key, attrs, errors });
    if (chunk.length >= chunkSize) {
      await checkChunk();
      options.onProgress?.('validate', rows);
    }
  }
  if (chunk.length > 0) await checkChunk();
  options.onProgress?.('validate', rows);
  seen.clear();

  const result: ImportResult = { rows, invalidRows: invalid.size, created: 0, updated: 0, unchanged: 0, written: false, sha256 };
  if (!map || rows === 0) return result;
  if (invalid.size > 0 && !options.skipInvalid)
    throw new AppError('REGISTRY_IMPORT_INVALID', `${invalid.size} 行有错误，未写入任何数据 (${invalid.size} bad rows; nothing written)`, {
      invalidRows: invalid.size,
      rows,
    });

  // ---- pass 2: write in one transaction ------------------------------------------------------
  const columns = map;
  await db.transaction().execute(async (trx) => {
    let batch: Array<{ key: string; attrs: Attributes }> = [];
    let done = 0;
    const flush = async () => {
      const r = await service.bulkWriteIn(trx, options.actor, def, batch, options.reason, sources);
      result.created += r.created;
      result.updated += r.updated;
      result.unchanged += r.unchanged;
      done += batch.length;
      batch = [];
      options.onProgress?.('write', done);
    };
    for await (const { row, cells } of readRows(options.file)) {
      if (invalid.has(row)) continue;
      batch.push(rowAttributes(def, columns, cells, row, []));
      if (batch.length >= chunkSize) await flush();
    }
    if (batch.length > 0) await flush();
    await audit.append(trx, {
      actor: options.actor,
      action: 'registry.import',
      subject: { type: 'registry', id: def.key },
      summary: { rows, invalidRows: invalid.size, created: result.created, updated: result.updated, sha256, reason: options.reason },
    });
  });
  result.written = true;
  return result;
}
