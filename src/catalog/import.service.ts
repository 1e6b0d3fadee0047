import type { Actor, RequestContext } from '../core/actor.js';
import { shanghaiDate } from '../core/calendar/index.js';
import { AppError } from '../core/errors.js';
import { authorize, can } from '../core/policy.js';
import { departmentOf } from './catalog.policy.js';
import type { CatalogDeps, CatalogOrg } from './catalog.deps.js';
import type { ResourceInput } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import type { ResourceRow } from './catalog.repository.js';
import { checkResourceInput, normalizeResourceInput } from './resource-check.js';
import { presentResource } from './resource.presenter.js';
import { draftRow, loadSearchThesaurus, tokensOf } from './resource.service.js';
import { columnOf, readCatalogSheet, resourceToCells, writeCatalogSheet, type SheetError } from './spreadsheet.js';

export interface ImportRow {
  /** Row number reported in errors (spreadsheet row, or 1-based index). */
  row: number;
  input: ResourceInput;
  /** The providing department; the actor's own when absent. */
  providerOrgId?: string | undefined;
  /** Problems already found while reading the row. */
  errors?: SheetError[];
}

/** Where an import is: rows checked, then rows written (in chunks of 1,000). */
export interface ImportProgress {
  phase: 'check' | 'write';
  done: number;
  total: number;
}

export interface ImportResult {
  created: number;
  skipped: number;
  errors: SheetError[];
  codes: string[];
}

/**
 * Catalogues many resources in ONE transaction: every row is checked first and, unless
 * `skipInvalid`, a single bad row means nothing is written (CATALOG_IMPORT_INVALID lists every
 * error with row, column and reason). Each resource gets its code, its tokens and its audit
 * record. `publish` (system actor only: the demo seed, a trusted migration) publishes at once.
 */
export async function importResources(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  rows: ImportRow[],
  options: { skipInvalid?: boolean; publish?: boolean; onProgress?: ((p: ImportProgress) => void) | undefined } = {},
): Promise<ImportResult> {
  if (options.publish && actor.type !== 'system') throw new AppError('AUTH_FORBIDDEN', '只有系统导入可以直接发布 (only system imports publish directly)');
  const levels = new Map((await repo.listClasses(deps.db)).map((c) => [c.code, c.level]));
  const providers = new Map<string, CatalogOrg>();
  const errors: SheetError[] = [];
  const valid: Array<{ row: number; n: ReturnType<typeof normalizeResourceInput>; provider: CatalogOrg }> = [];
  for (const [i, r] of rows.entries()) {
    if (options.onProgress && i % 500 === 0) {
      options.onProgress({ phase: 'check', done: i, total: rows.length });
      await new Promise((resolve) => setImmediate(resolve)); // lets the progress line leave before the next stretch
    }
    const orgId = r.providerOrgId ?? actor.orgId;
    const rowErrors: SheetError[] = [...(r.errors ?? [])];
    if (!orgId || !can(actor, 'catalog.resource.edit', { orgId })) {
      authorize(actor, 'catalog.resource.edit', { orgId: orgId ?? null });
    }
    let provider = providers.get(orgId!);
    if (!provider) {
      provider = await deps.orgs.byId(orgId!);
      if (!provider) throw new AppError('IDENTITY_ORG_NOT_FOUND', `机构 ${orgId} 不存在`);
      providers.set(orgId!, provider);
    }
    if (!rowErrors.length)
      rowErrors.push(...checkResourceInput(r.input, levels.get(r.input.classCode)).map((i) => ({ row: r.row, column: columnOf(i.field), reason: i.reason })));
    if (rowErrors.length) errors.push(...rowErrors);
    else valid.push({ row: r.row, n: normalizeResourceInput(r.input), provider });
  }
  options.onProgress?.({ phase: 'check', done: rows.length, total: rows.length });
  if (errors.length && !options.skipInvalid) {
    const shown = errors.slice(0, 3).map((e) => `第 ${e.row} 行「${e.column}」${e.reason}`);
    throw new AppError('CATALOG_IMPORT_INVALID', `导入文件有 ${errors.length} 处错误，未写入任何数据：${shown.join('；')}${errors.length > 3 ? '…' : ''}`, {
      errors,
    });
  }
  const now = deps.clock.now();
  const iso = now.toISOString();
  const codes: string[] = [];
  await deps.db.transaction().execute(async (trx) => {
    const thesaurus = await loadSearchThesaurus(trx);
    const seqs = new Map<string, number>();
    // Written in chunks of multi-row statements, one audit claim per chunk: the rows, tokens and
    // audit records are the same as one at a time, at a fraction of the statements.
    for (let start = 0; start < valid.length; start += 1000) {
      const rows: ResourceRow[] = [];
      const tokens: Array<Map<string, number>> = [];
      const entries: Array<Parameters<typeof deps.audit.append>[1]> = [];
      for (const v of valid.slice(start, start + 1000)) {
        const seq = seqs.get(v.n.classCode) ?? (await repo.nextSeq(trx, v.n.classCode));
        seqs.set(v.n.classCode, seq + 1);
        const row = draftRow(v.n, v.provider, seq, actor, iso);
        if (options.publish) Object.assign(row, { status: 'published', published_on: shanghaiDate(now), data_updated_at: iso });
        rows.push(row);
        tokens.push(tokensOf(row, thesaurus));
        entries.push({
          actor,
          context: ctx,
          action: 'catalog.resource.import',
          subject: { type: 'catalog-resource', id: row.id },
          summary: { code: row.code, name: row.name, provider: v.provider.uscc, row: v.row, status: row.status },
        });
        codes.push(row.code);
      }
      await repo.insertResourcesBulk(trx, rows, tokens);
      if (deps.audit.appendMany) await deps.audit.appendMany(trx, entries);
      else for (const e of entries) await deps.audit.append(trx, e);
      if (options.onProgress) {
        options.onProgress({ phase: 'write', done: start + rows.length, total: valid.length });
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });
  return { created: valid.length, skipped: rows.length - valid.length, errors, codes };
}

/** Reads a CSV/XLSX catalog file and imports it for `providerOrgId` (default: the actor's department). */
export async function importCatalogFile(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  file: { data: Buffer; kind: 'csv' | 'xlsx' },
  options: { providerOrgId?: string | undefined; skipInvalid?: boolean; onProgress?: ((p: ImportProgress) => void) | undefined } = {},
): Promise<ImportResult> {
  const orgId = options.providerOrgId ?? actor.orgId;
  authorize(actor, 'catalog.resource.edit', { orgId: orgId ?? null });
  let sheet;
  try {
    sheet = await readCatalogSheet(file.data, file.kind);
  } catch (e) {
    throw new AppError('CATALOG_IMPORT_INVALID', `无法读取${file.kind === 'csv' ? ' CSV' : ' XLSX'} 文件：${(e as Error).message}`, {
      errors: [{ row: 0, column: '', reason: '文件无法解析 (unreadable file)' }],
    });
  }
  if (sheet.missingColumns.length)
    throw new AppError('CATALOG_IMPORT_INVALID', `缺少列：${sheet.missingColumns.join('、')}`, {
      errors: sheet.missingColumns.map((c) => ({ row: 1, column: c, reason: '缺少该列 (missing column)' })),
    });
  if (!sheet.rows.length)
    throw new AppError('CATALOG_IMPORT_INVALID', '文件中没有数据行 (no data rows)', { errors: [{ row: 2, column: '', reason: '没有数据行' }] });
  return importResources(
    deps,
    actor,
    ctx,
    sheet.rows.map((r) => ({ row: r.row, input: r.input, providerOrgId: orgId, errors: r.errors })),
    options,
  );
}

/** The actor's department's resources (`mine`) or the published sharing catalog (`sharing`) as CSV or XLSX. */
export async function exportCatalog(deps: CatalogDeps, actor: Actor, scope: 'mine' | 'sharing', kind: 'csv' | 'xlsx'): Promise<Buffer> {
  let filter: repo.ResourceListFilter;
  if (scope === 'mine') {
    departmentOf(actor);
    authorize(actor, 'catalog.resource.read', { orgId: actor.orgId });
    filter = { providerOrgId: actor.orgId, limit: 100000, offset: 0 };
  } else {
    authorize(actor, 'catalog.sharing.read');
    filter = { statuses: ['published'], excludeShareType: 'none', limit: 100000, offset: 0 };
  }
  const { rows } = await repo.listResources(deps.db, filter);
  return writeCatalogSheet(
    rows.map((r) => {
      const p = presentResource(r);
      return { code: p.code, cells: resourceToCells(p) };
    }),
    kind,
  );
}
