import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { tablesOf, type Db } from '../core/db/database.js';

export interface ClassRow {
  code: string;
  name: string;
  parent_code: string | null;
  level: number;
  created_at: string;
  updated_at: string;
}

export interface TermRow {
  id: string;
  preferred: string;
  synonyms: string;
  broader_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ResourceRow {
  id: string;
  code: string;
  class_code: string;
  seq: number;
  name: string;
  provider_org_id: string;
  provider_name: string;
  provider_code: string;
  region_code: string;
  abstract: string;
  format_type: string;
  format_detail: string | null;
  items: string;
  share_type: string;
  share_condition: string | null;
  share_basis: string | null;
  share_methods: string;
  open_type: string;
  open_condition: string | null;
  update_cycle: string;
  published_on: string | null;
  related_codes: string;
  keywords: string;
  maintainer: string;
  links: string;
  status: string;
  review_note: string | null;
  base_registry: number;
  data_updated_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** Provenance of a harvested resource (migration 0012); null/absent for the catalog's own. */
  harvest_source_id?: string | null;
  /** The dataset's IRI in the source catalog: identity across harvests, and the link back. */
  source_uri?: string | null;
  /** The dataset's own identifier there (its 信息资源代码 when the source is a zhengtong). */
  source_code?: string | null;
  /** dct:modified at the source when last harvested (an unchanged value means nothing to write). */
  source_modified?: string | null;
  harvested_at?: string | null;
}

export interface ApplicationRow {
  id: string;
  resource_id: string;
  provider_org_id: string;
  consumer_org_id: string;
  consumer_subsystem: string;
  purpose: string;
  legal_basis: string;
  items: string;
  valid_from: string;
  valid_until: string | null;
  status: string;
  due_at: string | null;
  decided_at: string | null;
  decided_by: string | null;
  reason: string | null;
  approved_items: string | null;
  access_right_ids: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface CatalogTables {
  catalog_classes: ClassRow;
  catalog_terms: TermRow;
  catalog_resources: ResourceRow;
  catalog_search_tokens: { token: string; resource_id: string; weight: number };
  catalog_applications: ApplicationRow;
}

const q = (db: Db): Kysely<CatalogTables> => tablesOf<CatalogTables>(db);

// ── classification ───────────────────────────────────────────────────────────

export async function listClasses(db: Db): Promise<ClassRow[]> {
  return q(db).selectFrom('catalog_classes').selectAll().orderBy('code').execute();
}

export async function findClass(db: Db, code: string): Promise<ClassRow | undefined> {
  return q(db).selectFrom('catalog_classes').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function insertClasses(db: Db, rows: ClassRow[]): Promise<void> {
  if (rows.length) await q(db).insertInto('catalog_classes').values(rows).execute();
}

export async function updateClass(db: Db, code: string, name: string, now: string): Promise<void> {
  await q(db).updateTable('catalog_classes').set({ name, updated_at: now }).where('code', '=', code).execute();
}

export async function deleteClass(db: Db, code: string): Promise<void> {
  await q(db).deleteFrom('catalog_classes').where('code', '=', code).execute();
}

export async function childCodes(db: Db, parent: string): Promise<string[]> {
  return (await q(db).selectFrom('catalog_classes').select('code').where('parent_code', '=', parent).execute()).map((r) => r.code);
}

export async function countResourcesInClass(db: Db, codePrefix: string): Promise<number> {
  const { n } = await q(db)
    .selectFrom('catalog_resources')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('class_code', 'like', `${codePrefix}%`)
    .executeTakeFirstOrThrow();
  return Number(n);
}

// ── thesaurus ────────────────────────────────────────────────────────────────

export async function listTerms(db: Db): Promise<TermRow[]> {
  return q(db).selectFrom('catalog_terms').selectAll().orderBy('preferred').execute();
}

export async function findTerm(db: Db, id: string): Promise<TermRow | undefined> {
  return q(db).selectFrom('catalog_terms').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertTerm(db: Db, row: TermRow): Promise<void> {
  await q(db).insertInto('catalog_terms').values(row).execute();
}

export async function updateTerm(db: Db, id: string, patch: Partial<Omit<TermRow, 'id' | 'created_at'>>): Promise<void> {
  await q(db).updateTable('catalog_terms').set(patch).where('id', '=', id).execute();
}

export async function deleteTerm(db: Db, id: string): Promise<void> {
  await q(db).updateTable('catalog_terms').set({ broader_id: null }).where('broader_id', '=', id).execute();
  await q(db).deleteFrom('catalog_terms').where('id', '=', id).execute();
}

// ── resources ────────────────────────────────────────────────────────────────

export async function insertResource(db: Db, row: ResourceRow): Promise<void> {
  await q(db).insertInto('catalog_resources').values(row).execute();
}

export async function updateResource(db: Db, id: string, patch: Partial<Omit<ResourceRow, 'id' | 'created_at'>>): Promise<void> {
  await q(db).updateTable('catalog_resources').set(patch).where('id', '=', id).execute();
}

export async function findResource(db: Db, id: string): Promise<ResourceRow | undefined> {
  return q(db).selectFrom('catalog_resources').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findResourceByCode(db: Db, code: string): Promise<ResourceRow | undefined> {
  return q(db).selectFrom('catalog_resources').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function findResourcesByIds(db: Db, ids: string[]): Promise<ResourceRow[]> {
  if (!ids.length) return [];
  return q(db).selectFrom('catalog_resources').selectAll().where('id', 'in', ids).execute();
}

/** The next free 顺序码 in a class (the unique (class, seq) constraint catches a concurrent taker). */
export async function nextSeq(db: Db, classCode: string): Promise<number> {
  const r = await q(db)
    .selectFrom('catalog_resources')
    .select((eb) => eb.fn.max('seq').as('m'))
    .where('class_code', '=', classCode)
    .executeTakeFirst();
  return Number(r?.m ?? 0) + 1;
}

export interface ResourceListFilter {
  statuses?: string[];
  providerOrgId?: string;
  modifiedSince?: string;
  excludeOpenType?: string;
  excludeShareType?: string;
  limit: number;
  offset: number;
}

/** Resources in code order (exports, DCAT pages, review queues). */
export async function listResources(db: Db, f: ResourceListFilter): Promise<{ rows: ResourceRow[]; total: number }> {
  let base = q(db).selectFrom('catalog_resources as r');
  if (f.statuses) base = base.where('status', 'in', f.statuses);
  if (f.providerOrgId) base = base.where('provider_org_id', '=', f.providerOrgId);
  if (f.modifiedSince) base = base.where('updated_at', '>=', f.modifiedSince);
  if (f.excludeOpenType) base = base.where('open_type', '<>', f.excludeOpenType);
  if (f.excludeShareType) base = base.where('share_type', '<>', f.excludeShareType);
  const rows = await byCode(base.selectAll()).limit(f.limit).offset(f.offset).execute();
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(n) };
}

export async function allResourceIds(db: Db): Promise<string[]> {
  return (await q(db).selectFrom('catalog_resources').select('id').orderBy('id').execute()).map((r) => r.id);
}

const isPostgres = (db: Db): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Inserts many new resources and their tokens (bulk import). The rows travel as ONE parameter per
 * statement — a JSON array the database unpacks (SQLite `json_each`, PostgreSQL
 * `json_populate_recordset` / `unnest`) — instead of multi-row VALUES lists of tens of thousands
 * of parameters, whose building and binding cost more CPU than the inserts. Postings are written in
 * (token, resource) order, the token index's key order, so consecutive inserts land on the same pages.
 */
export async function insertResourcesBulk(db: Db, rows: ResourceRow[], tokens: Array<Map<string, number>>): Promise<void> {
  const pg = isPostgres(db);
  const columns = Object.keys(rows[0] ?? {});
  for (let i = 0; i < rows.length; i += 2000) {
    const json = JSON.stringify(rows.slice(i, i + 2000));
    const names = sql.join(columns.map((c) => sql.ref(c)));
    if (pg)
      await sql`insert into catalog_resources (${names}) select ${names} from json_populate_recordset(null::catalog_resources, ${json}::json)`.execute(db);
    else
      await sql`insert into catalog_resources (${names}) select ${sql.join(columns.map((c) => sql`value ->> ${sql.lit(c)}`))} from json_each(${json})`.execute(
        db,
      );
  }
  const postings: Array<[string, string, number]> = [];
  rows.forEach((r, i) => {
    for (const [token, weight] of tokens[i]!) postings.push([token, r.id, weight]);
  });
  postings.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // stable: each token keeps its resources in id order
  for (let i = 0; i < postings.length; i += 20000) {
    const chunk = postings.slice(i, i + 20000);
    if (pg)
      await sql`insert into catalog_search_tokens (token, resource_id, weight)
        select * from unnest(${chunk.map((p) => p[0])}::text[], ${chunk.map((p) => p[1])}::text[], ${chunk.map((p) => p[2])}::int[])`.execute(db);
    else
      await sql`insert into catalog_search_tokens (token, resource_id, weight) select value ->> 0, value ->> 1, value ->> 2 from json_each(${JSON.stringify(chunk)})`.execute(
        db,
      );
  }
}

// ── search index ─────────────────────────────────────────────────────────────

/**
 * Replaces a resource's tokens, and records the change for the in-memory search indexes
 * (`catalog_search_changes`, migration 0015: the resource triggers do not see token writes).
 */
export async function replaceTokens(db: Db, resourceId: string, tokens: Map<string, number>): Promise<void> {
  await q(db).deleteFrom('catalog_search_tokens').where('resource_id', '=', resourceId).execute();
  await sql`insert into catalog_search_changes (resource_id) values (${resourceId})`.execute(db);
  const rows = [...tokens].map(([token, weight]) => ({ token, resource_id: resourceId, weight }));
  for (let i = 0; i < rows.length; i += 300)
    await q(db)
      .insertInto('catalog_search_tokens')
      .values(rows.slice(i, i + 300))
      .execute();
}

export interface SearchFilter {
  /** Each group is a list of alternative tokens; a resource matches when it has a token of every group. */
  groups: string[][];
  statuses: string[];
  excludeShareType?: string;
  excludeOpenType?: string;
  providerOrgId?: string;
  classPrefix?: string;
  shareType?: string;
  openType?: string;
  formatType?: string;
  updateCycle?: string;
  regionCode?: string;
}

export const FACET_COLUMNS = {
  class: sql<string>`substr(r.class_code, 1, 3)`,
  provider: sql<string>`r.provider_org_id`,
  shareType: sql<string>`r.share_type`,
  openType: sql<string>`r.open_type`,
  format: sql<string>`r.format_type`,
  updateCycle: sql<string>`r.update_cycle`,
  region: sql<string>`r.region_code`,
} as const;
export type FacetName = keyof typeof FACET_COLUMNS;

/**
 * Orders by resource code without depending on the database's text collation: class codes are
 * digits only, so equal-length ones compare the same under every collation; then the 顺序码 as a number.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any select query over `catalog_resources as r`
function byCode<Q extends { orderBy(expr: any, dir?: 'asc' | 'desc'): Q }>(query: Q): Q {
  return query
    .orderBy(sql`length(r.class_code)`)
    .orderBy(sql`r.class_code`)
    .orderBy(sql`r.seq`);
}

/**
 * The filtered set as a query on `catalog_resources as r`, joined to the text matches `m` (with an
 * integer `score`) when there are query groups. Only portable SQL: the same rows and scores on both dialects.
 */
function filtered(db: Db, f: SearchFilter) {
  const all = [...new Set(f.groups.flat())];
  let base = q(db).selectFrom('catalog_resources as r');
  if (f.groups.length) {
    const matched = q(db)
      .selectFrom('catalog_search_tokens as t')
      .select(['t.resource_id', sql<number>`sum(t.weight)`.as('score')])
      .where('t.token', 'in', all)
      .groupBy('t.resource_id')
      .having(({ and }) =>
        and(f.groups.map((g) => sql<boolean>`max(case when t.token in (${sql.join(g.map((x) => sql.val(x)))}) then 1 else 0 end) = 1`) as never),
      );
    // The matches drive the join (a CROSS JOIN fixes SQLite's loop order; PostgreSQL plans it as an
    // inner join): each match looks its resource up by id, instead of every published resource
    // probing the matches.
    base = q(db).selectFrom(matched.as('m')).crossJoin('catalog_resources as r').whereRef('r.id', '=', 'm.resource_id') as unknown as typeof base;
  }
  base = base.where('r.status', 'in', f.statuses);
  if (f.excludeShareType) base = base.where('r.share_type', '<>', f.excludeShareType);
  if (f.excludeOpenType) base = base.where('r.open_type', '<>', f.excludeOpenType);
  if (f.providerOrgId) base = base.where('r.provider_org_id', '=', f.providerOrgId);
  if (f.classPrefix) base = base.where('r.class_code', 'like', `${f.classPrefix}%`);
  if (f.shareType) base = base.where('r.share_type', '=', f.shareType);
  if (f.openType) base = base.where('r.open_type', '=', f.openType);
  if (f.formatType) base = base.where('r.format_type', '=', f.formatType);
  if (f.updateCycle) base = base.where('r.update_cycle', '=', f.updateCycle);
  if (f.regionCode) base = base.where('r.region_code', '=', f.regionCode);
  return base;
}

/** Resources that have a token of every group, with their integer score (sum of matched token weights). Uses only the token primary key. */
export async function matchTokens(db: Db, groups: string[][]): Promise<Map<string, number>> {
  const all = [...new Set(groups.flat())];
  const rows = await q(db)
    .selectFrom('catalog_search_tokens as t')
    .select(['t.resource_id', sql<number>`sum(t.weight)`.as('score')])
    .where('t.token', 'in', all)
    .groupBy('t.resource_id')
    .having(({ and }) => and(groups.map((g) => sql<boolean>`max(case when t.token in (${sql.join(g.map((x) => sql.val(x)))}) then 1 else 0 end) = 1`) as never))
    .execute();
  return new Map(rows.map((r) => [r.resource_id, Number(r.score)]));
}

/** The columns search sorts and counts facets on. */
export interface FacetRow {
  id: string;
  class_code: string;
  seq: number;
  provider_org_id: string;
  provider_name: string;
  share_type: string;
  open_type: string;
  format_type: string;
  update_cycle: string;
  region_code: string;
  updated_at: string;
}

/** The columns a facet count needs of a resource. */
const FACET_ROW_COLUMNS = [
  'r.id',
  'r.class_code',
  'r.seq',
  'r.provider_org_id',
  'r.provider_name',
  'r.share_type',
  'r.open_type',
  'r.format_type',
  'r.update_cycle',
  'r.region_code',
  'r.updated_at',
] as const;

/**
 * The first `take` matches of a text query that pass the filter, in result order (relevance or
 * recency, ties by code: the same order on both dialects), with their facet columns, score, and
 * the number of all matches — in ONE statement: the token matches joined to the resources'
 * covering index (migration 0013), sorted and cut in the database, so a broad word (a tenth of a
 * million-resource catalog) sends `take` rows to the application, not all of its matches.
 */
export async function rankedMatches(
  db: Db,
  f: SearchFilter,
  order: 'relevance' | 'recency',
  take: number,
): Promise<{ rows: Array<FacetRow & { score: number }>; total: number }> {
  let query = filtered(db, f).select([...FACET_ROW_COLUMNS, sql<number>`m.score`.as('score'), sql<number>`count(*) over ()`.as('total')]);
  if (order === 'relevance') query = query.orderBy(sql`m.score`, 'desc');
  const rows = await byCode(query.orderBy('r.updated_at', 'desc')).limit(take).execute();
  return {
    rows: rows.map(({ total: _total, ...r }) => ({ ...r, seq: Number(r.seq), score: Number(r.score) })),
    total: rows.length ? Number(rows[0]!.total) : 0,
  };
}

/** The facet columns of those of `ids` that pass the filter (the text groups of `f` are ignored), in chunks of 2,000 ids. */
export async function facetRowsOf(db: Db, ids: string[], f: SearchFilter): Promise<FacetRow[]> {
  const out: FacetRow[] = [];
  for (let i = 0; i < ids.length; i += 2000) {
    const chunk = ids.slice(i, i + 2000);
    const rows = await filtered(db, { ...f, groups: [] })
      .where('r.id', 'in', chunk)
      .select([...FACET_ROW_COLUMNS])
      .execute();
    out.push(...rows.map((r) => ({ ...r, seq: Number(r.seq) })));
  }
  return out;
}

/** One page of matching resource ids with scores (0 without a text query), and the total. */
export async function searchIds(
  db: Db,
  f: SearchFilter,
  order: 'relevance' | 'recency',
  limit: number,
  offset: number,
): Promise<{ hits: Array<{ id: string; score: number }>; total: number }> {
  const base = filtered(db, f);
  const scoreCol = f.groups.length ? sql<number>`m.score` : sql<number>`0`;
  let page = base.select(['r.id', scoreCol.as('score')]);
  if (order === 'relevance' && f.groups.length) page = page.orderBy(sql`m.score`, 'desc');
  // Ties by code, not id: codes are the same wherever the catalog was loaded, so pages agree across databases.
  page = byCode(page.orderBy('r.updated_at', 'desc'));
  const rows = await page.limit(limit).offset(offset).execute();
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { hits: rows.map((r) => ({ id: r.id, score: Number(r.score) })), total: Number(n) };
}

/**
 * Counts per value of each facet over the filtered set, in ONE query: the set is grouped by the
 * combination of all facet columns (far fewer groups than rows), and the combinations are summed
 * per facet here. `providerNames` gets each provider's name from the same rows.
 */
export async function facetCounts(
  db: Db,
  f: SearchFilter,
  facets: readonly FacetName[],
  providerNames?: Map<string, string>,
): Promise<Record<string, Array<{ value: string; count: number }>>> {
  const cols = facets.map((name, i) => FACET_COLUMNS[name].as(`f${i}`));
  const rows = (await filtered(db, f)
    .select([...cols, sql<string>`r.provider_name`.as('pname'), sql<number>`count(*)`.as('n')])
    .groupBy([...facets.map((name) => FACET_COLUMNS[name]), sql`r.provider_name`])
    .execute()) as Array<Record<string, string | number>>;
  const out: Record<string, Array<{ value: string; count: number }>> = {};
  facets.forEach((name, i) => {
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(String(r[`f${i}`]), (counts.get(String(r[`f${i}`])) ?? 0) + Number(r.n));
    out[name] = [...counts].map(([value, count]) => ({ value, count }));
    if (name === 'provider' && providerNames) for (const r of rows) providerNames.set(String(r[`f${i}`]), String(r.pname));
  });
  return out;
}

// ── applications ─────────────────────────────────────────────────────────────

export async function insertApplication(db: Db, row: ApplicationRow): Promise<void> {
  await q(db).insertInto('catalog_applications').values(row).execute();
}

export async function updateApplication(db: Db, id: string, patch: Partial<Omit<ApplicationRow, 'id' | 'created_at'>>): Promise<void> {
  await q(db).updateTable('catalog_applications').set(patch).where('id', '=', id).execute();
}

export async function findApplication(db: Db, id: string): Promise<ApplicationRow | undefined> {
  return q(db).selectFrom('catalog_applications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApplications(
  db: Db,
  f: { providerOrgId?: string; consumerOrgId?: string; status?: string; overdueAt?: string; limit: number; offset: number },
): Promise<{ rows: ApplicationRow[]; total: number; overdue: number }> {
  let base = q(db).selectFrom('catalog_applications');
  if (f.providerOrgId) base = base.where('provider_org_id', '=', f.providerOrgId);
  if (f.consumerOrgId) base = base.where('consumer_org_id', '=', f.consumerOrgId);
  if (f.status) base = base.where('status', '=', f.status);
  const rows = await base.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute();
  const { n } = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const overdue = f.overdueAt
    ? await base
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'pending')
        .where('due_at', '<', f.overdueAt)
        .executeTakeFirstOrThrow()
    : { n: 0 };
  return { rows, total: Number(n), overdue: Number(overdue.n) };
}
