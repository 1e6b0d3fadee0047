import jsonld from 'jsonld';
import { Parser, type Quad, type Term } from 'n3';
import type { DataItem, FormatType, OpenType, ResourceLink, ShareMethod, ShareType, UpdateCycle } from './catalog.model.js';
import { FORMAT_TYPES, LINK_KINDS, OPEN_TYPES, SHARE_METHODS, SHARE_TYPES, UPDATE_CYCLES } from './catalog.model.js';
import { DCAT_PREFIXES } from './dcat.js';

/**
 * Reading a DCAT-AP document (Turtle, N-Triples or JSON-LD) into the datasets it describes, mapped
 * onto the catalog's core metadata. A zhengtong source carries the `ztc:` properties and maps
 * without loss; any other DCAT-AP source maps what DCAT says (title, description, keywords,
 * publisher, contact, frequency, access rights, distributions) with stated defaults for the rest.
 */

/** One dataset as harvested. */
export interface HarvestedDataset {
  /** The dataset's IRI at the source: its identity across harvests. */
  uri: string;
  /** dct:identifier (the source's 信息资源代码 for a zhengtong). */
  identifier: string | null;
  name: string;
  abstract: string;
  keywords: string[];
  issued: string | null;
  /** dct:modified as an ISO timestamp, when the source gives one. */
  modified: string | null;
  publisher: { iri: string | null; name: string; code: string };
  maintainer: string;
  /** Class code at the source (zhengtong), or null. */
  classCode: string | null;
  regionCode: string | null;
  formatType: FormatType;
  formatDetail: string | null;
  items: DataItem[];
  shareType: ShareType;
  shareCondition: string | null;
  shareBasis: string | null;
  shareMethods: ShareMethod[];
  openType: OpenType;
  openCondition: string | null;
  updateCycle: UpdateCycle;
  relatedCodes: string[];
  links: ResourceLink[];
}

/** Paging of a catalog page (Hydra, as zhengtong and many DCAT-AP endpoints serve it). */
export interface HarvestPage {
  datasets: HarvestedDataset[];
  /** Datasets that could not be read, with why. */
  errors: Array<{ uri: string; reason: string }>;
  /** The page's own IRI as the server names it (a zhengtong echoes `modified_since` in it). */
  viewIri: string | null;
  totalItems: number | null;
  next: string | null;
}

const NS = DCAT_PREFIXES;
const RDF_TYPE = `${NS.rdf}type`;
const EU = 'http://publications.europa.eu/resource/authority/';
const FREQUENCY_CYCLE: Record<string, UpdateCycle> = {
  UPDATE_CONT: 'realtime',
  CONT: 'realtime',
  DAILY: 'daily',
  WEEKLY: 'weekly',
  MONTHLY: 'monthly',
  QUARTERLY: 'quarterly',
  ANNUAL_2: 'half-yearly',
  BIANNUAL: 'half-yearly',
  ANNUAL: 'yearly',
};

/** Which parser a response needs, from its content type (then the URL's extension). */
export function rdfFormatOf(contentType: string | null, url: string): 'turtle' | 'ntriples' | 'jsonld' | undefined {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct === 'text/turtle' || ct === 'application/x-turtle') return 'turtle';
  if (ct === 'application/n-triples' || ct === 'application/n-quads') return 'ntriples';
  if (ct === 'application/ld+json' || ct === 'application/json') return 'jsonld';
  const path = new URL(url).pathname.toLowerCase();
  if (path.endsWith('.ttl')) return 'turtle';
  if (path.endsWith('.nt') || path.endsWith('.nq')) return 'ntriples';
  if (path.endsWith('.jsonld') || path.endsWith('.json')) return 'jsonld';
  return undefined;
}

/**
 * Parses a document into quads. JSON-LD contexts it references are fetched with `loadContext`
 * (so outbound HTTP stays the caller's); Turtle needs nothing outside.
 *
 * @throws Error with the parser's message (line number for Turtle).
 */
export async function parseRdf(
  text: string,
  format: 'turtle' | 'ntriples' | 'jsonld',
  baseIRI: string,
  loadContext: (url: string) => Promise<unknown>,
): Promise<Quad[]> {
  if (format !== 'jsonld') return new Parser({ baseIRI, format: format === 'turtle' ? 'text/turtle' : 'application/n-quads' }).parse(text);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`JSON 无法解析 (invalid JSON): ${(e as Error).message}`);
  }
  const nquads = await jsonld.toRDF(doc, {
    format: 'application/n-quads',
    base: baseIRI,
    documentLoader: async (url) => ({ contextUrl: null, documentUrl: url, document: await loadContext(url) }),
  });
  return new Parser({ format: 'application/n-quads' }).parse(nquads);
}

/** Subject → predicate → objects. */
class Index {
  private readonly bySubject = new Map<string, Map<string, Term[]>>();
  constructor(quads: Quad[]) {
    for (const q of quads) {
      const key = keyOf(q.subject);
      let preds = this.bySubject.get(key);
      if (!preds) this.bySubject.set(key, (preds = new Map()));
      const list = preds.get(q.predicate.value);
      if (list) list.push(q.object);
      else preds.set(q.predicate.value, [q.object]);
    }
  }
  all(subject: Term | string, predicate: string): Term[] {
    return this.bySubject.get(typeof subject === 'string' ? subject : keyOf(subject))?.get(predicate) ?? [];
  }
  one(subject: Term | string, predicate: string): Term | undefined {
    return this.all(subject, predicate)[0];
  }
  subjectsOfType(type: string): string[] {
    const out: string[] = [];
    for (const [s, preds] of this.bySubject) if (preds.get(RDF_TYPE)?.some((o) => o.value === type)) out.push(s);
    return out;
  }
}

const keyOf = (t: Term) => (t.termType === 'BlankNode' ? `_:${t.value}` : t.value);

/** The literal to show: Chinese first, then untagged, then any. */
function text(terms: Term[]): string | null {
  const lits = terms.filter((t) => t.termType === 'Literal') as Array<Term & { language: string }>;
  const pick = lits.find((l) => l.language === 'zh') ?? lits.find((l) => l.language.startsWith('zh')) ?? lits.find((l) => !l.language) ?? lits[0];
  return pick ? pick.value.trim() : null;
}

function jsonList<T>(value: string | null, check: (v: unknown) => v is T): T[] | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? parsed.filter(check) : null;
  } catch {
    return null;
  }
}

const isItem = (v: unknown): v is DataItem => typeof v === 'object' && v !== null && typeof (v as DataItem).name === 'string';
const isLink = (v: unknown): v is ResourceLink =>
  typeof v === 'object' && v !== null && typeof (v as ResourceLink).ref === 'string' && (v as ResourceLink).kind in LINK_KINDS;
const isString = (v: unknown): v is string => typeof v === 'string';
const oneOf = <T extends string>(value: string | null, allowed: Record<T, unknown>): T | null => (value && value in allowed ? (value as T) : null);

function isoOf(value: string | null): string | null {
  if (!value) return null;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** 格式 of a generic dataset from its distributions' formats and media types. */
function formatOfDistributions(idx: Index, ds: string): { type: FormatType; detail: string | null } {
  const formats: string[] = [];
  for (const dist of idx.all(ds, `${NS.dcat}distribution`)) {
    for (const p of [`${NS.dct}format`, `${NS.dcat}mediaType`]) for (const f of idx.all(dist, p)) formats.push(f.value.split('/').pop()!.toUpperCase());
    if (idx.one(dist, `${NS.dcat}accessService`)) formats.push('API');
  }
  const has = (...names: string[]) => formats.some((f) => names.some((n) => f.includes(n)));
  const detail = formats.length ? [...new Set(formats)].slice(0, 5).join(', ').slice(0, 100) : null;
  if (has('API', 'WMS', 'WFS', 'SPARQL')) return { type: 'api', detail };
  if (has('CSV', 'XLS', 'ODS')) return { type: 'spreadsheet', detail };
  if (has('JSON', 'XML', 'RDF', 'TURTLE')) return { type: 'self-describing', detail };
  if (has('PNG', 'JPEG', 'TIFF', 'GEOTIFF', 'SHP')) return { type: 'image', detail };
  return { type: 'file', detail };
}

/** One dataset node as core metadata, or the reason it cannot be harvested. */
function readDataset(idx: Index, ds: string): HarvestedDataset | { uri: string; reason: string } {
  if (ds.startsWith('_:')) return { uri: ds, reason: '数据集没有 IRI，无法识别 (a dataset needs an IRI to be harvested)' };
  const ztc = (local: string) => text(idx.all(ds, `${NS.ztc}${local}`));
  const name = text(idx.all(ds, `${NS.dct}title`));
  if (!name) return { uri: ds, reason: '缺少 dct:title (no title)' };
  const identifier = text(idx.all(ds, `${NS.dct}identifier`));
  const publisherNode = idx.one(ds, `${NS.dct}publisher`);
  const publisher = {
    iri: publisherNode?.termType === 'NamedNode' ? publisherNode.value : null,
    name: (publisherNode && text(idx.all(publisherNode, `${NS.foaf}name`))) ?? '来源目录',
    code: (publisherNode && text(idx.all(publisherNode, `${NS.dct}identifier`))) ?? '',
  };
  const contact = idx.one(ds, `${NS.dcat}contactPoint`);
  const contactName = contact ? (text(idx.all(contact, `${NS.vcard}fn`)) ?? text(idx.all(contact, `${NS.vcard}organization-name`))) : null;
  const frequency = idx.one(ds, `${NS.dct}accrualPeriodicity`)?.value;
  const access = idx.one(ds, `${NS.dct}accessRights`)?.value;
  const accessRight = access?.startsWith(`${EU}access-right/`) ? access.slice(`${EU}access-right/`.length) : null;
  // Generic sources: public data is shared and open; anything restricted needs an application at the source.
  const genericShare: ShareType = accessRight === 'NON_PUBLIC' ? 'none' : accessRight === 'PUBLIC' || !accessRight ? 'unconditional' : 'conditional';
  const shareType = oneOf(ztc('shareType'), SHARE_TYPES) ?? genericShare;
  const regionFromSpatial = idx
    .all(ds, `${NS.dct}spatial`)
    .map((t) => /\/regions\/(\d{6})$/.exec(t.value)?.[1])
    .find(Boolean);
  const classFromTheme = idx
    .all(ds, `${NS.dcat}theme`)
    .map((t) => /\/catalog\/classes\/(\d{1,9})$/.exec(t.value)?.[1])
    .filter((c): c is string => !!c)
    .sort((a, b) => b.length - a.length)[0];
  const generic = formatOfDistributions(idx, ds);
  const relatedCodes = idx
    .all(ds, `${NS.dct}relation`)
    .map((t) => /^urn:zhengtong:catalog-resource:(\d{3,9}\/\d{6})$/.exec(t.value)?.[1])
    .filter((c): c is string => !!c);
  const links =
    jsonList(ztc('links'), isLink) ??
    idx
      .all(ds, `${NS.dcat}distribution`)
      .flatMap((d) => idx.all(d, `${NS.dcat}accessURL`).concat(idx.all(d, `${NS.dcat}downloadURL`)))
      .filter((t) => t.termType === 'NamedNode' && /^https?:\/\//.test(t.value))
      .slice(0, 10)
      .map((t) => ({ kind: 'api' as const, ref: t.value, title: null }));
  const keywordsJson = jsonList(ztc('keywords'), isString);
  const keywords = keywordsJson ?? [...new Set(idx.all(ds, `${NS.dcat}keyword`).map((t) => t.value.trim()))];
  const abstract = text(idx.all(ds, `${NS.dct}description`)) ?? name;
  const openType = oneOf(ztc('openType'), OPEN_TYPES) ?? (accessRight === 'PUBLIC' || !accessRight ? 'open' : 'closed');
  return {
    uri: ds,
    identifier,
    name: name.slice(0, 100),
    abstract,
    keywords: keywords.filter((k) => k && k.length <= 30).slice(0, 20),
    issued: text(idx.all(ds, `${NS.dct}issued`))?.slice(0, 10) ?? null,
    modified: isoOf(text(idx.all(ds, `${NS.dct}modified`))),
    publisher,
    maintainer: (ztc('maintainer') ?? contactName ?? publisher.name).slice(0, 100),
    classCode: ztc('classCode') ?? classFromTheme ?? null,
    regionCode: ztc('regionCode') ?? regionFromSpatial ?? null,
    formatType: oneOf(ztc('formatType'), FORMAT_TYPES) ?? generic.type,
    formatDetail: ztc('formatDetail') ?? generic.detail,
    items: jsonList(ztc('dataItems'), isItem) ?? [],
    shareType,
    shareCondition: ztc('shareCondition') ?? (shareType === 'conditional' ? '按来源目录的共享条件（见来源）' : null),
    shareBasis: ztc('shareBasis') ?? (shareType === 'none' ? '来源目录标注为不公开 (NON_PUBLIC at the source)' : null),
    shareMethods: (idx.all(ds, `${NS.ztc}shareMethod`).map((t) => t.value) as ShareMethod[]).filter((m) => m in SHARE_METHODS),
    openType,
    openCondition: ztc('openCondition') ?? (openType === 'conditional' ? '见来源目录 (see the source)' : null),
    updateCycle: oneOf(ztc('updateCycle'), UPDATE_CYCLES) ?? (frequency ? FREQUENCY_CYCLE[frequency.split('/').pop()!] : undefined) ?? 'yearly',
    relatedCodes,
    links,
  };
}

/** Every dcat:Dataset of a parsed page, and the page's Hydra paging. */
export function readCatalogPage(quads: Quad[]): HarvestPage {
  const idx = new Index(quads);
  const datasets: HarvestedDataset[] = [];
  const errors: Array<{ uri: string; reason: string }> = [];
  for (const ds of idx.subjectsOfType(`${NS.dcat}Dataset`)) {
    const r = readDataset(idx, ds);
    if ('reason' in r) errors.push(r);
    else datasets.push(r);
  }
  const views = [...idx.subjectsOfType(`${NS.hydra}PartialCollectionView`), ...idx.subjectsOfType(`${NS.hydra}PagedCollection`)];
  const view = views[0] ?? null;
  const total = view ? idx.one(view, `${NS.hydra}totalItems`)?.value : undefined;
  const next = view ? (idx.one(view, `${NS.hydra}next`) ?? idx.one(view, `${NS.hydra}nextPage`)) : undefined;
  return {
    datasets,
    errors,
    viewIri: view,
    totalItems: total !== undefined && /^\d+$/.test(total) ? Number(total) : null,
    next: next?.termType === 'NamedNode' ? next.value : null,
  };
}
