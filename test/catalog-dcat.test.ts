import fs from 'node:fs';
import path from 'node:path';
import { Parser, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createTestPlatform, DIALECTS, staffBrowser, type TestPlatform } from './helpers.js';
import { resourceBody, seedCatalogPeople } from './catalog-fixtures.js';

// Untyped dev dependencies, loaded by name so the type-check does not need declarations for them.
const rdf = ((await import('@rdfjs/dataset' as string)) as { default: { dataset(quads?: Quad[]): never } }).default;
const jsonld = ((await import('jsonld' as string)) as { default: { toRDF(doc: unknown, options?: object): Promise<Quad[]> } }).default;

const SPECS = '/work/shared/specs/dcat-ap-3.0.1';
/** The official shapes: mandatory properties, class ranges, and the complete 3.0.1 SHACL file. */
const SHAPE_FILES = ['shapes.ttl', 'range.ttl', 'dcat-ap-SHACL.ttl'];
const SH_VIOLATION = 'http://www.w3.org/ns/shacl#Violation';

function parseTurtle(text: string, baseIRI?: string): Quad[] {
  return new Parser(baseIRI ? { baseIRI } : {}).parse(text);
}

const validators = new Map<string, SHACLValidator>();
function validatorFor(file: string): SHACLValidator {
  let v = validators.get(file);
  if (!v) {
    v = new SHACLValidator(rdf.dataset(parseTurtle(fs.readFileSync(path.join(SPECS, file), 'utf8'))));
    validators.set(file, v);
  }
  return v;
}

/** The violations (not warnings) of the data under every shape file, as readable strings. */
async function violations(quads: Quad[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of SHAPE_FILES) {
    const report = await validatorFor(file).validate(rdf.dataset(quads));
    for (const r of report.results)
      if (r.severity?.value === SH_VIOLATION) out.push(`${file}: ${r.focusNode?.value} ${r.path?.value ?? ''} ${r.message.map((m) => m.value).join(' ')}`);
  }
  return out;
}

describe.each(DIALECTS)('catalog DCAT-AP 3.0.1 export (%s)', (dialect) => {
  let p: TestPlatform;
  let police: Browser;
  let reviewer: Browser;
  const ids: string[] = [];

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedCatalogPeople(p);
    police = (await staffBrowser(p, 'police.staff')).browser;
    reviewer = (await staffBrowser(p, 'reviewer')).browser;
    const bodies = [
      resourceBody({
        name: '企业登记信息',
        openType: 'open',
        classCode: '102',
        links: [{ kind: 'api', ref: 'https://data.example.gov.cn/api/ent', title: '接口' }],
      }),
      resourceBody({ name: '户籍人口信息', relatedCodes: ['102/000001'] }),
      resourceBody({ name: '不予共享的档案', shareType: 'none', shareCondition: null, shareBasis: '《保守国家秘密法》', links: [] }),
    ];
    for (const b of bodies) {
      const r = (await police.request('POST', '/api/v1/catalog/resources', b)).json();
      await police.request('POST', `/api/v1/catalog/resources/${r.id}/submit`);
      await reviewer.request('POST', `/api/v1/catalog/resources/${r.id}/review`, { decision: 'publish' });
      ids.push(r.id as string);
      p.clock.advance(60_000);
    }
  });
  afterAll(async () => p.destroy());

  it('serves the public catalog as Turtle that conforms to the shapes (no sh:Violation), open resources only', async () => {
    const res = await new Browser(p).request('GET', '/api/v1/catalog/dcat.ttl');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/turtle/);
    const quads = parseTurtle(res.body);
    const datasets = quads.filter((q) => q.predicate.value === 'http://www.w3.org/ns/dcat#dataset').map((q) => q.object.value);
    expect(datasets).toEqual([`http://localhost:80/api/v1/catalog/resources/${ids[0]}`]);
    expect(await violations(quads)).toEqual([]);
  });

  it('gives staff the sharing catalog, paged, with modified_since, as JSON-LD that conforms', async () => {
    const first = await reviewer.request('GET', '/api/v1/catalog/dcat.jsonld?page_size=1');
    expect(first.headers['content-type']).toMatch(/^application\/ld\+json/);
    const quads = await jsonld.toRDF(first.json());
    const datasets = quads.filter((q) => q.predicate.value === 'http://www.w3.org/ns/dcat#dataset').map((q) => q.object.value);
    expect(datasets).toHaveLength(1);
    expect(quads.some((q) => q.predicate.value === 'http://www.w3.org/ns/hydra/core#next')).toBe(true);
    expect(quads.find((q) => q.predicate.value === 'http://www.w3.org/ns/hydra/core#totalItems')?.object.value).toBe('2');
    expect(await violations(quads)).toEqual([]);
    // modified_since leaves out what has not changed since.
    const since = (await reviewer.request('GET', `/api/v1/catalog/resources/${ids[1]}`)).json().updatedAt as string;
    const recent = parseTurtle((await reviewer.request('GET', `/api/v1/catalog/dcat.ttl?modified_since=${encodeURIComponent(since)}`)).body);
    expect(recent.filter((q) => q.predicate.value === 'http://www.w3.org/ns/dcat#dataset').map((q) => q.object.value)).toEqual([
      `http://localhost:80/api/v1/catalog/resources/${ids[1]}`,
    ]);
  });

  it('exports one resource with its code, keywords, frequency and publisher, and hides what the caller may not see', async () => {
    const res = await reviewer.request('GET', `/api/v1/catalog/resources/${ids[1]}/dcat.ttl`);
    expect(res.body).toContain('dct:identifier "201/000001"');
    expect(res.body).toContain('"户籍"@zh');
    expect(res.body).toContain('<urn:zhengtong:catalog-resource:102/000001>');
    expect(res.body).toContain('<http://publications.europa.eu/resource/authority/frequency/DAILY>');
    expect(await violations(parseTurtle(res.body))).toEqual([]);
    expect((await new Browser(p).request('GET', `/api/v1/catalog/resources/${ids[2]}/dcat.ttl`)).statusCode).toBe(401);
    const bad = await new Browser(p).request('GET', '/api/v1/catalog/dcat.ttl?modified_since=yesterday');
    expect(bad.statusCode).toBe(400);
  });
});
