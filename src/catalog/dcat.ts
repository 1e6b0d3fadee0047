import { DataFactory, Writer, type Quad, type Quad_Object, type Quad_Subject } from 'n3';
import { lookupDivision } from '../standards/index.js';
import type { Resource } from './resource.presenter.js';

/**
 * DCAT-AP 3.0.1 for the catalog: one graph per page (a dcat:Catalog with its datasets) or per
 * resource, written as Turtle (n3's Writer) or as flattened JSON-LD from the same quads. Every
 * referenced node has an explicit rdf:type, as the SHACL shapes expect.
 */
const { namedNode, literal, quad } = DataFactory;

export const DCAT_PREFIXES = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  adms: 'http://www.w3.org/ns/adms#',
  hydra: 'http://www.w3.org/ns/hydra/core#',
  dcatap: 'http://data.europa.eu/r5r/',
  ztc: 'https://w3id.org/zhengtong/catalog#',
} as const;

const P = (prefix: keyof typeof DCAT_PREFIXES, local: string) => namedNode(DCAT_PREFIXES[prefix] + local);
const RDF_TYPE = P('rdf', 'type');
const EU = 'http://publications.europa.eu/resource/authority/';

/** 更新周期 → the EU frequency vocabulary. */
const FREQUENCY: Record<string, string> = {
  realtime: 'UPDATE_CONT',
  daily: 'DAILY',
  weekly: 'WEEKLY',
  monthly: 'MONTHLY',
  quarterly: 'QUARTERLY',
  'half-yearly': 'ANNUAL_2',
  yearly: 'ANNUAL',
};

/** 开放 / 共享 → the EU access-right vocabulary: open data is PUBLIC, shared-only RESTRICTED, 不予共享 NON_PUBLIC. */
function accessRightOf(r: Resource): string {
  if (r.openType === 'open') return 'PUBLIC';
  if (r.shareType === 'none') return 'NON_PUBLIC';
  return 'RESTRICTED';
}

export interface DcatPage {
  base: string;
  resources: Resource[];
  classNames: Map<string, string>;
  total: number;
  page: number;
  pageSize: number;
  /** The URL of this page without `page` (for hydra paging links), e.g. `${base}/api/v1/catalog/dcat.ttl?modified_since=…`. */
  pageUrl?: (page: number) => string;
}

class Graph {
  readonly quads: Quad[] = [];
  private readonly typed = new Set<string>();
  add(s: Quad_Subject, p: ReturnType<typeof P>, o: Quad_Object): void {
    this.quads.push(quad(s, p, o));
  }
  node(iri: string, type: ReturnType<typeof P>): ReturnType<typeof namedNode> {
    const n = namedNode(iri);
    const key = `${iri} ${type.value}`;
    if (!this.typed.has(key)) {
      this.typed.add(key);
      this.add(n, RDF_TYPE, type);
    }
    return n;
  }
}

const zh = (text: string) => literal(text, 'zh');
const typedLiteral = (value: string, type: string) => literal(value, namedNode(DCAT_PREFIXES.xsd + type));

function addDataset(g: Graph, base: string, r: Resource, classNames: Map<string, string>): ReturnType<typeof namedNode> {
  const iri = `${base}/api/v1/catalog/resources/${r.id}`;
  const ds = g.node(iri, P('dcat', 'Dataset'));
  g.add(ds, P('dct', 'identifier'), literal(r.code));
  g.add(ds, P('dct', 'title'), zh(r.name));
  g.add(ds, P('dct', 'description'), zh(r.abstract));
  for (const k of r.keywords) g.add(ds, P('dcat', 'keyword'), zh(k));
  if (r.publishedOn) g.add(ds, P('dct', 'issued'), typedLiteral(r.publishedOn, 'date'));
  g.add(ds, P('dct', 'modified'), typedLiteral(r.updatedAt, 'dateTime'));

  const publisher = g.node(`${base}/api/v1/orgs/${r.provider.orgId}`, P('foaf', 'Agent'));
  g.add(publisher, P('foaf', 'name'), zh(r.provider.name));
  g.add(publisher, P('dct', 'identifier'), literal(r.provider.code));
  g.add(ds, P('dct', 'publisher'), publisher);

  const contact = g.node(`${iri}#contact`, P('vcard', 'Kind'));
  g.add(contact, P('vcard', 'fn'), zh(r.maintainer));
  g.add(ds, P('dcat', 'contactPoint'), contact);

  const scheme = g.node(`${base}/api/v1/catalog/classes`, P('skos', 'ConceptScheme'));
  g.add(scheme, P('dct', 'title'), zh('政务信息资源分类'));
  for (const code of [r.classCode.slice(0, 1), r.classCode.slice(0, 3), r.classCode].filter((c, i, a) => a.indexOf(c) === i)) {
    const concept = g.node(`${base}/api/v1/catalog/classes/${code}`, P('skos', 'Concept'));
    g.add(concept, P('skos', 'prefLabel'), zh(classNames.get(code) ?? code));
    g.add(concept, P('skos', 'inScheme'), scheme);
    g.add(ds, P('dcat', 'theme'), concept);
  }

  const freq = g.node(`${EU}frequency/${FREQUENCY[r.updateCycle] ?? 'UNKNOWN'}`, P('dct', 'Frequency'));
  g.add(ds, P('dct', 'accrualPeriodicity'), freq);
  const rights = g.node(`${EU}access-right/${accessRightOf(r)}`, P('dct', 'RightsStatement'));
  g.add(ds, P('dct', 'accessRights'), rights);
  const division = lookupDivision(r.regionCode);
  if (division) {
    const place = g.node(`${base}/api/v1/regions/${r.regionCode}`, P('dct', 'Location'));
    g.add(place, P('skos', 'prefLabel'), zh(division.fullName));
    g.add(ds, P('dct', 'spatial'), place);
  }
  for (const code of r.relatedCodes) g.add(ds, P('dct', 'relation'), g.node(`urn:zhengtong:catalog-resource:${code}`, P('rdfs', 'Resource')));

  const links = r.links.length ? r.links : [{ kind: 'service' as const, ref: '', title: null }];
  links.forEach((l, i) => {
    const dist = g.node(`${iri}#distribution-${i + 1}`, P('dcat', 'Distribution'));
    const access = l.kind === 'api' ? l.ref : iri;
    g.add(dist, P('dcat', 'accessURL'), g.node(access, P('rdfs', 'Resource')));
    g.add(dist, P('dct', 'title'), zh(l.title ?? `${r.name}（${r.formatLabel}）`));
    if (l.ref) g.add(dist, P('dct', 'description'), zh(`${l.kind === 'service' ? '交换服务' : l.kind === 'file' ? '文件' : '接口'}：${l.ref}`));
    g.add(dist, P('dct', 'rights'), rights);
    g.add(ds, P('dcat', 'distribution'), dist);
  });
  // A harvested resource's landing page is its original: the link back to the catalog that owns it.
  g.add(ds, P('dcat', 'landingPage'), g.node(r.harvest?.sourceUri ?? iri, P('foaf', 'Document')));
  addCoreMetadata(g, ds, r);
  return ds;
}

/**
 * The GB/T 21063.3 metadata DCAT-AP has no property for (共享/开放 attributes and conditions, 信息项,
 * links, the class and format codes), in the `ztc:` namespace, so another zhengtong harvests a
 * resource without loss. Generic DCAT-AP consumers ignore them; the shapes are not closed.
 */
function addCoreMetadata(g: Graph, ds: ReturnType<typeof namedNode>, r: Resource): void {
  const put = (local: string, value: string | null) => {
    if (value) g.add(ds, P('ztc', local), literal(value));
  };
  put('classCode', r.classCode);
  put('regionCode', r.regionCode);
  put('formatType', r.formatType);
  put('formatDetail', r.formatDetail);
  put('shareType', r.shareType);
  put('shareCondition', r.shareCondition);
  put('shareBasis', r.shareBasis);
  for (const m of r.shareMethods) put('shareMethod', m);
  put('openType', r.openType);
  put('openCondition', r.openCondition);
  put('updateCycle', r.updateCycle);
  put('maintainer', r.maintainer);
  // Lists whose order matters are one JSON literal each (RDF values are unordered).
  put('dataItems', JSON.stringify(r.items));
  put('links', JSON.stringify(r.links));
  put('keywords', JSON.stringify(r.keywords));
}

/** The quads of one catalog page. */
export function catalogPageQuads(page: DcatPage): Quad[] {
  const g = new Graph();
  const catalog = g.node(`${page.base}/api/v1/catalog/dcat`, P('dcat', 'Catalog'));
  g.add(catalog, P('dct', 'title'), zh('政务信息资源目录'));
  g.add(catalog, P('dct', 'description'), zh('政通平台的政务信息资源目录（DCAT-AP 3.0.1）'));
  const operator = g.node(`${page.base}/#operator`, P('foaf', 'Agent'));
  g.add(operator, P('foaf', 'name'), zh('政通平台目录管理机构'));
  g.add(catalog, P('dct', 'publisher'), operator);
  for (const r of page.resources) g.add(catalog, P('dcat', 'dataset'), addDataset(g, page.base, r, page.classNames));
  if (page.pageUrl) {
    const view = g.node(page.pageUrl(page.page), P('hydra', 'PartialCollectionView'));
    g.add(view, P('hydra', 'totalItems'), typedLiteral(String(page.total), 'integer'));
    const last = Math.max(1, Math.ceil(page.total / page.pageSize));
    g.add(view, P('hydra', 'first'), namedNode(page.pageUrl(1)));
    g.add(view, P('hydra', 'last'), namedNode(page.pageUrl(last)));
    if (page.page > 1) g.add(view, P('hydra', 'previous'), namedNode(page.pageUrl(page.page - 1)));
    if (page.page < last) g.add(view, P('hydra', 'next'), namedNode(page.pageUrl(page.page + 1)));
  }
  return g.quads;
}

/** The quads of one resource on its own. */
export function resourceQuads(base: string, r: Resource, classNames: Map<string, string>): Quad[] {
  const g = new Graph();
  addDataset(g, base, r, classNames);
  return g.quads;
}

/** Turtle with the usual prefixes. */
export function toTurtle(quads: Quad[]): Promise<string> {
  const writer = new Writer({ prefixes: { ...DCAT_PREFIXES } });
  writer.addQuads(quads);
  return new Promise((resolve, reject) => writer.end((err, out: string) => (err ? reject(err) : resolve(out))));
}

type JsonLdValue = { '@id': string } | { '@value': string; '@language'?: string; '@type'?: string };

/** Flattened JSON-LD (full IRIs, no remote context): one object per subject. */
export function toJsonLd(quads: Quad[]): { '@context': Record<string, string>; '@graph': Array<Record<string, unknown>> } {
  const nodes = new Map<string, Record<string, unknown>>();
  for (const q of quads) {
    const id = q.subject.value;
    const node = nodes.get(id) ?? { '@id': id };
    nodes.set(id, node);
    if (q.predicate.equals(RDF_TYPE)) {
      node['@type'] = [...((node['@type'] as string[] | undefined) ?? []), q.object.value];
      continue;
    }
    let value: JsonLdValue;
    if (q.object.termType === 'Literal') {
      const lit = q.object;
      value = lit.language ? { '@value': lit.value, '@language': lit.language } : { '@value': lit.value, '@type': lit.datatype.value };
      if (!lit.language && lit.datatype.value === `${DCAT_PREFIXES.xsd}string`) value = { '@value': lit.value };
    } else value = { '@id': q.object.value };
    const key = q.predicate.value;
    node[key] = [...((node[key] as JsonLdValue[] | undefined) ?? []), value];
  }
  return { '@context': { ...DCAT_PREFIXES }, '@graph': [...nodes.values()] };
}
