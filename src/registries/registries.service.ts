import type { Actor, RequestContext } from '../core/actor.js';
import type { Db } from '../core/db/database.js';
import { AppError, validationError, type FieldIssue } from '../core/errors.js';
import { authorize } from '../core/policy.js';
import type { AuditEntry } from '../audit/index.js';
import { AccessRecorder } from './access-recorder.js';
import { geometryArea, geometryBBox, geometryContains, type AreaGeometry, type BBox, type Position } from './geometry.js';
import { SOURCE_DEPARTMENTS } from './registries.config.js';
import type { RegistryDeps } from './registries.deps.js';
import './registries.policy.js';
import * as repo from './registries.repository.js';
import type { BindingRow, EntryRow, RecordRow } from './registries.repository.js';
import {
  attributeOf,
  keyPartProblem,
  maskValue,
  sensitiveNames,
  valueProblem,
  type AttributeValue,
  type Attributes,
  type RegistryDefinition,
} from './registry-definition.js';
import { entryChanges, entryLeafHash, replayEntries, stableJson, type Changes } from './registry-log.js';
import { LogTree, NODE_BASE_LEVEL } from './registry-log-tree.js';

/** Every 256th entry completes a stored subtree of the log. */
const LOG_NODE_LEAVES = 2 ** NODE_BASE_LEVEL;

/** A record as presented to a reader: values the reader's right does not cover are masked. */
export interface RegistryRecord {
  registry: string;
  key: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  asOf: string | null;
  attributes: Record<string, AttributeValue | null>;
  /** Attributes shown masked. */
  masked: string[];
}

export interface HistoryEntry {
  seq: number;
  occurredAt: string;
  actor: { type: string; id: string | null; name: string | null; orgId: string | null };
  sources: string[];
  reason: string;
  changes: Record<string, { previous: AttributeValue | null; value: AttributeValue | null }>;
  leafHash: string;
}

export type ClaimResult = 'match' | 'no-match';

const CITIZEN_ID = /^\d{17}[\dX]$/;

/** Reads need a stated purpose: at least two characters. */
function requirePurpose(purpose: string | undefined, field = 'query.purpose'): string {
  const p = purpose?.trim() ?? '';
  if (Array.from(p).length < 2) throw new AppError('REGISTRY_PURPOSE_REQUIRED', `请说明查询目的（${field}） (state the purpose of the read)`, { field });
  return p;
}

/** `YYYY-MM-DD` means the end of that day in Asia/Shanghai; a date-time is taken as given. */
export function asOfInstant(asOf: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(asOf)) return new Date(`${asOf}T23:59:59.999+08:00`).toISOString();
  const d = new Date(asOf);
  if (Number.isNaN(d.getTime())) throw validationError([{ field: 'query.asOf', reason: '须为日期 YYYY-MM-DD 或 ISO 时间 (a date or an ISO date-time)' }]);
  return d.toISOString();
}

/** Compares a claimed value with a stored one: trimmed strings, numbers by value, objects by canonical JSON. */
export function claimMatches(stored: unknown, claimed: unknown): boolean {
  if (stored === null || stored === undefined) return false;
  if (typeof stored === 'number') return Number(claimed) === stored && String(claimed).trim() !== '';
  if (typeof stored === 'string') return typeof claimed === 'string' && claimed.trim() === stored;
  return stableJson(stored) === stableJson(claimed);
}

/** The service behind every registry route, the CLI and the GovStack surface. */
export class RegistryService {
  private readonly byKey: Map<string, RegistryDefinition>;
  /** Writes the access records of reads, searches and verifications (group commit). */
  readonly accessRecords: AccessRecorder;

  constructor(readonly deps: RegistryDeps) {
    this.byKey = new Map(deps.definitions.map((d) => [d.key, d]));
    this.accessRecords = new AccessRecorder(deps.audit);
  }

  /** Creates each registry's log head. */
  async init(): Promise<void> {
    for (const d of this.deps.definitions) await repo.ensureHead(this.deps.db, d.key);
  }

  get definitions(): readonly RegistryDefinition[] {
    return this.deps.definitions;
  }

  definition(key: string): RegistryDefinition {
    const def = this.byKey.get(key);
    if (!def) throw new AppError('REGISTRY_NOT_FOUND', `基础信息库「${key}」不存在 (no such registry)`, { registry: key });
    return def;
  }

  // ---- source departments -------------------------------------------------------------

  async bindings(db: Db = this.deps.db): Promise<Map<string, BindingRow>> {
    return new Map((await repo.listBindings(db)).map((b) => [b.source, b]));
  }

  async listSources(actor: Actor): Promise<Array<{ source: string; zh: string; en: string; org: { id: string; name: string; uscc: string } | null }>> {
    authorize(actor, 'registry.read');
    const bound = await this.bindings();
    return Object.entries(SOURCE_DEPARTMENTS).map(([source, d]) => {
      const b = bound.get(source);
      return { source, zh: d.zh, en: d.en, org: b ? { id: b.org_id, name: b.org_name, uscc: b.org_uscc } : null };
    });
  }

  /** Binds a source department role to an organisation (system administrator). */
  async bindSource(actor: Actor, ctx: RequestContext, source: string, orgUscc: string): Promise<BindingRow> {
    authorize(actor, 'registry.source.bind');
    if (!SOURCE_DEPARTMENTS[source]) throw validationError([{ field: 'params.source', reason: `未知的来源部门「${source}」 (unknown source department)` }]);
    const org = await this.deps.findOrgByUscc(orgUscc);
    if (!org) throw new AppError('IDENTITY_ORG_NOT_FOUND', `统一社会信用代码为 ${orgUscc} 的机构不存在`, { field: 'body.orgUscc' });
    const row: BindingRow = { source, org_id: org.id, org_name: org.name, org_uscc: org.uscc, updated_at: this.deps.clock.now().toISOString() };
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.upsertBinding(trx, row);
      await this.deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'registry.source.bind',
        subject: { type: 'registry-source', id: source },
        summary: { orgId: org.id, orgName: org.name },
      });
    });
    return row;
  }

  /** Attributes whose source department is the actor's organisation: its right covers them. */
  coveredBy(def: RegistryDefinition, bindings: Map<string, BindingRow>, actor: Actor): Set<string> {
    return new Set(def.attributes.filter((a) => actor.orgId && bindings.get(a.source)?.org_id === actor.orgId).map((a) => a.name));
  }

  /**
   * One data, one source: throws REGISTRY_NOT_SOURCE naming the source department of the first
   * attribute the actor's organisation does not own. Callers record the refusal once their
   * transaction has rolled back (`recordRefusal`).
   */
  async checkSources(actor: Actor, def: RegistryDefinition, names: readonly string[], bindings: Map<string, BindingRow>): Promise<string[]> {
    const sources = new Set<string>();
    for (const name of names) {
      const attr = attributeOf(def, name)!;
      const b = bindings.get(attr.source);
      const dept = SOURCE_DEPARTMENTS[attr.source];
      if (!b)
        throw new AppError(
          'REGISTRY_SOURCE_UNBOUND',
          `来源部门「${dept?.zh ?? attr.source}」尚未指定机构 (the source department is not bound to an organisation)`,
          { source: attr.source },
        );
      if (b.org_id !== actor.orgId) {
        const details = { attribute: name, source: attr.source, sourceOrgId: b.org_id, sourceOrgName: b.org_name };
        throw new AppError(
          'REGISTRY_NOT_SOURCE',
          `「${attr.label.zh}」的来源部门是${b.org_name}，只有来源部门可以写入；如认为有误，请提交异议 (only the source department ${dept?.en ?? attr.source} may write ${name})`,
          details,
        );
      }
      sources.add(attr.source);
    }
    return [...sources].sort();
  }

  /** Runs `work`; a REGISTRY_NOT_SOURCE refusal is recorded in the audit log (outcome denied) and rethrown. */
  async recordRefusal<T>(actor: Actor, ctx: RequestContext | undefined, def: RegistryDefinition, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof AppError && e.code === 'REGISTRY_NOT_SOURCE')
        await this.deps.audit.record({
          actor,
          ...(ctx ? { context: ctx } : {}),
          action: 'registry.record.write',
          outcome: 'denied',
          subject: { type: 'registry', id: def.key },
          summary: e.details ?? {},
        });
      throw e;
    }
  }

  // ---- values ---------------------------------------------------------------------------

  /** The current values of a stored record, sealed ones opened. */
  valuesOf(row: Pick<RecordRow, 'data' | 'sealed'>): Attributes {
    const plain = JSON.parse(row.data) as Attributes;
    return row.sealed ? { ...plain, ...(JSON.parse(this.deps.sealer.open(row.sealed)) as Attributes) } : plain;
  }

  today(): string {
    return new Date(this.deps.clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  }

  /** Every problem of a write, each naming its field (`${prefix}.birthDate`); `today` is passed by callers that validate many rows. */
  validateWrite(def: RegistryDefinition, key: string, attrs: Attributes, creating: boolean, prefix = 'body.attributes', today = this.today()): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const keyAttr = attributeOf(def, def.keyAttribute)!;
    const keyIssue = valueProblem(def, keyAttr, key, today);
    if (keyIssue) issues.push({ field: 'key', reason: keyIssue });
    for (const name in attrs) {
      const value = attrs[name];
      const attr = attributeOf(def, name);
      if (!attr) issues.push({ field: `${prefix}.${name}`, reason: '未知属性 (unknown attribute)' });
      else if (name === def.keyAttribute) issues.push({ field: `${prefix}.${name}`, reason: '主键不可修改 (the record key cannot be written)' });
      else {
        const problem = valueProblem(def, attr, value, today) ?? (keyIssue ? undefined : keyPartProblem(def, attr, value, key, today));
        if (problem) issues.push({ field: `${prefix}.${name}`, reason: problem });
      }
    }
    if (creating)
      for (const attr of def.attributes)
        if (attr.required && attr.name !== def.keyAttribute && attr.type !== 'area' && (attrs[attr.name] === undefined || attrs[attr.name] === null))
          issues.push({ field: `${prefix}.${attr.name}`, reason: '必填 (required)' });
    return issues;
  }

  /** The values after a write and the changes it makes (computed attributes included); empty when nothing changes. */
  planChange(def: RegistryDefinition, current: Attributes | undefined, key: string, attrs: Attributes): { next: Attributes; changes: Changes } {
    const next: Attributes = { ...(current ?? { [def.keyAttribute]: key }) };
    const changes: Changes = current ? {} : { [def.keyAttribute]: [null, key] };
    const set = (name: string, value: AttributeValue | null) => {
      const prev = next[name] ?? null;
      // Strings and numbers compare as they are; objects (geometry) by canonical JSON.
      if (prev === value || (typeof prev === 'object' && typeof value === 'object' && stableJson(prev) === stableJson(value))) return;
      changes[name] = [prev, value];
      if (value === null) delete next[name];
      else next[name] = value;
    };
    for (const name in attrs) set(name, attrs[name] === '' ? null : (attrs[name] ?? null));
    for (const attr of def.attributes) {
      if (attr.type === 'area' && attr.computedFrom && changes[attr.computedFrom]) {
        const g = next[attr.computedFrom] as unknown as AreaGeometry | undefined;
        set(attr.name, g ? geometryArea(g) : null);
      }
    }
    return { next, changes };
  }

  /** The stored form of a record's values: plain JSON, sealed JSON of sensitive ones, search columns. */
  storedForm(def: RegistryDefinition, values: Attributes): Pick<RecordRow, 'data' | 'sealed' | 'holder' | 'min_lon' | 'min_lat' | 'max_lon' | 'max_lat'> {
    const plain: Attributes = {};
    let secret: Attributes | undefined;
    for (const attr of def.attributes) {
      const v = values[attr.name];
      if (v === undefined || v === null) continue;
      if (attr.sensitive) (secret ??= {})[attr.name] = v;
      else plain[attr.name] = v;
    }
    const g = def.geometryAttribute ? (values[def.geometryAttribute] as unknown as AreaGeometry | undefined) : undefined;
    const box: BBox | undefined = g ? geometryBBox(g) : undefined;
    const holder = def.holderAttribute ? values[def.holderAttribute] : undefined;
    return {
      data: JSON.stringify(plain),
      sealed: secret ? this.deps.sealer.seal(JSON.stringify(secret)) : null,
      holder: typeof holder === 'string' ? holder : null,
      min_lon: box?.minLon ?? null,
      min_lat: box?.minLat ?? null,
      max_lon: box?.maxLon ?? null,
      max_lat: box?.maxLat ?? null,
    };
  }

  /** Builds the log entry of a change (sensitive values sealed) with its leaf hash. */
  entryRow(def: RegistryDefinition, seq: number, key: string, changes: Changes, actor: Actor, sources: string[], reason: string, at: string): EntryRow {
    const sensitive = sensitiveNames(def);
    const plain: Changes = {};
    let secret: Changes | undefined;
    for (const name in changes) {
      if (sensitive.has(name)) (secret ??= {})[name] = changes[name]!;
      else plain[name] = changes[name]!;
    }
    // leaf_hash is filled in below: built once, not copied with a spread per entry.
    const row: EntryRow = {
      registry: def.key,
      seq,
      record_key: key,
      occurred_at: at,
      actor_type: actor.type,
      actor_id: actor.id ?? null,
      actor_name: actor.name ?? null,
      org_id: actor.orgId ?? null,
      sources: sources.join(','),
      reason,
      changes: JSON.stringify(plain),
      sealed_changes: secret ? this.deps.sealer.seal(JSON.stringify(secret)) : null,
      leaf_hash: '',
    };
    row.leaf_hash = entryLeafHash(this.deps.hash, row);
    return row;
  }

  // ---- writes ---------------------------------------------------------------------------

  /**
   * Creates or updates one record inside `trx` (the caller's transaction): validates, checks
   * that the actor's organisation is the source of every attribute written, appends the log
   * entry and the audit record. Returns the stored row, or the unchanged one when nothing changed.
   *
   * @throws VALIDATION_FAILED naming each bad field; REGISTRY_NOT_SOURCE (403);
   *   REGISTRY_RECORD_EXISTS / REGISTRY_RECORD_NOT_FOUND for the wrong mode.
   */
  async writeIn(
    trx: Db,
    actor: Actor,
    ctx: RequestContext | undefined,
    def: RegistryDefinition,
    key: string,
    attrs: Attributes,
    reason: string,
    mode: 'create' | 'update' | 'upsert',
    extraAudit: Partial<AuditEntry> = {},
  ): Promise<RecordRow> {
    authorize(actor, 'registry.write');
    const existing = await repo.findRecord(trx, def.key, key);
    if (existing && mode === 'create') throw new AppError('REGISTRY_RECORD_EXISTS', `记录 ${key} 已存在 (the record exists)`, { key });
    if (!existing && mode === 'update') throw new AppError('REGISTRY_RECORD_NOT_FOUND', undefined, { registry: def.key, key });
    const issues = this.validateWrite(def, key, attrs, !existing);
    if (issues.length > 0) throw validationError(issues);
    const current = existing ? this.valuesOf(existing) : undefined;
    const { next, changes } = this.planChange(def, current, key, attrs);
    const bindings = await this.bindings(trx);
    // The key of a new record and every attribute given are checked, changed or not: the caller must own what it states.
    const written = [...new Set([...(existing ? [] : [def.keyAttribute]), ...Object.keys(attrs), ...Object.keys(changes)])];
    const sources = await this.checkSources(actor, def, written, bindings);
    if (existing && Object.keys(changes).length === 0) return existing;
    const at = this.deps.clock.now().toISOString();
    const seq = await repo.claimSeqs(trx, def.key, 1);
    const entry = this.entryRow(def, seq, key, changes, actor, sources, reason, at);
    await repo.insertEntries(trx, [entry]);
    if (seq % LOG_NODE_LEAVES === 0) await new LogTree(trx, def.key, this.deps.hash).storeCompleted(seq, seq);
    const row: RecordRow = {
      registry: def.key,
      record_key: key,
      ...this.storedForm(def, next),
      version: (existing?.version ?? 0) + 1,
      last_seq: seq,
      created_at: existing?.created_at ?? at,
      updated_at: at,
    };
    if (existing) await repo.updateRecord(trx, row);
    else await repo.insertRecords(trx, [row]);
    await this.deps.audit.append(trx, {
      actor,
      ...(ctx ? { context: ctx } : {}),
      action: existing ? 'registry.record.update' : 'registry.record.create',
      subject: { type: 'registry-record', id: `${def.key}/${key}` },
      summary: { registry: def.key, seq, attributes: Object.keys(changes), reason },
      ...extraAudit,
    });
    return row;
  }

  /**
   * Writes many records inside `trx` (bulk import, demo seed): one lookup, one range of entry
   * numbers and batched inserts per call. Rows must already be valid; sources are checked once
   * for every attribute named. `known`: the stored rows of these keys when the caller has just
   * read them in `trx` (the import validates against them), so they are not read twice.
   * Returns how many records were created, updated and left unchanged.
   */
  async bulkWriteIn(
    trx: Db,
    actor: Actor,
    def: RegistryDefinition,
    rows: ReadonlyArray<{ key: string; attrs: Attributes }>,
    reason: string,
    sources: string[],
    known?: ReadonlyMap<string, RecordRow>,
  ) {
    authorize(actor, 'registry.write');
    const existing =
      known ??
      new Map(
        (
          await repo.findRecords(
            trx,
            def.key,
            rows.map((r) => r.key),
          )
        ).map((r) => [r.record_key, r]),
      );
    const at = this.deps.clock.now().toISOString();
    const planned: Array<{ key: string; old: RecordRow | undefined; next: Attributes; changes: Changes }> = [];
    for (const { key, attrs } of rows) {
      const old = existing.get(key);
      const { next, changes } = this.planChange(def, old ? this.valuesOf(old) : undefined, key, attrs);
      if (Object.keys(changes).length > 0) planned.push({ key, old, next, changes });
    }
    if (planned.length === 0) return { created: 0, updated: 0, unchanged: rows.length };
    const first = await repo.claimSeqs(trx, def.key, planned.length);
    const entries: EntryRow[] = [];
    const inserts: RecordRow[] = [];
    let updated = 0;
    for (let i = 0; i < planned.length; i++) {
      const p = planned[i]!;
      const seq = first + i;
      entries.push(this.entryRow(def, seq, p.key, p.changes, actor, sources, reason, at));
      const row: RecordRow = {
        registry: def.key,
        record_key: p.key,
        ...this.storedForm(def, p.next),
        version: (p.old?.version ?? 0) + 1,
        last_seq: seq,
        created_at: p.old?.created_at ?? at,
        updated_at: at,
      };
      if (p.old) {
        await repo.updateRecord(trx, row);
        updated++;
      } else inserts.push(row);
    }
    await repo.insertEntries(trx, entries);
    const tree = new LogTree(trx, def.key, this.deps.hash);
    tree.prime(
      first,
      entries.map((e) => e.leaf_hash),
    );
    await tree.storeCompleted(first, first + entries.length - 1);
    await repo.insertRecords(trx, inserts);
    return { created: inserts.length, updated, unchanged: rows.length - planned.length };
  }

  async write(
    actor: Actor,
    ctx: RequestContext,
    registry: string,
    key: string,
    attrs: Attributes,
    reason: string,
    mode: 'create' | 'update' | 'upsert',
  ): Promise<RegistryRecord> {
    const def = this.definition(registry);
    const row = await this.recordRefusal(actor, ctx, def, () =>
      this.deps.db.transaction().execute((trx) => this.writeIn(trx, actor, ctx, def, key, attrs, reason, mode)),
    );
    return this.present(def, row, this.coveredBy(def, await this.bindings(), actor), null);
  }

  // ---- reads ----------------------------------------------------------------------------

  /** `citizen:<id>` when the record's data-subject attribute holds a citizen identity number. */
  dataSubjectOf(def: RegistryDefinition, values: Attributes): string | undefined {
    const v = def.dataSubjectAttribute ? values[def.dataSubjectAttribute] : undefined;
    return typeof v === 'string' && CITIZEN_ID.test(v) ? `citizen:${v}` : undefined;
  }

  present(def: RegistryDefinition, row: RecordRow, covered: Set<string> | 'all', asOf: string | null, values = this.valuesOf(row)): RegistryRecord {
    const masked: string[] = [];
    const attributes: Record<string, AttributeValue | null> = {};
    for (const attr of def.attributes) {
      const v = values[attr.name] ?? null;
      if (attr.personal && covered !== 'all' && !covered.has(attr.name) && v !== null) {
        attributes[attr.name] = maskValue(attr, v);
        masked.push(attr.name);
      } else attributes[attr.name] = v;
    }
    return {
      registry: def.key,
      key: String(attributes[def.keyAttribute] ?? row.record_key),
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      asOf,
      attributes,
      masked,
    };
  }

  private accessRecord(
    actor: Actor,
    ctx: RequestContext | undefined,
    def: RegistryDefinition,
    key: string,
    values: Attributes,
    purpose: string,
    action: string,
  ): AuditEntry {
    const subject = this.dataSubjectOf(def, values);
    return {
      actor,
      ...(ctx ? { context: ctx } : {}),
      action,
      subject: { type: 'registry-record', id: `${def.key}/${key}` },
      purpose,
      ...(subject ? { dataSubject: subject } : {}),
      summary: { registry: def.key },
    };
  }

  /**
   * Reads one record (as of a date when `asOf` is given), masked to the caller's right, and
   * records the access with its purpose.
   *
   * @throws REGISTRY_PURPOSE_REQUIRED; REGISTRY_RECORD_NOT_FOUND (also when it did not exist yet at `asOf`)
   */
  async read(
    actor: Actor,
    ctx: RequestContext | undefined,
    registry: string,
    key: string,
    options: { purpose?: string; asOf?: string; extraCovered?: readonly string[]; self?: boolean },
  ): Promise<RegistryRecord> {
    const def = this.definition(registry);
    if (!options.self) authorize(actor, 'registry.read');
    const purpose = requirePurpose(options.purpose);
    const row = await repo.findRecord(this.deps.db, def.key, key);
    if (!row) throw new AppError('REGISTRY_RECORD_NOT_FOUND', undefined, { registry, key });
    let values = this.valuesOf(row);
    let asOf: string | null = null;
    let shown = row;
    if (options.asOf) {
      asOf = asOfInstant(options.asOf);
      const entries = await repo.entriesOf(this.deps.db, def.key, key, asOf);
      const last = entries[entries.length - 1];
      if (!last)
        throw new AppError('REGISTRY_RECORD_NOT_FOUND', `记录 ${key} 在 ${options.asOf} 尚不存在 (the record did not exist yet)`, { registry, key, asOf });
      values = replayEntries(entries, this.deps.sealer);
      shown = { ...row, version: entries.length, updated_at: last.occurred_at };
    }
    const covered = options.self ? 'all' : new Set([...this.coveredBy(def, await this.bindings(), actor), ...(options.extraCovered ?? [])]);
    await this.accessRecords.record(
      this.accessRecord(actor, ctx, def, key, values, purpose, options.self ? 'registry.record.read-own' : 'registry.record.read'),
    );
    return this.present(def, shown, covered, asOf, values);
  }

  /** The record's log entries, oldest first, values masked to the caller's right; recorded as an access. */
  async history(actor: Actor, ctx: RequestContext | undefined, registry: string, key: string, purposeText: string | undefined): Promise<HistoryEntry[]> {
    const def = this.definition(registry);
    authorize(actor, 'registry.read');
    const purpose = requirePurpose(purposeText);
    const row = await repo.findRecord(this.deps.db, def.key, key);
    if (!row) throw new AppError('REGISTRY_RECORD_NOT_FOUND', undefined, { registry, key });
    const covered = this.coveredBy(def, await this.bindings(), actor);
    const entries = await repo.entriesOf(this.deps.db, def.key, key);
    await this.accessRecords.record(this.accessRecord(actor, ctx, def, key, this.valuesOf(row), purpose, 'registry.record.history'));
    return entries.map((e) => {
      const changes: HistoryEntry['changes'] = {};
      for (const [name, [prev, next]] of Object.entries(entryChanges(e, this.deps.sealer))) {
        const attr = attributeOf(def, name);
        const mask = (v: unknown) =>
          attr?.personal && !covered.has(name) ? maskValue(attr, (v ?? null) as AttributeValue | null) : ((v ?? null) as AttributeValue | null);
        changes[name] = { previous: mask(prev), value: mask(next) };
      }
      return {
        seq: e.seq,
        occurredAt: e.occurred_at,
        actor: { type: e.actor_type, id: e.actor_id, name: e.actor_name, orgId: e.org_id },
        sources: e.sources.split(',').filter(Boolean),
        reason: e.reason,
        changes,
        leafHash: e.leaf_hash,
      };
    });
  }

  /**
   * Searches by right holder, by a point inside the geometry or by a bounding box; otherwise pages
   * through the registry in key order. Each returned record is recorded as an access.
   */
  async search(
    actor: Actor,
    ctx: RequestContext | undefined,
    registry: string,
    q: { purpose?: string; holder?: string; point?: Position; bbox?: BBox; after?: string; limit: number },
  ): Promise<{ items: RegistryRecord[]; total: number }> {
    const def = this.definition(registry);
    authorize(actor, 'registry.read');
    const purpose = requirePurpose(q.purpose);
    let rows: RecordRow[];
    if (q.holder !== undefined) {
      if (!def.holderAttribute) throw validationError([{ field: 'query.holder', reason: '该库不支持按权利人查询 (no holder attribute)' }]);
      rows = await repo.recordsByHolder(this.deps.db, def.key, q.holder, q.limit);
    } else if (q.point || q.bbox) {
      if (!def.geometryAttribute) throw validationError([{ field: q.point ? 'query.point' : 'query.bbox', reason: '该库没有空间图形 (no geometry)' }]);
      const box = q.bbox ?? { minLon: q.point![0], maxLon: q.point![0], minLat: q.point![1], maxLat: q.point![1] };
      const candidates = await repo.recordsInBox(this.deps.db, def.key, box, q.point ? 1000 : q.limit);
      rows = q.point
        ? candidates.filter((r) => geometryContains(this.valuesOf(r)[def.geometryAttribute!] as unknown as AreaGeometry, q.point!)).slice(0, q.limit)
        : candidates;
    } else {
      rows = await repo.recordPage(this.deps.db, def.key, q.after ?? '', q.limit);
    }
    const covered = this.coveredBy(def, await this.bindings(), actor);
    const withValues = rows.map((r) => ({ r, v: this.valuesOf(r) }));
    await this.accessRecords.recordMany(withValues.map(({ r, v }) => this.accessRecord(actor, ctx, def, r.record_key, v, purpose, 'registry.record.search')));
    return { items: withValues.map(({ r, v }) => this.present(def, r, covered, null, v)), total: await repo.countRecords(this.deps.db, def.key) };
  }

  /**
   * 核验: does the registry hold these values for this key? Answers match / no-match per claimed
   * attribute and never the stored values. Records the access.
   */
  async verifyClaims(
    actor: Actor,
    ctx: RequestContext | undefined,
    registry: string,
    key: string,
    claims: Record<string, unknown>,
    purposeText: string | undefined,
  ): Promise<{ found: boolean; results: Record<string, ClaimResult> }> {
    const def = this.definition(registry);
    authorize(actor, 'registry.verify');
    const purpose = requirePurpose(purposeText, 'body.purpose');
    const unknown = Object.keys(claims).filter((n) => !attributeOf(def, n));
    if (unknown.length > 0) throw validationError(unknown.map((n) => ({ field: `body.claims.${n}`, reason: '未知属性 (unknown attribute)' })));
    const row = await repo.findRecord(this.deps.db, def.key, key);
    const values = row ? this.valuesOf(row) : {};
    const results: Record<string, ClaimResult> = {};
    for (const [name, claimed] of Object.entries(claims)) results[name] = claimMatches(values[name], claimed) ? 'match' : 'no-match';
    const entry = this.accessRecord(actor, ctx, def, key, row ? values : {}, purpose, 'registry.record.verify');
    await this.accessRecords.record({ ...entry, summary: { registry: def.key, found: !!row, attributes: Object.keys(claims) } });
    return { found: !!row, results };
  }

  /** The signed-in citizen's own population record, unmasked; recorded like any other access. */
  async ownRecord(actor: Actor, ctx: RequestContext | undefined, registry = 'population'): Promise<RegistryRecord> {
    authorize(actor, 'registry.read-own');
    if (!actor.idNumber) throw new AppError('AUTH_FORBIDDEN');
    return this.read(actor, ctx, registry, actor.idNumber, { purpose: '本人查询 own record', self: true });
  }
}
