import type { Db, Dialect } from '../core/db/database.js';
import type { FacetName, SearchFilter } from './catalog.repository.js';
import * as repo from './search-index.repository.js';
import type { IndexedResourceRow } from './search-index.repository.js';

/** What the index answers for one search: the page, the exact total and exact facet counts over all matches. */
export interface IndexAnswer {
  hits: Array<{ id: string; score: number }>;
  total: number;
  counts?: Record<FacetName, Array<{ value: string; count: number }>>;
  /** Provider org id → name, for the providers counted. */
  providerNames: Map<string, string>;
}

/**
 * An in-process search index over the catalog, answering `searchCatalog` exactly as the SQL path
 * does (same matches, scores, order, total; facet counts over ALL matches), kept consistent with
 * the database through `catalog_search_changes` (migration 0015).
 */
export interface CatalogSearchIndex {
  /**
   * The answer, or undefined while the index is not built (the first call starts a background
   * build) or cannot answer this filter exactly: the caller then uses the SQL path.
   */
  search(f: SearchFilter, order: 'relevance' | 'recency', limit: number, offset: number, facets: boolean): Promise<IndexAnswer | undefined>;
  /** Builds the index (if not yet built) and brings it up to date; resolves when searches use it. */
  ready(): Promise<void>;
  /** Stops a build in progress; later searches use the SQL path. */
  close(): void;
}

/**
 * The catalog's search index: on SQLite when enabled, otherwise one that always declines.
 * PostgreSQL stays on the SQL path: its sequence values can commit out of order, so reading the
 * changes after a cursor could skip a transaction that commits late.
 *
 * @example const index = createCatalogSearchIndex(db, 'sqlite', true); await index.ready();
 */
export function createCatalogSearchIndex(db: Db, dialect: Dialect, enabled: boolean): CatalogSearchIndex {
  if (!enabled || dialect !== 'sqlite') return { search: async () => undefined, ready: async () => undefined, close: () => undefined };
  return new MemoryIndex(db);
}

/** More pending changes than this rebuild the index (in the background) instead of replaying them. */
const REPLAY_LIMIT = 20_000;
const CHUNK = 20_000;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A value dictionary: string ↔ small integer. */
class Dict {
  readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  id(v: string): number {
    let i = this.ids.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.ids.set(v, i);
      this.values.push(v);
    }
    return i;
  }
}

/** A token's postings: doc numbers and weights, growable. Never sorted: queries only scan them. */
class Postings {
  docs: Int32Array;
  weights: Uint8Array;
  n = 0;
  constructor(capacity: number) {
    this.docs = new Int32Array(Math.max(4, capacity));
    this.weights = new Uint8Array(Math.max(4, capacity));
  }
  push(doc: number, weight: number): void {
    if (this.n === this.docs.length) {
      const docs = new Int32Array(this.n * 2);
      docs.set(this.docs);
      this.docs = docs;
      const weights = new Uint8Array(this.n * 2);
      weights.set(this.weights);
      this.weights = weights;
    }
    this.docs[this.n] = doc;
    this.weights[this.n++] = weight;
  }
}

const grow = <T extends Int32Array | Uint8Array | Uint16Array | Float64Array>(a: T, n: number): T => {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, a.length * 2));
  b.set(a);
  return b;
};

/**
 * One generation of the index. Each version of a resource is a doc (a dense integer); a change
 * tombstones the resource's doc and appends a new one, so postings only grow.
 */
class IndexData {
  /** The last change (`catalog_search_changes.seq`) reflected here. */
  cursor = 0;
  /**
   * False when the index cannot answer exactly: an `updated_at` that is not a canonical ISO instant
   * (its order as text and as a number could differ), or a weight beyond a byte.
   */
  exact = true;
  n = 0;
  alive = 0;
  docOf = new Map<string, number>();
  ids: string[] = [];
  live = new Uint8Array(1024);
  status = new Int32Array(1024);
  share = new Int32Array(1024);
  open = new Int32Array(1024);
  format = new Int32Array(1024);
  cycle = new Int32Array(1024);
  region = new Int32Array(1024);
  provider = new Int32Array(1024);
  cls = new Int32Array(1024);
  seq = new Int32Array(1024);
  updated = new Float64Array(1024);
  readonly d = {
    status: new Dict(),
    share: new Dict(),
    open: new Dict(),
    format: new Dict(),
    cycle: new Dict(),
    region: new Dict(),
    provider: new Dict(),
    cls: new Dict(),
    cls3: new Dict(),
  };
  /** Per class id: its 3-character facet value id, and its rank in code order (length, then text). */
  cls3Of: number[] = [];
  clsRank = new Int32Array(0);
  providerName: string[] = [];
  tokens = new Map<string, Postings>();
  /** Per-query scratch, indexed by doc. */
  hit = new Uint8Array(1024);
  score = new Int32Array(1024);
  matched = new Int32Array(1024);
  /**
   * Per doc: its sharing type, open type, format and update cycle packed 4 bits each, so one
   * increment counts four facets (while every one of those dictionaries has at most 16 values).
   */
  combo = new Uint16Array(1024);
  comboOk = true;
  /** Per-query scratch of the packed counts; all zeros between queries. */
  comboCounts = new Int32Array(1 << 16);
  /** Per doc: its class facet value (first 3 characters of the class code). */
  cls3 = new Int32Array(1024);

  /** Appends a resource version; returns its doc number. */
  add(r: IndexedResourceRow): number {
    const old = this.docOf.get(r.id);
    if (old !== undefined) this.remove(old);
    const doc = this.n++;
    if (doc >= this.live.length) {
      const n = doc + 1;
      this.live = grow(this.live, n);
      this.status = grow(this.status, n);
      this.share = grow(this.share, n);
      this.open = grow(this.open, n);
      this.format = grow(this.format, n);
      this.cycle = grow(this.cycle, n);
      this.region = grow(this.region, n);
      this.provider = grow(this.provider, n);
      this.cls = grow(this.cls, n);
      this.seq = grow(this.seq, n);
      this.updated = grow(this.updated, n);
      this.hit = grow(this.hit, n);
      this.score = grow(this.score, n);
      this.matched = grow(this.matched, n);
      this.combo = grow(this.combo, n);
      this.cls3 = grow(this.cls3, n);
    }
    this.docOf.set(r.id, doc);
    this.ids[doc] = r.id;
    this.live[doc] = 1;
    this.alive++;
    this.status[doc] = this.d.status.id(r.status);
    this.share[doc] = this.d.share.id(r.share_type);
    this.open[doc] = this.d.open.id(r.open_type);
    this.format[doc] = this.d.format.id(r.format_type);
    this.cycle[doc] = this.d.cycle.id(r.update_cycle);
    this.region[doc] = this.d.region.id(r.region_code);
    const p = (this.provider[doc] = this.d.provider.id(r.provider_org_id));
    this.providerName[p] = r.provider_name;
    const before = this.d.cls.values.length;
    const c = (this.cls[doc] = this.d.cls.id(r.class_code));
    if (c === before) {
      this.cls3Of[c] = this.d.cls3.id(r.class_code.slice(0, 3));
      const order = this.d.cls.values.map((v, i) => i).sort((a, b) => compareCode(this.d.cls.values[a]!, this.d.cls.values[b]!));
      this.clsRank = new Int32Array(order.length);
      order.forEach((id, rank) => (this.clsRank[id] = rank));
    }
    this.cls3[doc] = this.cls3Of[c]!;
    const packed = [this.share[doc]!, this.open[doc]!, this.format[doc]!, this.cycle[doc]!];
    if (packed.some((v) => v > 15)) this.comboOk = false;
    this.combo[doc] = packed[0]! | (packed[1]! << 4) | (packed[2]! << 8) | (packed[3]! << 12);
    this.seq[doc] = Number(r.seq);
    if (!ISO_MS.test(r.updated_at)) this.exact = false;
    this.updated[doc] = Date.parse(r.updated_at);
    return doc;
  }

  remove(doc: number): void {
    if (!this.live[doc]) return;
    this.live[doc] = 0;
    this.alive--;
    this.docOf.delete(this.ids[doc]!);
  }

  post(token: string, doc: number, weight: number, capacity = 4): void {
    if (weight > 255 || weight < 0 || !Number.isInteger(weight)) this.exact = false;
    let p = this.tokens.get(token);
    if (!p) this.tokens.set(token, (p = new Postings(capacity)));
    p.push(doc, weight);
  }
}

/** Code order without collation: class codes are digits, so by length, then text. */
const compareCode = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** A bounded heap keeping the `k` best docs under `better` (the worst of them on top). */
function topK(k: number, better: (a: number, b: number) => boolean): { offer(doc: number): void; sorted(): number[] } {
  const heap: number[] = [];
  const worse = (a: number, b: number) => better(b, a);
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < heap.length && worse(heap[l]!, heap[w]!)) w = l;
      if (r < heap.length && worse(heap[r]!, heap[w]!)) w = r;
      if (w === i) return;
      [heap[i], heap[w]] = [heap[w]!, heap[i]!];
      i = w;
    }
  };
  return {
    offer(doc) {
      if (k <= 0) return;
      if (heap.length < k) {
        heap.push(doc);
        up(heap.length - 1);
      } else if (better(doc, heap[0]!)) {
        heap[0] = doc;
        down(0);
      }
    },
    sorted: () => [...heap].sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)),
  };
}

class MemoryIndex implements CatalogSearchIndex {
  private data: IndexData | undefined;
  private building: Promise<void> | undefined;
  private closed = false;
  /** Catch-ups run one after another: each search waits for one that started after it was called. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  close(): void {
    this.closed = true;
    this.data = undefined;
  }

  async ready(): Promise<void> {
    if (this.closed) return;
    if (!this.data) await this.startBuild();
    await this.catchUp();
  }

  /** Starts (or joins) a build; a failed build leaves the SQL path in use and is retried by the next search. */
  private startBuild(): Promise<void> {
    this.building ??= build(this.db, () => this.closed)
      .then((data) => {
        if (!this.closed && data) this.data = data;
      })
      .catch(() => undefined)
      .finally(() => (this.building = undefined));
    return this.building;
  }

  /** Applies the changes committed since the index's cursor; drops the index (and rebuilds) when too far behind. */
  private catchUp(): Promise<void> {
    const run = this.queue.then(async () => {
      const data = this.data;
      if (!data || this.closed) return;
      const { oldest, reset, changes } = await repo.changesAfter(this.db, data.cursor, REPLAY_LIMIT + 1);
      if (!changes.length && !reset) return;
      if (reset || oldest > data.cursor + 1 || changes.length > REPLAY_LIMIT) {
        // Pruned rows not seen, a table restarted below the cursor, or a bulk write: rebuild, on the SQL path meanwhile.
        if (this.data === data) this.data = undefined;
        void this.startBuild();
        return;
      }
      const ids = [...new Set(changes.map((c) => c.resource_id))];
      const rows: IndexedResourceRow[] = [];
      const tokens: Array<{ resource_id: string; token: string; weight: number }> = [];
      for (let i = 0; i < ids.length; i += 500) {
        rows.push(...(await repo.indexedResourcesByIds(this.db, ids.slice(i, i + 500))));
        tokens.push(...(await repo.tokensOfResources(this.db, ids.slice(i, i + 500))));
      }
      if (this.data !== data) return;
      // Synchronous from here: a search never sees half of a catch-up.
      const docOf = new Map<string, number>();
      for (const r of rows) docOf.set(r.id, data.add(r));
      for (const t of tokens) {
        const doc = docOf.get(t.resource_id);
        if (doc !== undefined) data.post(t.token, doc, Number(t.weight));
      }
      data.cursor = changes[changes.length - 1]!.seq;
      // Mostly tombstones: a fresh generation replaces this one when built, which serves meanwhile.
      if (data.n > 2 * data.alive + 100_000) void this.startBuild();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async search(f: SearchFilter, order: 'relevance' | 'recency', limit: number, offset: number, facets: boolean): Promise<IndexAnswer | undefined> {
    if (this.closed) return undefined;
    if (!this.data) {
      void this.startBuild();
      return undefined;
    }
    try {
      await this.catchUp();
    } catch {
      return undefined; // the SQL path answers (and reports the database's error, if it persists)
    }
    const data = this.data;
    if (!data?.exact || f.groups.length > 250) return undefined;
    // LIKE wildcards in a class prefix: let the database interpret them.
    if (f.classPrefix && /[%_]/.test(f.classPrefix)) return undefined;
    return query(data, f, order, limit, offset, facets);
  }
}

/** Builds an index generation from the database in chunks (resources in id order, then postings in token order). */
async function build(db: Db, stopped: () => boolean): Promise<IndexData | undefined> {
  const data = new IndexData();
  // The cursor is read first: whatever commits during the build is replayed after it.
  data.cursor = await repo.lastChangeSeq(db);
  let docOfRowid = new Int32Array(1024).fill(-1);
  for (let after = ''; ;) {
    const rows = await repo.indexedResourcesAfter(db, after, CHUNK);
    if (stopped()) return undefined;
    for (const r of rows) {
      const rid = Number(r.rid);
      if (rid >= docOfRowid.length) {
        const next = new Int32Array(Math.max(rid + 1, docOfRowid.length * 2)).fill(-1);
        next.set(docOfRowid);
        docOfRowid = next;
      }
      docOfRowid[rid] = data.add(r);
    }
    if (rows.length < CHUNK) break;
    after = rows[rows.length - 1]!.id;
  }
  for (let after = ''; ;) {
    const rows = await repo.postingsAfter(db, after, 500);
    if (stopped()) return undefined;
    for (const { token, postings } of rows) {
      // `rowid weight,rowid weight,…` parsed in place: no string per posting. (Rowids are read
      // twice, so a VACUUM between the two scans of a build could renumber them; not done while serving.)
      let count = 1;
      for (let i = postings.indexOf(','); i >= 0; i = postings.indexOf(',', i + 1)) count++;
      let rid = 0;
      let weight = 0;
      let inWeight = false;
      for (let i = 0; i <= postings.length; i++) {
        const c = i < postings.length ? postings.charCodeAt(i) : 44;
        if (c === 32) inWeight = true;
        else if (c === 44) {
          const doc = rid < docOfRowid.length ? docOfRowid[rid]! : -1;
          if (doc >= 0) data.post(token, doc, weight, count);
          rid = 0;
          weight = 0;
          inWeight = false;
        } else if (c < 48 || c > 57) data.exact = false;
        else if (inWeight) weight = weight * 10 + (c - 48);
        else rid = rid * 10 + (c - 48);
      }
    }
    if (rows.length < 500) break;
    after = rows[rows.length - 1]!.token;
  }
  return data;
}

/** Ids of a dictionary's values equal to `v`: -2 (nothing) when absent. */
const idOf = (d: Dict, v: string | undefined): number => (v === undefined ? -1 : (d.ids.get(v) ?? -2));

function query(data: IndexData, f: SearchFilter, order: 'relevance' | 'recency', limit: number, offset: number, wantFacets: boolean): IndexAnswer {
  const { d } = data;
  const statusOk = new Uint8Array(d.status.values.length);
  for (const s of f.statuses) {
    const i = d.status.ids.get(s);
    if (i !== undefined) statusOk[i] = 1;
  }
  const exShare = idOf(d.share, f.excludeShareType);
  const exOpen = idOf(d.open, f.excludeOpenType);
  const provider = idOf(d.provider, f.providerOrgId);
  const share = idOf(d.share, f.shareType);
  const open = idOf(d.open, f.openType);
  const format = idOf(d.format, f.formatType);
  const cycle = idOf(d.cycle, f.updateCycle);
  const region = idOf(d.region, f.regionCode);
  let clsOk: Uint8Array | undefined;
  if (f.classPrefix) {
    const prefix = f.classPrefix.toLowerCase();
    clsOk = new Uint8Array(d.cls.values.length);
    d.cls.values.forEach((v, i) => (clsOk![i] = v.toLowerCase().startsWith(prefix) ? 1 : 0));
  }
  const passes = (doc: number): boolean =>
    data.live[doc] === 1 &&
    statusOk[data.status[doc]!] === 1 &&
    data.share[doc] !== exShare &&
    data.open[doc] !== exOpen &&
    (provider === -1 || data.provider[doc] === provider) &&
    (share === -1 || data.share[doc] === share) &&
    (open === -1 || data.open[doc] === open) &&
    (format === -1 || data.format[doc] === format) &&
    (cycle === -1 || data.cycle[doc] === cycle) &&
    (region === -1 || data.region[doc] === region) &&
    (!clsOk || clsOk[data.cls[doc]!] === 1);

  const { updated, clsRank, cls, seq, score } = data;
  const byRecency = (a: number, b: number): boolean =>
    updated[a]! > updated[b]! || (updated[a] === updated[b] && (clsRank[cls[a]!]! < clsRank[cls[b]!]! || (cls[a] === cls[b] && seq[a]! < seq[b]!)));
  const text = f.groups.length > 0;
  const better = text && order === 'relevance' ? (a: number, b: number) => score[a]! > score[b]! || (score[a] === score[b] && byRecency(a, b)) : byRecency;
  const top = topK(offset + limit, better);

  const counts = wantFacets
    ? {
        cls3: new Int32Array(d.cls3.values.length),
        provider: new Int32Array(d.provider.values.length),
        share: new Int32Array(d.share.values.length),
        open: new Int32Array(d.open.values.length),
        format: new Int32Array(d.format.values.length),
        cycle: new Int32Array(d.cycle.values.length),
        region: new Int32Array(d.region.values.length),
      }
    : undefined;
  let total = 0;
  // Packed counting pays off for many matches (unpacking reads all 65,536 slots): at most the
  // first group's postings match a text query.
  const bound = f.groups.length ? Math.min(...f.groups.map((g) => g.reduce((n, t) => n + (data.tokens.get(t)?.n ?? 0), 0))) : data.n;
  const combos = counts && data.comboOk && bound > 2000 ? data.comboCounts : undefined;
  const { cls3, provider: providerOf, region: regionOf, combo } = data;
  const take = (doc: number) => {
    total++;
    top.offer(doc);
    if (counts) {
      counts.cls3[cls3[doc]!]!++;
      counts.provider[providerOf[doc]!]!++;
      counts.region[regionOf[doc]!]!++;
      if (combos) combos[combo[doc]!]!++;
      else {
        counts.share[data.share[doc]!]!++;
        counts.open[data.open[doc]!]!++;
        counts.format[data.format[doc]!]!++;
        counts.cycle[data.cycle[doc]!]!++;
      }
    }
  };
  /** Unpacks the combined counts of the four small facets. */
  const unpack = () => {
    if (!counts || !combos) return;
    for (let c = 0; c < combos.length; c++) {
      const n = combos[c]!;
      if (!n) continue;
      combos[c] = 0;
      counts.share[c & 15]! += n;
      counts.open[(c >> 4) & 15]! += n;
      counts.format[(c >> 8) & 15]! += n;
      counts.cycle[c >> 12]! += n;
    }
  };

  if (text) {
    // Every group must match: a doc reaches hit = i + 1 through group i, smallest group first, and
    // only docs that pass the filter enter at group 0. The score is the sum of the weights of the
    // query's distinct tokens a doc has, as in SQL: added as the passes meet them, which is exact
    // unless a token is in two groups (then a separate pass over the distinct tokens adds it).
    const groups = f.groups
      .map((g) => [...new Set(g)].map((t) => data.tokens.get(t)).filter((p): p is Postings => p !== undefined))
      .sort((a, b) => a.reduce((n, p) => n + p.n, 0) - b.reduce((n, p) => n + p.n, 0));
    const distinct = new Set(f.groups.flat());
    const shared = distinct.size < f.groups.reduce((n, g) => n + new Set(g).size, 0);
    const { hit } = data;
    let matched = 0;
    if (groups.every((g) => g.length > 0)) {
      const last = groups.length - 1;
      const out = (data.matched = grow(data.matched, data.n));
      for (let i = 0; i <= last; i++) {
        for (const p of groups[i]!) {
          const { docs, weights } = p;
          for (let j = 0; j < p.n; j++) {
            const doc = docs[j]!;
            const h = hit[doc]!;
            if (h === i) {
              if (i === 0 && !passes(doc)) continue;
              hit[doc] = i + 1;
              if (!shared) score[doc]! += weights[j]!;
              if (i === last) out[matched++] = doc;
            } else if (h === i + 1 && !shared) score[doc]! += weights[j]!;
          }
        }
      }
      if (shared)
        for (const t of distinct) {
          const p = data.tokens.get(t);
          if (p) for (let j = 0; j < p.n; j++) if (hit[p.docs[j]!] === groups.length) score[p.docs[j]!]! += p.weights[j]!;
        }
      for (let j = 0; j < matched; j++) take(out[j]!);
    }
    const page = top.sorted().slice(offset);
    const hits = page.map((doc) => ({ id: data.ids[doc]!, score: score[doc]! }));
    // Every doc touched is in the first group's postings: reset them there.
    for (const p of groups[0] ?? [])
      for (let j = 0; j < p.n; j++) {
        hit[p.docs[j]!] = 0;
        score[p.docs[j]!] = 0;
      }
    unpack();
    return answer(data, hits, total, counts);
  }
  for (let doc = 0; doc < data.n; doc++) if (passes(doc)) take(doc);
  unpack();
  return answer(
    data,
    top
      .sorted()
      .slice(offset)
      .map((doc) => ({ id: data.ids[doc]!, score: 0 })),
    total,
    counts,
  );
}

function answer(
  data: IndexData,
  hits: IndexAnswer['hits'],
  total: number,
  counts: Record<'cls3' | 'provider' | 'share' | 'open' | 'format' | 'cycle' | 'region', Int32Array> | undefined,
): IndexAnswer {
  const providerNames = new Map<string, string>();
  if (!counts) return { hits, total, providerNames };
  const list = (dict: Dict, c: Int32Array) => {
    const out: Array<{ value: string; count: number }> = [];
    c.forEach((n, i) => {
      if (n > 0) out.push({ value: dict.values[i]!, count: n });
    });
    return out;
  };
  const { d } = data;
  counts.provider.forEach((n, i) => {
    if (n > 0) providerNames.set(d.provider.values[i]!, data.providerName[i]!);
  });
  return {
    hits,
    total,
    providerNames,
    counts: {
      class: list(d.cls3, counts.cls3),
      provider: list(d.provider, counts.provider),
      shareType: list(d.share, counts.share),
      openType: list(d.open, counts.open),
      format: list(d.format, counts.format),
      updateCycle: list(d.cycle, counts.cycle),
      region: list(d.region, counts.region),
    },
  };
}
