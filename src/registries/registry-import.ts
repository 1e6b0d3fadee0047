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
import { createReadStream, statSync } from 'node:fs';
import type { Actor } from '../core/actor.js';
import { sqliteHandleOf, type Db } from '../core/db/database.js';
import { AppError } from '../core/errors.js';
import { authorize } from '../core/policy.js';
import { getSuite } from '../core/crypto/index.js';
import { NewRecordSealWorker } from './new-record-seal-worker.js';
import { buildNewRecordTexts, newRecordLayoutOf, type NewRecordLayout } from './new-record-text.js';
import * as repo from './registries.repository.js';
import type { EntryRow, RecordRow } from './registries.repository.js';
import type { RegistryService } from './registries.service.js';
import { attributeOf, type AttributeDefinition, type Attributes, type RegistryDefinition } from './registry-definition.js';
import { LogTree, NODE_BASE_LEVEL } from './registry-log-tree.js';
import { readRowBatchesInWorker } from './registry-rows-worker.js';
import { readRowBatches, type FileRow } from './registry-rows.js';

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
  /**
   * Seal and hash new records in a worker thread while this one reads, validates and inserts
   * (two cores at work; the same texts). Default: for files of 4 MiB and more. Only when the
   * service's sealer can be rebuilt in a worker (`Sealer.portable`); otherwise, or when false, here.
   */
  sealInWorker?: boolean;
  /** Parse a CSV file in a worker thread (the same rows). Default: for files of 4 MiB and more. */
  readInWorker?: boolean;
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

/** A file column that holds an attribute: its position in the row. */
interface Column {
  index: number;
  header: string;
  attr: AttributeDefinition;
}

/** Maps header cells to attributes: by name (`idNumber`) or Chinese label (`公民身份号码`). */
function columnMap(def: RegistryDefinition, header: readonly string[]): { columns: Column[]; unknown: string[] } {
  const columns: Column[] = [];
  const unknown: string[] = [];
  header.forEach((h, index) => {
    const attr = attributeOf(def, h) ?? def.attributes.find((a) => a.label.zh === h);
    if (attr && attr.type !== 'area') columns.push({ index, header: h, attr });
    else unknown.push(h);
  });
  return { columns, unknown };
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

/** One row read: its key and values, and the problems found so far. */
interface ChunkRow {
  row: number;
  key: string;
  attrs: Attributes;
  errors: ImportRowError[] | undefined;
}

function rowOf(def: RegistryDefinition, columns: readonly Column[], { row, cells }: FileRow): ChunkRow {
  const attrs: Attributes = {};
  let key = '';
  let errors: ImportRowError[] | undefined;
  for (const { index, header, attr } of columns) {
    try {
      const v = cellValue(attr, cells[index] ?? '');
      if (attr.name === def.keyAttribute) key = typeof v === 'string' ? v : '';
      else if (v !== undefined) attrs[attr.name] = v;
    } catch (e) {
      (errors ??= []).push({ row, column: header, reason: (e as Error).message });
    }
  }
  return { row, key, attrs, errors };
}

/**
 * Writes records that do not exist yet, the import's common case, without the per-row objects
 * and copies of `RegistryService.bulkWriteIn`: the stored JSON, the log entry's canonical text
 * and its leaf hash are built as text (`buildNewRecordTexts`), the parts that are the same for
 * every row (registry, actor, sources, reason, time) encoded once per chunk. Produces exactly
 * the rows `bulkWriteIn` would (a test compares them). Only for registries without geometry or
 * computed attributes (`newRecordWriterFor` returns undefined otherwise: their rows go through
 * `bulkWriteIn`). With a sealing worker the texts are built there while this thread goes on.
 */
class NewRecordWriter {
  private readonly layout: NewRecordLayout;

  constructor(
    private readonly service: RegistryService,
    private readonly def: RegistryDefinition,
    private readonly tree: LogTree,
    private readonly worker: NewRecordSealWorker | undefined,
  ) {
    this.layout = newRecordLayoutOf(def);
  }

  /**
   * Claims the log positions of `rows` (valid, none of them stored yet) and starts building
   * their texts; `finish` of the write returned inserts them. Writes must finish in the order
   * they started, each before any other write to the registry in `trx`.
   */
  async start(trx: Db, actor: Actor, rows: readonly ChunkRow[], reason: string, sources: string[]): Promise<PendingWrite> {
    authorize(actor, 'registry.write');
    const { def, service } = this;
    const at = service.deps.clock.now().toISOString();
    const first = await repo.claimSeqs(trx, def.key, rows.length);
    const sourceList = sources.join(',');
    const actorId = actor.id ?? null;
    const actorName = actor.name ?? null;
    const orgId = actor.orgId ?? null;
    // canonicalEntryText = JSON of [registry, seq, key, at, actor…, reason, changes, sealed]: the constant middle once.
    const frame = {
      head: `[${JSON.stringify(def.key)},`,
      middle: `,${JSON.stringify([at, actor.type, actorId, actorName, orgId, sourceList, reason]).slice(1, -1)},`,
    };
    const keys = rows.map((r) => r.key);
    const attrs = rows.map((r) => r.attrs);
    const texts = this.worker
      ? this.worker.build({ frame, first, keys, attrs })
      : Promise.resolve(buildNewRecordTexts(this.layout, service.deps.sealer, service.deps.hash, frame, first, keys, attrs));
    // Awaited by `finish`; a write given up (the import failed meanwhile) must not be an unhandled rejection.
    texts.catch(() => {});
    return {
      finish: async () => {
        const t = await texts;
        const n = keys.length;
        const entries: EntryRow[] = new Array(n);
        const records: RecordRow[] = new Array(n);
        const holderAttribute = def.holderAttribute;
        for (let i = 0; i < n; i++) {
          const key = keys[i]!;
          const seq = first + i;
          entries[i] = {
            registry: def.key,
            seq,
            record_key: key,
            occurred_at: at,
            actor_type: actor.type,
            actor_id: actorId,
            actor_name: actorName,
            org_id: orgId,
            sources: sourceList,
            reason,
            changes: t.changes[i]!,
            sealed_changes: t.sealedChanges[i]!,
            leaf_hash: t.leafHashes[i]!,
          };
          const holder = holderAttribute ? (holderAttribute === def.keyAttribute ? key : attrs[i]![holderAttribute]) : undefined;
          records[i] = {
            registry: def.key,
            record_key: key,
            data: t.data[i]!,
            sealed: t.sealed[i]!,
            version: 1,
            last_seq: seq,
            created_at: at,
            updated_at: at,
            holder: typeof holder === 'string' ? holder : null,
            min_lon: null,
            min_lat: null,
            max_lon: null,
            max_lat: null,
          };
        }
        await repo.insertEntries(trx, entries);
        this.tree.primeNodes(NODE_BASE_LEVEL, t.blockRoots);
        await this.tree.storeCompleted(first, first + n - 1);
        this.tree.forgetLeaves();
        await repo.insertRecords(trx, records);
      },
    };
  }

  /** Stops the sealing worker, if any. */
  async close(): Promise<void> {
    await this.worker?.close();
  }
}

/** A write whose log positions are claimed and whose texts are being built; `finish` inserts it. */
interface PendingWrite {
  finish(): Promise<void>;
}

/** Files from this size up are read and sealed in workers by default (below it, starting a worker costs more than it saves). */
const WORKER_MIN_BYTES = 4 * 2 ** 20;

/** The worker that seals for `service`, when its sealer can be rebuilt in one and hashes with the suite's hash. */
function sealWorkerFor(service: RegistryService, def: RegistryDefinition): NewRecordSealWorker | undefined {
  const portable = service.deps.sealer.portable?.();
  if (!portable || getSuite(portable.suite).hash !== service.deps.hash) return undefined;
  return new NewRecordSealWorker(portable, newRecordLayoutOf(def));
}

/** The writer of new records for `def`, or undefined when its records need what only `bulkWriteIn` computes (bounding boxes, areas). */
function newRecordWriterFor(service: RegistryService, def: RegistryDefinition, trx: Db, inWorker: boolean): NewRecordWriter | undefined {
  if (def.geometryAttribute || def.attributes.some((a) => a.type === 'geometry' || a.type === 'area' || a.computedFrom)) return undefined;
  return new NewRecordWriter(service, def, new LogTree(trx, def.key, service.deps.hash), inWorker ? sealWorkerFor(service, def) : undefined);
}

async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Page cache of SQLite while an import's transaction is open, in KiB: 512 MiB (the connection's own is 64 MiB). */
const IMPORT_CACHE_KIB = 512 * 1024;

/**
 * Widens SQLite's page cache for the import and returns what puts it back. A large import's
 * indexes on the record key (records, entries by record) take random pages: once they outgrow the
 * cache every row re-reads and evicts pages, and a million rows run at half the speed of two
 * hundred thousand. Memory is taken only as pages are used and given back when the cache shrinks.
 * PostgreSQL: nothing to do.
 */
function widenSqliteCache(db: Db): () => void {
  const sqlite = sqliteHandleOf(db);
  if (!sqlite) return () => {};
  const before = sqlite.pragma('cache_size', { simple: true }) as number;
  if (before < 0 && -before >= IMPORT_CACHE_KIB) return () => {};
  sqlite.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
  return () => sqlite.pragma(`cache_size = ${before}`);
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
  const large = statSync(options.file).size >= WORKER_MIN_BYTES;
  const read = (options.readInWorker ?? large) && !/\.xlsx$/i.test(options.file) ? readRowBatchesInWorker : readRowBatches;
  const batches = read(options.file, { batchSize: Math.min(chunkSize, 500), onBytes: (n) => (bytes = n) });
  const result: ImportResult = { rows: 0, invalidRows: 0, created: 0, updated: 0, unchanged: 0, written: false, sha256 };

  try {
    // The header is checked before the transaction opens: a refusal is recorded in its own.
    const firstBatch = await batches.next();
    if (firstBatch.done) return result;
    const [headerRow, ...rest] = firstBatch.value;
    let firstRows = rest;
    if (firstRows.length === 0) {
      // A file of a header alone is no import (nothing checked, nothing recorded).
      const next = await batches.next();
      if (next.done) return result;
      firstRows = next.value;
    }
    const { columns, unknown } = columnMap(def, headerRow!.cells);
    if (unknown.length > 0)
      throw new AppError('VALIDATION_FAILED', `未知的列：${unknown.join('、')} (unknown columns)`, {
        fields: unknown.map((c) => ({ field: c, reason: 'unknown column' })),
      });
    if (!columns.some((c) => c.attr.name === def.keyAttribute))
      throw new AppError('VALIDATION_FAILED', `缺少主键列 ${def.keyAttribute} (the key column is missing)`, {
        fields: [{ field: def.keyAttribute, reason: 'missing column' }],
      });
    const columnOf = new Map(columns.map((c) => [c.attr.name, c.header]));
    const sources = await service.recordRefusal(options.actor, undefined, def, async () =>
      service.checkSources(options.actor, def, [...new Set(columns.map((c) => c.attr.name))], await service.bindings()),
    );

    const seen = new Set<string>();
    const invalid = new Set<number>();
    // False once a bad row is met without `skipInvalid`: the rest is only validated, then rolled back.
    let writing = true;
    const restoreCache = widenSqliteCache(db);
    try {
      await db.transaction().execute(async (trx) => {
        const writer = newRecordWriterFor(service, def, trx, options.sealInWorker ?? large);
        let chunk: ChunkRow[] = [];
        // The new records whose texts are being built (in the worker) while the next chunk is read.
        let pending: PendingWrite | undefined;
        const drain = async () => {
          const p = pending;
          pending = undefined;
          await p?.finish();
        };
        const flush = async () => {
          const existing = new Map((await repo.findRecords(trx, def.key, chunk.map((c) => c.key).filter(Boolean))).map((r) => [r.record_key, r]));
          const good: ChunkRow[] = [];
          const today = service.today();
          for (const c of chunk) {
            for (const i of service.validateWrite(def, c.key, c.attrs, !existing.has(c.key), '', today)) {
              const name = i.field === 'key' ? def.keyAttribute : i.field.replace(/^\./, '');
              (c.errors ??= []).push({ row: c.row, column: columnOf.get(name) ?? name, reason: i.reason });
            }
            if (!c.errors) good.push(c);
            else {
              invalid.add(c.row);
              for (const e of c.errors) options.onError?.(e);
            }
          }
          chunk = [];
          if (invalid.size > 0 && !options.skipInvalid) writing = false;
          if (writing && good.length > 0) {
            if (writer && good.every((c) => !existing.has(c.key))) {
              // Keys are unique in the file (`seen`), so a record of this chunk cannot be in the one still pending.
              const next = await writer.start(trx, options.actor, good, options.reason, sources);
              await drain();
              pending = next;
              result.created += good.length;
            } else {
              await drain();
              const r = await service.bulkWriteIn(trx, options.actor, def, good, options.reason, sources, existing);
              result.created += r.created;
              result.updated += r.updated;
              result.unchanged += r.unchanged;
            }
          }
          options.onProgress?.(writing ? 'write' : 'validate', result.rows, bytes);
        };
        const take = async (rows: readonly FileRow[]) => {
          for (const fileRow of rows) {
            result.rows++;
            const c = rowOf(def, columns, fileRow);
            if (c.key && seen.has(c.key))
              (c.errors ??= []).push({ row: c.row, column: def.keyAttribute, reason: `主键 ${c.key} 在文件中重复 (duplicate key in the file)` });
            seen.add(c.key);
            chunk.push(c);
            if (chunk.length >= chunkSize) await flush();
          }
        };
        try {
          await take(firstRows);
          for await (const rows of batches) await take(rows);
          if (chunk.length > 0) await flush();
          // A bad row stopped the writing: what is pending would be rolled back.
          if (writing) await drain();
        } finally {
          await writer?.close();
        }
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
      restoreCache();
    }
  } finally {
    // Stops reading when the header was refused or the transaction failed part-way (closes the file).
    await batches.return(undefined);
  }
  result.written = true;
  return result;
}
