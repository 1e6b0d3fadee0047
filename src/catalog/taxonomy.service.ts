import type { Actor, RequestContext } from '../core/actor.js';
import type { Db } from '../core/db/database.js';
import { AppError, validationError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { authorize } from '../core/policy.js';
import './catalog.policy.js';
import type { CatalogDeps } from './catalog.deps.js';
import { CLASS_LEVEL_DIGITS, CLASS_LEVEL_NAMES, SEED_CLASSES } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import type { ClassRow, TermRow } from './catalog.repository.js';
import { reindexAll } from './resource.service.js';
import { normalizeToken } from './segmenter.js';

export interface CatalogClass {
  code: string;
  name: string;
  parentCode: string | null;
  level: number;
  levelName: string;
}

const presentClass = (r: ClassRow): CatalogClass => ({
  code: r.code,
  name: r.name,
  parentCode: r.parent_code,
  level: r.level,
  levelName: CLASS_LEVEL_NAMES[r.level - 1] ?? '',
});

/** Adds the seeded top classes and items that are missing (idempotent; edits are kept). Returns how many were added. */
export async function seedClasses(db: Db, now: string): Promise<number> {
  const have = new Set((await repo.listClasses(db)).map((c) => c.code));
  const rows: ClassRow[] = [];
  for (const top of SEED_CLASSES) {
    if (!have.has(top.code)) rows.push({ code: top.code, name: top.name, parent_code: null, level: 1, created_at: now, updated_at: now });
    top.children.forEach((name, i) => {
      const code = `${top.code}${String(i + 1).padStart(2, '0')}`;
      if (!have.has(code)) rows.push({ code, name, parent_code: top.code, level: 2, created_at: now, updated_at: now });
    });
  }
  await repo.insertClasses(db, rows);
  return rows.length;
}

/** The whole classification in code order (a tree by `parentCode`). Public: the portal filters by it. */
export async function listClasses(deps: CatalogDeps): Promise<CatalogClass[]> {
  return (await repo.listClasses(deps.db)).map(presentClass);
}

/**
 * Adds a class under `parentCode` (项 under a 类, 目 under a 项, 细目 under a 目). Without `code`
 * the next free number is taken.
 */
export async function createClass(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  input: { parentCode: string; name: string; code?: string | undefined },
): Promise<CatalogClass> {
  authorize(actor, 'catalog.class.manage');
  const parent = await repo.findClass(deps.db, input.parentCode);
  if (!parent) throw new AppError('CATALOG_CLASS_NOT_FOUND', `上级分类 ${input.parentCode} 不存在`, { field: 'body.parentCode' });
  if (parent.level >= 4) throw validationError([{ field: 'body.parentCode', reason: '细目下不能再分 (细目 is the lowest level)' }]);
  const name = input.name.trim();
  if (!name) throw validationError([{ field: 'body.name', reason: '不能为空 (must not be empty)' }]);
  const digits = CLASS_LEVEL_DIGITS[parent.level]!;
  const siblings = await repo.childCodes(deps.db, parent.code);
  let code = input.code;
  if (code === undefined) {
    const max = siblings.reduce((m, c) => Math.max(m, Number(c.slice(parent.code.length))), 0);
    code = parent.code + String(max + 1).padStart(digits, '0');
  }
  if (!new RegExp(`^${parent.code}\\d{${digits}}$`).test(code) || /^0+$/.test(code.slice(parent.code.length)))
    throw validationError([{ field: 'body.code', reason: `应为上级代码 ${parent.code} 加 ${digits} 位非零编号 (parent code + ${digits} digits)` }]);
  if (siblings.includes(code) || code.length > 9) throw new AppError('CONFLICT', `分类代码 ${code} 已存在`, { field: 'body.code' });
  const now = deps.clock.now().toISOString();
  const row: ClassRow = { code, name, parent_code: parent.code, level: parent.level + 1, created_at: now, updated_at: now };
  await deps.db.transaction().execute(async (trx) => {
    await repo.insertClasses(trx, [row]);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.class.create',
      subject: { type: 'catalog-class', id: code },
      summary: { name, parentCode: parent.code },
    });
  });
  return presentClass(row);
}

export async function renameClass(deps: CatalogDeps, actor: Actor, ctx: RequestContext, code: string, name: string): Promise<CatalogClass> {
  authorize(actor, 'catalog.class.manage');
  const before = await repo.findClass(deps.db, code);
  if (!before) throw new AppError('CATALOG_CLASS_NOT_FOUND', `分类 ${code} 不存在`);
  const trimmed = name.trim();
  if (!trimmed) throw validationError([{ field: 'body.name', reason: '不能为空 (must not be empty)' }]);
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateClass(trx, code, trimmed, now);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.class.rename',
      subject: { type: 'catalog-class', id: code },
      summary: { name: trimmed, before: before.name },
    });
  });
  return presentClass({ ...before, name: trimmed, updated_at: now });
}

/** Removes a class that has neither sub-classes nor resources. */
export async function deleteClass(deps: CatalogDeps, actor: Actor, ctx: RequestContext, code: string): Promise<void> {
  authorize(actor, 'catalog.class.manage');
  const before = await repo.findClass(deps.db, code);
  if (!before) throw new AppError('CATALOG_CLASS_NOT_FOUND', `分类 ${code} 不存在`);
  if ((await repo.childCodes(deps.db, code)).length || (await repo.countResourcesInClass(deps.db, code)))
    throw new AppError('CATALOG_CLASS_IN_USE', `分类 ${code} 下仍有下级分类或信息资源`);
  await deps.db.transaction().execute(async (trx) => {
    await repo.deleteClass(trx, code);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.class.delete',
      subject: { type: 'catalog-class', id: code },
      summary: { name: before.name },
    });
  });
}

// ── thesaurus (主题词表) ──────────────────────────────────────────────────────

export interface Term {
  id: string;
  preferred: string;
  synonyms: string[];
  broaderId: string | null;
  narrowerIds: string[];
}

export interface TermInput {
  preferred: string;
  synonyms: string[];
  broaderId?: string | null | undefined;
}

function presentTerms(rows: TermRow[]): Term[] {
  return rows.map((r) => ({
    id: r.id,
    preferred: r.preferred,
    synonyms: JSON.parse(r.synonyms) as string[],
    broaderId: r.broader_id,
    narrowerIds: rows.filter((n) => n.broader_id === r.id).map((n) => n.id),
  }));
}

/** The thesaurus: preferred terms with synonyms, broader and narrower terms. Public (search uses it). */
export async function listTerms(deps: CatalogDeps): Promise<Term[]> {
  return presentTerms(await repo.listTerms(deps.db));
}

async function checkTerm(db: Db, input: TermInput, selfId?: string): Promise<{ preferred: string; synonyms: string[] }> {
  const preferred = input.preferred.trim();
  const synonyms = [...new Set(input.synonyms.map((s) => s.trim()).filter(Boolean))].filter((s) => s !== preferred);
  const issues = [];
  if (!normalizeToken(preferred) || preferred.length > 30) issues.push({ field: 'body.preferred', reason: '应为 1–30 个字符的词 (a word of 1–30 characters)' });
  synonyms.forEach((s, i) => {
    if (!normalizeToken(s) || s.length > 30) issues.push({ field: `body.synonyms.${i}`, reason: '应为 1–30 个字符的词 (a word of 1–30 characters)' });
  });
  if (issues.length) throw validationError(issues);
  const rows = await repo.listTerms(db);
  const taken = new Map<string, string>();
  for (const r of rows) if (r.id !== selfId) for (const w of [r.preferred, ...(JSON.parse(r.synonyms) as string[])]) taken.set(w.toLowerCase(), r.preferred);
  for (const w of [preferred, ...synonyms]) {
    const owner = taken.get(w.toLowerCase());
    if (owner) throw new AppError('CATALOG_TERM_EXISTS', `“${w}”已在主题词“${owner}”中`, { field: 'body.synonyms', word: w });
  }
  if (input.broaderId) {
    // The broader chain must exist and never lead back to this term.
    let at: string | null = input.broaderId;
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (let depth = 0; at; depth++) {
      if (at === selfId || depth > 50) throw validationError([{ field: 'body.broaderId', reason: '上位词不能是自身或其下位词 (would make a cycle)' }]);
      const next = byId.get(at);
      if (!next) throw new AppError('CATALOG_TERM_NOT_FOUND', `上位词 ${at} 不存在`, { field: 'body.broaderId' });
      at = next.broader_id;
    }
  }
  return { preferred, synonyms };
}

/** Adds a term; the search index is rebuilt so its synonyms match at once. */
export async function createTerm(deps: CatalogDeps, actor: Actor, ctx: RequestContext, input: TermInput): Promise<Term> {
  authorize(actor, 'catalog.term.manage');
  const { preferred, synonyms } = await checkTerm(deps.db, input);
  const now = deps.clock.now().toISOString();
  const row: TermRow = { id: newId(), preferred, synonyms: JSON.stringify(synonyms), broader_id: input.broaderId ?? null, created_at: now, updated_at: now };
  await deps.db.transaction().execute(async (trx) => {
    await repo.insertTerm(trx, row);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.term.create',
      subject: { type: 'catalog-term', id: row.id },
      summary: { preferred, synonyms },
    });
  });
  await reindexAll(deps.db);
  return presentTerms([row])[0]!;
}

export async function updateTerm(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string, input: TermInput): Promise<Term> {
  authorize(actor, 'catalog.term.manage');
  const before = await repo.findTerm(deps.db, id);
  if (!before) throw new AppError('CATALOG_TERM_NOT_FOUND', `主题词 ${id} 不存在`);
  const { preferred, synonyms } = await checkTerm(deps.db, input, id);
  const patch = { preferred, synonyms: JSON.stringify(synonyms), broader_id: input.broaderId ?? null, updated_at: deps.clock.now().toISOString() };
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateTerm(trx, id, patch);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.term.update',
      subject: { type: 'catalog-term', id },
      summary: { preferred, synonyms, before: { preferred: before.preferred, synonyms: JSON.parse(before.synonyms) as string[] } },
    });
  });
  await reindexAll(deps.db);
  return (await listTerms(deps)).find((t) => t.id === id)!;
}

export async function deleteTerm(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string): Promise<void> {
  authorize(actor, 'catalog.term.manage');
  const before = await repo.findTerm(deps.db, id);
  if (!before) throw new AppError('CATALOG_TERM_NOT_FOUND', `主题词 ${id} 不存在`);
  await deps.db.transaction().execute(async (trx) => {
    await repo.deleteTerm(trx, id);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.term.delete',
      subject: { type: 'catalog-term', id },
      summary: { preferred: before.preferred },
    });
  });
  await reindexAll(deps.db);
}
