import { createHash } from 'node:crypto';
import { SYSTEM_ACTOR, type Actor, type RequestContext } from '../core/actor.js';
import { AppError, validationError, type FieldIssue } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { authorize } from '../core/policy.js';
import { lookupDivision } from '../standards/index.js';
import './catalog.policy.js';
import type { CatalogDeps } from './catalog.deps.js';
import { isBaseRegistryClass } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import type { ResourceRow } from './catalog.repository.js';
import { parseRdf, rdfFormatOf, readCatalogPage, type HarvestedDataset, type HarvestPage } from './harvest-parse.js';
import * as hrepo from './harvest.repository.js';
import type { HarvestRunRow, HarvestSourceRow } from './harvest.repository.js';
import { indexResource, loadSearchThesaurus } from './resource.service.js';
import { newTimeOrderedId } from './time-ordered-id.js';
import type { SearchThesaurus } from './segmenter.js';

/**
 * Harvesting (目录汇聚): a higher-level catalog (a province) takes in the DCAT-AP catalogs of
 * lower-level ones (its cities' zhengtong, or any DCAT-AP endpoint). A run walks the source's
 * pages and writes each dataset as a read-only, published resource here, keyed by (source, IRI):
 *
 * - idempotent: a dataset whose dct:modified has not changed is left alone, a changed one is
 *   updated in place, nothing is ever added twice;
 * - incremental: a zhengtong source is asked only for what changed since the last run
 *   (`modified_since`, paged); whether something was deleted there is told by comparing its
 *   `hydra:totalItems` with what is published here — only a difference costs a full walk;
 * - deletions: datasets gone from a complete walk are withdrawn here (已下线), not erased;
 * - provenance: source, original IRI and identifier, dct:modified there, harvested-at.
 *
 * Each page is written in one transaction with an audit record per resource; the high-water mark
 * moves only when the whole run succeeded, so a failed run is simply repeated.
 */

export interface HarvestSource {
  id: string;
  name: string;
  url: string;
  /** `zhengtong`: the source is a zhengtong DCAT endpoint (paged, `modified_since`); `dcat`: any DCAT-AP document. */
  kind: 'zhengtong' | 'dcat';
  regionCode: string | null;
  /** Harvested by the serving process every this many minutes; null: only when run by hand. */
  intervalMinutes: number | null;
  enabled: boolean;
  highWater: string | null;
  lastRunAt: string | null;
  lastStatus: 'succeeded' | 'failed' | null;
  lastMessage: string | null;
  resources: { published: number; offline: number };
  createdAt: string;
  updatedAt: string;
}

export interface HarvestRun {
  id: string;
  sourceId: string;
  mode: 'full' | 'incremental';
  status: 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string;
  pages: number;
  created: number;
  updated: number;
  unchanged: number;
  withdrawn: number;
  skipped: number;
  errors: Array<{ uri: string; reason: string }>;
  message: string | null;
}

export interface HarvestSourceInput {
  name: string;
  url: string;
  intervalMinutes?: number | null | undefined;
  regionCode?: string | null | undefined;
  enabled?: boolean | undefined;
}

export interface HarvestProgress {
  phase: 'fetch' | 'withdraw';
  page: number;
  /** Datasets read so far, and how many the source says there are (when it says). */
  datasets: number;
  total: number | null;
}

const ZHENGTONG_DCAT = /\/api\/v1\/catalog\/dcat\.(ttl|jsonld)$/;
const PAGE_SIZE = 500;
const MAX_PAGES = 10_000;
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
const LEASE_MS = 30 * 60_000;
/** Re-asks this much before the high-water mark, for changes committed out of timestamp order. */
const OVERLAP_MS = 60_000;

const presentSource = (r: HarvestSourceRow, counts?: { published: number; offline: number }): HarvestSource => ({
  id: r.id,
  name: r.name,
  url: r.url,
  kind: r.kind as HarvestSource['kind'],
  regionCode: r.region_code,
  intervalMinutes: r.interval_minutes === null ? null : Number(r.interval_minutes),
  enabled: Number(r.enabled) === 1,
  highWater: r.high_water,
  lastRunAt: r.last_run_at,
  lastStatus: r.last_status as HarvestSource['lastStatus'],
  lastMessage: r.last_message,
  resources: counts ?? { published: 0, offline: 0 },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const presentRun = (r: HarvestRunRow): HarvestRun => ({
  id: r.id,
  sourceId: r.source_id,
  mode: r.mode as HarvestRun['mode'],
  status: r.status as HarvestRun['status'],
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  pages: Number(r.pages),
  created: Number(r.created),
  updated: Number(r.updated),
  unchanged: Number(r.unchanged),
  withdrawn: Number(r.withdrawn),
  skipped: Number(r.skipped),
  errors: JSON.parse(r.errors) as HarvestRun['errors'],
  message: r.message,
});

/** Checks a source's settings; returns the normalized URL. Throws VALIDATION_FAILED naming each bad field. */
function checkSourceInput(input: Partial<HarvestSourceInput>, prefix = 'body.'): string | undefined {
  const issues: FieldIssue[] = [];
  let url: string | undefined;
  if (input.name !== undefined && (!input.name.trim() || input.name.trim().length > 100))
    issues.push({ field: `${prefix}name`, reason: '名称应为 1–100 个字符 (1–100 characters)' });
  if (input.url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(input.url.trim());
    } catch {
      issues.push({ field: `${prefix}url`, reason: `不是合法的网址 (not a URL): ${input.url.slice(0, 200)}` });
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      issues.push({ field: `${prefix}url`, reason: '只支持 http(s) 地址 (http or https only)' });
    else if (parsed && (parsed.username || parsed.password))
      issues.push({ field: `${prefix}url`, reason: '地址中不能含用户名或密码 (no credentials in the URL)' });
    else if (parsed && parsed.href.length > 2000) issues.push({ field: `${prefix}url`, reason: '地址最长 2000 个字符 (at most 2000 characters)' });
    else if (parsed) {
      parsed.hash = '';
      url = parsed.href;
    }
  }
  const minutes = input.intervalMinutes;
  if (minutes !== undefined && minutes !== null && (!Number.isInteger(minutes) || minutes < 5 || minutes > 7 * 24 * 60))
    issues.push({ field: `${prefix}intervalMinutes`, reason: '汇聚间隔应为 5–10080 分钟的整数，或 null 表示只手动汇聚 (5–10080 minutes, or null)' });
  const region = input.regionCode;
  if (region !== undefined && region !== null && (!/^\d{6}$/.test(region) || !lookupDivision(region)))
    issues.push({ field: `${prefix}regionCode`, reason: `行政区划代码 ${region} 不存在 (unknown division code)` });
  if (issues.length) throw validationError(issues);
  return url;
}

async function loadSource(deps: CatalogDeps, id: string): Promise<HarvestSourceRow> {
  const row = await hrepo.findSource(deps.db, id);
  if (!row) throw new AppError('CATALOG_HARVEST_SOURCE_NOT_FOUND', `汇聚来源 ${id} 不存在`);
  return row;
}

/**
 * Registers a source (a lower-level catalog's DCAT-AP address). A zhengtong endpoint
 * (`…/api/v1/catalog/dcat.ttl` or `.jsonld`) is harvested incrementally.
 *
 * @throws VALIDATION_FAILED (body.url, body.name, body.intervalMinutes, body.regionCode); CATALOG_HARVEST_SOURCE_EXISTS.
 */
export async function createHarvestSource(deps: CatalogDeps, actor: Actor, ctx: RequestContext, input: HarvestSourceInput): Promise<HarvestSource> {
  authorize(actor, 'catalog.harvest.manage');
  const url = checkSourceInput(input)!;
  if (await hrepo.findSourceByUrl(deps.db, url)) throw new AppError('CATALOG_HARVEST_SOURCE_EXISTS', `汇聚来源 ${url} 已登记`, { field: 'body.url' });
  const now = deps.clock.now().toISOString();
  const row: HarvestSourceRow = {
    id: newId(),
    name: input.name.trim(),
    url,
    kind: ZHENGTONG_DCAT.test(new URL(url).pathname) ? 'zhengtong' : 'dcat',
    region_code: input.regionCode ?? null,
    interval_minutes: input.intervalMinutes ?? null,
    enabled: input.enabled === false ? 0 : 1,
    high_water: null,
    lease_until: null,
    last_run_at: null,
    last_status: null,
    last_message: null,
    created_by: actor.id ?? null,
    created_at: now,
    updated_at: now,
  };
  await deps.db.transaction().execute(async (trx) => {
    await hrepo.insertSource(trx, row);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.harvest.source.create',
      subject: { type: 'catalog-harvest-source', id: row.id },
      summary: { name: row.name, url: row.url, kind: row.kind, intervalMinutes: row.interval_minutes },
    });
  });
  return presentSource(row);
}

/** Changes a source's name, schedule, region or enabled flag (its URL is its identity: delete and add to change it). */
export async function updateHarvestSource(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  id: string,
  patch: Omit<Partial<HarvestSourceInput>, 'url'>,
): Promise<HarvestSource> {
  authorize(actor, 'catalog.harvest.manage');
  checkSourceInput(patch);
  const before = await loadSource(deps, id);
  const now = deps.clock.now().toISOString();
  const set: Partial<HarvestSourceRow> = { updated_at: now };
  if (patch.name !== undefined) set.name = patch.name.trim();
  if (patch.intervalMinutes !== undefined) set.interval_minutes = patch.intervalMinutes;
  if (patch.regionCode !== undefined) set.region_code = patch.regionCode;
  if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
  await deps.db.transaction().execute(async (trx) => {
    await hrepo.updateSource(trx, id, set);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.harvest.source.update',
      subject: { type: 'catalog-harvest-source', id },
      summary: { url: before.url, ...patch, before: { name: before.name, intervalMinutes: before.interval_minutes, enabled: before.enabled === 1 } },
    });
  });
  const counts = (await hrepo.resourceCountsBySource(deps.db)).get(id);
  return presentSource({ ...before, ...set }, counts);
}

export async function listHarvestSources(deps: CatalogDeps, actor: Actor): Promise<HarvestSource[]> {
  authorize(actor, 'catalog.harvest.manage');
  const counts = await hrepo.resourceCountsBySource(deps.db);
  return (await hrepo.listSources(deps.db)).map((r) => presentSource(r, counts.get(r.id)));
}

/** A source with its latest runs (newest first). */
export async function getHarvestSource(deps: CatalogDeps, actor: Actor, id: string): Promise<HarvestSource & { runs: HarvestRun[] }> {
  authorize(actor, 'catalog.harvest.manage');
  const row = await loadSource(deps, id);
  const counts = (await hrepo.resourceCountsBySource(deps.db)).get(id);
  return { ...presentSource(row, counts), runs: (await hrepo.listRuns(deps.db, id, 20)).map(presentRun) };
}

/**
 * Removes a source. Its resources are withdrawn here (已下线) and stay read-only with their
 * provenance, so the record of what was harvested is kept. Refused while a run holds the source.
 */
export async function deleteHarvestSource(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string): Promise<{ withdrawn: number }> {
  authorize(actor, 'catalog.harvest.manage');
  const source = await loadSource(deps, id);
  const now = deps.clock.now().toISOString();
  if (!(await hrepo.claimSource(deps.db, id, now, new Date(deps.clock.now().getTime() + LEASE_MS).toISOString())))
    throw new AppError('CATALOG_HARVEST_RUNNING', `汇聚来源 ${source.name} 正在汇聚，稍后再删除`);
  const published = await hrepo.publishedOfSource(deps.db, id);
  await deps.db.transaction().execute(async (trx) => {
    for (const r of published) await withdrawOne(deps, trx, actor, ctx, r, '汇聚来源已删除 (the harvest source was removed)', now);
    await hrepo.deleteSource(trx, id);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.harvest.source.delete',
      subject: { type: 'catalog-harvest-source', id },
      summary: { name: source.name, url: source.url, withdrawn: published.length },
    });
  });
  return { withdrawn: published.length };
}

// ── running ──────────────────────────────────────────────────────────────────

class HarvestFailure extends Error {}

/** A stable UUID for a provider seen at a source (the same department gets the same id at every harvest). */
function providerIdOf(key: string): string {
  const h = createHash('sha1').update(`zhengtong:harvest-provider:${key}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Fetches and parses one document; every failure becomes a HarvestFailure saying what went wrong, in Chinese and English. */
async function fetchPage(deps: CatalogDeps, url: string, contexts: Map<string, unknown>): Promise<HarvestPage> {
  const doFetch = deps.httpFetch ?? fetch;
  const get = async (target: string, accept: string): Promise<{ body: string; type: string | null; finalUrl: string }> => {
    let res: Response;
    try {
      res = await doFetch(target, { headers: { accept }, redirect: 'follow', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new HarvestFailure(`无法连接来源 (cannot reach the source) ${target}：${why}`);
    }
    if (!res.ok) throw new HarvestFailure(`来源返回 HTTP ${res.status} (the source answered HTTP ${res.status})：${target}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > MAX_DOCUMENT_BYTES) throw new HarvestFailure(`来源文档过大 (document too large): ${declared} 字节`);
    const body = await res.text();
    if (body.length > MAX_DOCUMENT_BYTES) throw new HarvestFailure(`来源文档过大 (document too large): ${body.length} 字符`);
    return { body, type: res.headers.get('content-type'), finalUrl: res.url || target };
  };
  const doc = await get(url, 'text/turtle, application/ld+json;q=0.9, application/n-triples;q=0.8, application/json;q=0.5');
  const format = rdfFormatOf(doc.type, doc.finalUrl);
  if (!format)
    throw new HarvestFailure(`来源不是 DCAT-AP 文档（需要 Turtle 或 JSON-LD），Content-Type: ${doc.type ?? '无'} (not a Turtle or JSON-LD document)：${url}`);
  let quads;
  try {
    quads = await parseRdf(doc.body, format, doc.finalUrl, async (ctxUrl) => {
      if (!/^https?:\/\//.test(ctxUrl)) throw new Error(`不支持的上下文地址 ${ctxUrl}`);
      if (!contexts.has(ctxUrl)) contexts.set(ctxUrl, JSON.parse((await get(ctxUrl, 'application/ld+json, application/json')).body));
      return contexts.get(ctxUrl);
    });
  } catch (e) {
    if (e instanceof HarvestFailure) throw e;
    throw new HarvestFailure(`无法解析来源的 ${format === 'jsonld' ? 'JSON-LD' : 'Turtle'} (cannot parse the document)：${(e as Error).message.slice(0, 300)}`);
  }
  const page = readCatalogPage(quads);
  if (!page.datasets.length && !page.errors.length && page.totalItems === null && !quads.some((q) => q.object.value === `${DCAT_CATALOG}`))
    throw new HarvestFailure(`文档中没有 dcat:Catalog 或 dcat:Dataset (no DCAT-AP catalog in the document)：${url}`);
  return page;
}
const DCAT_CATALOG = 'http://www.w3.org/ns/dcat#Catalog';

interface RunState {
  source: HarvestSourceRow;
  actor: Actor;
  ctx: RequestContext;
  now: string;
  thesaurus: SearchThesaurus;
  classes: Set<string>;
  seqs: Map<string, number>;
  seen: Set<string>;
  highWater: string | null;
  counts: { pages: number; created: number; updated: number; unchanged: number; withdrawn: number; skipped: number };
  errors: Array<{ uri: string; reason: string }>;
  datasets: number;
  onProgress: ((p: HarvestProgress) => void) | undefined;
}

/** The deepest class here that the source's class is in (the source may have finer classes), else 部门信息资源. */
function localClassOf(st: RunState, code: string | null): string {
  for (const length of [9, 6, 3]) {
    const c = code && code.length >= length && /^\d+$/.test(code) ? code.slice(0, length) : undefined;
    if (c && st.classes.has(c)) return c;
  }
  return '3';
}

function columnsOf(st: RunState, d: HarvestedDataset, classCode: string): Omit<ResourceRow, 'id' | 'code' | 'seq' | 'created_at' | 'created_by'> {
  const baseRegistry = isBaseRegistryClass(classCode);
  const shareType = baseRegistry ? 'unconditional' : d.shareType;
  return {
    class_code: classCode,
    name: d.name,
    provider_org_id: providerIdOf(d.publisher.iri ?? `${st.source.id}|${d.publisher.code || d.publisher.name}`),
    provider_name: d.publisher.name.slice(0, 200),
    provider_code: d.publisher.code.slice(0, 64),
    region_code: d.regionCode ?? st.source.region_code ?? '',
    abstract: d.abstract,
    format_type: d.formatType,
    format_detail: d.formatDetail,
    items: JSON.stringify(d.items),
    share_type: shareType,
    share_condition: shareType === 'conditional' ? d.shareCondition : null,
    share_basis: shareType === 'none' ? d.shareBasis : null,
    share_methods: JSON.stringify(d.shareMethods.length ? d.shareMethods : shareType === 'none' ? [] : ['interface']),
    open_type: d.openType,
    open_condition: d.openCondition,
    update_cycle: d.updateCycle,
    published_on: d.issued ?? st.now.slice(0, 10),
    related_codes: JSON.stringify(d.relatedCodes),
    keywords: JSON.stringify(d.keywords),
    maintainer: d.maintainer,
    links: JSON.stringify(d.links),
    status: 'published',
    review_note: null,
    base_registry: baseRegistry ? 1 : 0,
    data_updated_at: d.modified ?? st.now,
    updated_at: st.now,
    harvest_source_id: st.source.id,
    source_uri: d.uri,
    source_code: d.identifier,
    source_modified: d.modified,
    harvested_at: st.now,
  };
}

/** Writes one page's datasets in one transaction: new ones created, changed ones updated, the rest left alone. */
async function applyPage(deps: CatalogDeps, st: RunState, page: HarvestPage): Promise<void> {
  const byUri = new Map<string, HarvestedDataset>();
  for (const d of page.datasets) byUri.set(d.uri, d);
  for (const e of page.errors) {
    st.errors.push(e);
    st.counts.skipped++;
  }
  await deps.db.transaction().execute(async (trx) => {
    const existing = new Map((await hrepo.harvestedByUri(trx, st.source.id, [...byUri.keys()])).map((r) => [r.source_uri!, r]));
    for (const d of byUri.values()) {
      st.seen.add(d.uri);
      if (d.modified && (!st.highWater || d.modified > st.highWater)) st.highWater = d.modified;
      const before = existing.get(d.uri);
      if (before && before.status === 'published' && d.modified && before.source_modified === d.modified) {
        st.counts.unchanged++;
        continue;
      }
      const classCode = localClassOf(st, d.classCode);
      const cols = columnsOf(st, d, classCode);
      const audit = (action: string, id: string, code: string, extra: Record<string, unknown> = {}) =>
        deps.audit.append(trx, {
          actor: st.actor,
          context: st.ctx,
          action,
          subject: { type: 'catalog-resource', id },
          summary: { code, name: d.name, source: st.source.url, sourceUri: d.uri, sourceCode: d.identifier, ...extra },
        });
      if (!before) {
        const seq = st.seqs.get(classCode) ?? (await repo.nextSeq(trx, classCode));
        st.seqs.set(classCode, seq + 1);
        const row: ResourceRow = {
          id: newTimeOrderedId(),
          code: `${classCode}/${String(seq).padStart(6, '0')}`,
          seq,
          ...cols,
          created_by: null,
          created_at: st.now,
        };
        await repo.insertResource(trx, row);
        await indexResource(trx, row, st.thesaurus);
        await audit('catalog.harvest.create', row.id, row.code);
        st.counts.created++;
      } else {
        const patch: Partial<ResourceRow> = { ...cols };
        if (classCode !== before.class_code) {
          const seq = st.seqs.get(classCode) ?? (await repo.nextSeq(trx, classCode));
          st.seqs.set(classCode, seq + 1);
          Object.assign(patch, { seq, code: `${classCode}/${String(seq).padStart(6, '0')}` });
        }
        await repo.updateResource(trx, before.id, patch);
        await indexResource(trx, { ...before, ...patch } as ResourceRow, st.thesaurus);
        await audit('catalog.harvest.update', before.id, patch.code ?? before.code, { before: { name: before.name, status: before.status } });
        st.counts.updated++;
      }
    }
  });
  st.datasets += page.datasets.length + page.errors.length;
}

async function withdrawOne(
  deps: CatalogDeps,
  trx: CatalogDeps['db'],
  actor: Actor,
  ctx: RequestContext,
  r: { id: string; code: string; source_uri: string },
  note: string,
  now: string,
): Promise<void> {
  await repo.updateResource(trx, r.id, { status: 'offline', review_note: note, updated_at: now });
  await deps.audit.append(trx, {
    actor,
    context: ctx,
    action: 'catalog.harvest.withdraw',
    subject: { type: 'catalog-resource', id: r.id },
    summary: { code: r.code, sourceUri: r.source_uri, reason: note },
  });
}

/** Walks the source from `first`, following hydra:next on the same origin; returns the first page's paging. */
async function walk(deps: CatalogDeps, st: RunState, first: string, contexts: Map<string, unknown>): Promise<HarvestPage> {
  const origin = new URL(st.source.url).origin;
  const visited = new Set<string>();
  let url: string | null = first;
  let firstPage: HarvestPage | undefined;
  while (url && !visited.has(url)) {
    if (visited.size >= MAX_PAGES) throw new HarvestFailure(`来源超过 ${MAX_PAGES} 页 (more than ${MAX_PAGES} pages)`);
    visited.add(url);
    const page = await fetchPage(deps, url, contexts);
    firstPage ??= page;
    await applyPage(deps, st, page);
    st.counts.pages++;
    st.onProgress?.({ phase: 'fetch', page: st.counts.pages, datasets: st.datasets, total: firstPage.totalItems });
    url = page.next && new URL(page.next).origin === origin ? page.next : null;
  }
  return firstPage!;
}

/** The first page's address: a zhengtong endpoint gets a large page size and, incrementally, `modified_since`. */
function firstPageUrl(source: HarvestSourceRow, since: string | undefined, pageSize = PAGE_SIZE): string {
  if (source.kind !== 'zhengtong') return source.url;
  const u = new URL(source.url);
  u.searchParams.set('page', '1');
  u.searchParams.set('page_size', String(pageSize));
  if (since) u.searchParams.set('modified_since', since);
  else u.searchParams.delete('modified_since');
  return u.href;
}

/**
 * Harvests one source now. `full` walks everything even when an incremental run would do.
 * Records the run (succeeded or failed), audits it, and returns it.
 *
 * @throws CATALOG_HARVEST_FAILED with the reason (unreachable, HTTP error, not DCAT-AP, unparsable),
 *   after recording the failed run; CATALOG_HARVEST_RUNNING when a run already holds the source.
 */
export async function runHarvest(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  id: string,
  options: { full?: boolean | undefined; onProgress?: (p: HarvestProgress) => void } = {},
): Promise<HarvestRun> {
  authorize(actor, 'catalog.harvest.manage');
  const source = await loadSource(deps, id);
  if (Number(source.enabled) !== 1) throw new AppError('CATALOG_HARVEST_SOURCE_DISABLED', `汇聚来源 ${source.name} 已停用，请先启用 (the source is disabled)`);
  const started = deps.clock.now();
  if (!(await hrepo.claimSource(deps.db, id, started.toISOString(), new Date(started.getTime() + LEASE_MS).toISOString())))
    throw new AppError('CATALOG_HARVEST_RUNNING', `汇聚来源 ${source.name} 正在汇聚中`);
  const st: RunState = {
    source,
    actor,
    ctx,
    now: started.toISOString(),
    thesaurus: await loadSearchThesaurus(deps.db),
    classes: new Set((await repo.listClasses(deps.db)).map((c) => c.code)),
    seqs: new Map(),
    seen: new Set(),
    highWater: source.high_water,
    counts: { pages: 0, created: 0, updated: 0, unchanged: 0, withdrawn: 0, skipped: 0 },
    errors: [],
    datasets: 0,
    onProgress: options.onProgress,
  };
  let mode: HarvestRun['mode'] = !options.full && source.kind === 'zhengtong' && source.high_water ? 'incremental' : 'full';
  let status: HarvestRun['status'] = 'succeeded';
  let message: string | null = null;
  const contexts = new Map<string, unknown>();
  try {
    let complete: boolean;
    if (mode === 'incremental') {
      const since = new Date(Date.parse(source.high_water!) - OVERLAP_MS).toISOString();
      const first = await walk(deps, st, firstPageUrl(source, since), contexts);
      // A zhengtong names the page with its modified_since; a server that ignored it sent everything.
      complete = !first.viewIri?.includes('modified_since=');
      if (!complete) {
        const total = (await fetchPage(deps, firstPageUrl(source, undefined, 1), contexts)).totalItems;
        // Everything at the source is here (what changed was just written), so equal counts mean nothing was deleted there.
        if (total === null || total !== (await hrepo.countPublishedOfSource(deps.db, id))) {
          mode = 'full';
          await walk(deps, st, firstPageUrl(source, undefined), contexts);
          complete = true;
        }
      }
    } else {
      await walk(deps, st, firstPageUrl(source, undefined), contexts);
      complete = true;
    }
    if (complete) {
      const gone = (await hrepo.publishedOfSource(deps.db, id)).filter((r) => !st.seen.has(r.source_uri));
      for (let i = 0; i < gone.length; i += 200)
        await deps.db.transaction().execute(async (trx) => {
          for (const r of gone.slice(i, i + 200)) await withdrawOne(deps, trx, actor, ctx, r, '来源目录已删除或下线 (removed at the source)', st.now);
        });
      st.counts.withdrawn = gone.length;
      if (gone.length) options.onProgress?.({ phase: 'withdraw', page: st.counts.pages, datasets: st.datasets, total: gone.length });
    }
  } catch (e) {
    if (!(e instanceof HarvestFailure)) {
      await hrepo.updateSource(deps.db, id, { lease_until: null });
      throw e;
    }
    status = 'failed';
    message = e.message;
  }
  const run: HarvestRunRow = {
    id: newId(),
    source_id: id,
    mode,
    status,
    started_at: st.now,
    finished_at: deps.clock.now().toISOString(),
    ...st.counts,
    errors: JSON.stringify(st.errors.slice(0, 100)),
    message,
    triggered_by: actor.id ?? actor.type,
  };
  await deps.db.transaction().execute(async (trx) => {
    await hrepo.insertRun(trx, run);
    await hrepo.updateSource(trx, id, {
      lease_until: null,
      last_run_at: st.now,
      last_status: status,
      last_message: message,
      ...(status === 'succeeded' ? { high_water: st.highWater } : {}),
    });
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.harvest.run',
      subject: { type: 'catalog-harvest-source', id },
      summary: { url: source.url, mode, status, ...st.counts, ...(message ? { message } : {}) },
    });
  });
  if (status === 'failed')
    throw new AppError('CATALOG_HARVEST_FAILED', `汇聚“${source.name}”失败：${message}`, { sourceId: id, url: source.url, runId: run.id, reason: message });
  return presentRun(run);
}

/**
 * Runs every enabled source whose interval has passed (the serving process calls this every
 * minute). A failing source is recorded and does not stop the others; a source another instance
 * is running is skipped.
 */
export async function runDueHarvests(deps: CatalogDeps): Promise<Array<{ sourceId: string; status: 'succeeded' | 'failed' | 'busy'; message?: string }>> {
  const out: Array<{ sourceId: string; status: 'succeeded' | 'failed' | 'busy'; message?: string }> = [];
  for (const s of await hrepo.dueSources(deps.db, deps.clock.now())) {
    try {
      await runHarvest(deps, SYSTEM_ACTOR, { requestId: 'job:catalog-harvest' }, s.id);
      out.push({ sourceId: s.id, status: 'succeeded' });
    } catch (e) {
      if (e instanceof AppError && e.code === 'CATALOG_HARVEST_RUNNING') out.push({ sourceId: s.id, status: 'busy' });
      else if (e instanceof AppError && e.code === 'CATALOG_HARVEST_FAILED') out.push({ sourceId: s.id, status: 'failed', message: e.message });
      else throw e;
    }
  }
  return out;
}

/** The source registered for `url`, or a new one (the CLI's `catalog harvest <url>`). */
export async function findOrCreateHarvestSource(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  input: HarvestSourceInput,
): Promise<{ source: HarvestSource; created: boolean }> {
  const url = checkSourceInput({ url: input.url });
  const existing = url ? await hrepo.findSourceByUrl(deps.db, url) : undefined;
  if (existing) return { source: presentSource(existing), created: false };
  return { source: await createHarvestSource(deps, actor, ctx, input), created: true };
}
