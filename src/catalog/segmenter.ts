import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Chinese word segmentation for the catalog's own token index. Segmenting in the application
 * (jieba) and storing tokens in a table keeps search identical on SQLite and PostgreSQL, which
 * have no common Chinese full-text search.
 */
let jieba: Jieba | undefined;
const segmenter = (): Jieba => (jieba ??= Jieba.withDict(dict));

/** How much a token counts in each field (summed per field it occurs in, not per occurrence). */
export const FIELD_WEIGHTS = { name: 8, keywords: 5, items: 3, abstract: 1 } as const;

const WORD = /[\p{L}\p{N}]/u;

/** A token as stored and queried: trimmed, lower case; undefined when it has no letter or digit. */
export function normalizeToken(raw: string): string | undefined {
  const t = raw.trim().toLowerCase();
  return t && WORD.test(t) && t.length <= 64 ? t : undefined;
}

/** The thesaurus as search sees it: every term (preferred or synonym) and its equivalents. */
export interface SearchThesaurus {
  /** term → itself, its preferred term and all synonyms (normalized). */
  equivalents: Map<string, string[]>;
}

export const EMPTY_THESAURUS: SearchThesaurus = { equivalents: new Map() };

export function buildSearchThesaurus(terms: Array<{ preferred: string; synonyms: string[] }>): SearchThesaurus {
  const equivalents = new Map<string, string[]>();
  for (const t of terms) {
    const all = [...new Set([t.preferred, ...t.synonyms].map(normalizeToken).filter((x): x is string => !!x))];
    for (const x of all) equivalents.set(x, [...new Set([...(equivalents.get(x) ?? []), ...all])]);
  }
  return { equivalents };
}

/**
 * Short texts repeat across a catalog (data item names, keywords: 姓名, 公民身份号码): their
 * segmentation is remembered, so a bulk import calls jieba mostly for names and abstracts.
 */
const shortTextCache = new Map<string, string[]>();
const SHORT_TEXT = 24;
const CACHE_LIMIT = 50_000;

/** Words of a text in search mode: `常住人口` gives 常住, 人口 and 常住人口, so two-character words match. */
export function segmentForIndex(text: string): string[] {
  const cached = text.length <= SHORT_TEXT ? shortTextCache.get(text) : undefined;
  if (cached) return cached;
  const words = segmenter()
    .cutForSearch(text, false)
    .map(normalizeToken)
    .filter((x): x is string => !!x);
  if (text.length <= SHORT_TEXT) {
    if (shortTextCache.size >= CACHE_LIMIT) shortTextCache.clear();
    shortTextCache.set(text, words);
  }
  return words;
}

export interface IndexedFields {
  name: string;
  abstract: string;
  keywords: string[];
  items: string[];
}

/**
 * The tokens of a resource with their weights. Thesaurus terms found verbatim in a field are
 * tokens too, so a multi-word synonym (`公民身份号码`) matches as a whole.
 */
export function indexTokens(fields: IndexedFields, thesaurus: SearchThesaurus = EMPTY_THESAURUS): Map<string, number> {
  const weights = new Map<string, number>();
  const add = (field: keyof typeof FIELD_WEIGHTS, texts: string[]) => {
    const seen = new Set<string>();
    for (const text of texts) {
      for (const t of segmentForIndex(text)) seen.add(t);
      const whole = normalizeToken(text);
      if (whole && field !== 'abstract' && whole.length <= 16) seen.add(whole);
      const lower = text.toLowerCase();
      for (const term of thesaurus.equivalents.keys()) if (lower.includes(term)) seen.add(term);
    }
    for (const t of seen) weights.set(t, (weights.get(t) ?? 0) + FIELD_WEIGHTS[field]);
  };
  add('name', [fields.name]);
  add('keywords', fields.keywords);
  add('items', fields.items);
  add('abstract', [fields.abstract]);
  return weights;
}

/**
 * A query as groups of alternative tokens: every group must match (AND), any token of a group may
 * (OR: the word and its thesaurus equivalents). A chunk that is itself a thesaurus term stays whole.
 *
 * @example queryGroups('户籍 身份证', th) // [['户籍'], ['身份证', '居民身份证', '公民身份号码']]
 */
export function queryGroups(query: string, thesaurus: SearchThesaurus = EMPTY_THESAURUS): string[][] {
  const groups: string[][] = [];
  const seen = new Set<string>();
  const push = (word: string) => {
    if (seen.has(word)) return;
    seen.add(word);
    groups.push(thesaurus.equivalents.get(word) ?? [word]);
  };
  for (const chunk of query.split(/[\s,，、;；。.!！?？:：()（）"“”'‘’《》]+/)) {
    const whole = normalizeToken(chunk);
    if (!whole) continue;
    if (thesaurus.equivalents.has(whole)) {
      push(whole);
      continue;
    }
    for (const w of segmenter().cut(chunk, false)) {
      const t = normalizeToken(w);
      if (t) push(t);
    }
  }
  return groups.slice(0, 12);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * HTML-escaped text with the matched terms in `<em>`; `around` > 0 trims to a snippet around the first match.
 *
 * @example highlight('常住人口户籍信息', ['户籍']) // '常住人口<em>户籍</em>信息'
 */
export function highlight(text: string, terms: string[], around = 0): string {
  const usable = [...new Set(terms)].filter((t) => t.length > 0).sort((a, b) => b.length - a.length);
  let source = text;
  if (!usable.length) return escapeHtml(around > 0 && text.length > around * 2 ? `${text.slice(0, around * 2)}…` : text);
  const re = new RegExp(usable.map(escapeRegExp).join('|'), 'gi');
  if (around > 0 && text.length > around * 2) {
    const first = text.search(re);
    const start = Math.max(0, (first < 0 ? 0 : first) - around);
    source = (start > 0 ? '…' : '') + text.slice(start, start + around * 2) + (start + around * 2 < text.length ? '…' : '');
  }
  let out = '';
  let last = 0;
  for (const m of source.matchAll(re)) {
    out += escapeHtml(source.slice(last, m.index)) + `<em>${escapeHtml(m[0])}</em>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(source.slice(last));
}
