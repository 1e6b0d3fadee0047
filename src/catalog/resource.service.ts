import type { Actor, RequestContext } from '../core/actor.js';
import { shanghaiDate } from '../core/calendar/index.js';
import { isUniqueViolation, type Db } from '../core/db/database.js';
import { AppError, validationError } from '../core/errors.js';
import { authorize, can } from '../core/policy.js';
import { departmentOf } from './catalog.policy.js';
import type { CatalogDeps, CatalogOrg } from './catalog.deps.js';
import type { ResourceInput, ResourceStatus } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import type { ResourceRow } from './catalog.repository.js';
import { checkResourceInput, normalizeResourceInput } from './resource-check.js';
import { presentResource, type Resource } from './resource.presenter.js';
import { newTimeOrderedId } from './time-ordered-id.js';
import { buildSearchThesaurus, indexTokens, type SearchThesaurus } from './segmenter.js';

/** The thesaurus as the search index uses it, read inside the caller's transaction. */
export async function loadSearchThesaurus(db: Db): Promise<SearchThesaurus> {
  return buildSearchThesaurus((await repo.listTerms(db)).map((t) => ({ preferred: t.preferred, synonyms: JSON.parse(t.synonyms) as string[] })));
}

/** A resource's search tokens with their weights. */
export function tokensOf(row: ResourceRow, thesaurus: SearchThesaurus): Map<string, number> {
  const items = (JSON.parse(row.items) as Array<{ name: string }>).map((i) => i.name);
  return indexTokens({ name: row.name, abstract: row.abstract, keywords: JSON.parse(row.keywords) as string[], items }, thesaurus);
}

/** Re-writes one resource's search tokens (inside the caller's transaction). */
export async function indexResource(db: Db, row: ResourceRow, thesaurus: SearchThesaurus): Promise<void> {
  await repo.replaceTokens(db, row.id, tokensOf(row, thesaurus));
}

/** Re-indexes every resource (after a thesaurus change), in batches of one transaction each. */
export async function reindexAll(db: Db): Promise<number> {
  const thesaurus = await loadSearchThesaurus(db);
  const ids = await repo.allResourceIds(db);
  for (let i = 0; i < ids.length; i += 200) {
    await db.transaction().execute(async (trx) => {
      for (const row of await repo.findResourcesByIds(trx, ids.slice(i, i + 200))) await indexResource(trx, row, thesaurus);
    });
  }
  return ids.length;
}

const withPrefix = (issues: Array<{ field: string; reason: string }>, prefix: string) =>
  issues.map((i) => ({ field: `${prefix}${i.field}`, reason: i.reason }));

/** Checks a resource's metadata and throws VALIDATION_FAILED naming every bad field. */
export async function validateResource(db: Db, input: ResourceInput, prefix = 'body.'): Promise<ReturnType<typeof normalizeResourceInput>> {
  const cls = await repo.findClass(db, input.classCode);
  const issues = checkResourceInput(input, cls?.level);
  if (issues.length) throw validationError(withPrefix(issues, prefix));
  return normalizeResourceInput(input);
}

function metadataColumns(n: ReturnType<typeof normalizeResourceInput>) {
  return {
    class_code: n.classCode,
    name: n.name,
    abstract: n.abstract,
    format_type: n.formatType,
    format_detail: n.formatDetail ?? null,
    items: JSON.stringify(n.items),
    share_type: n.shareType,
    share_condition: n.shareCondition ?? null,
    share_basis: n.shareBasis ?? null,
    share_methods: JSON.stringify(n.shareMethods),
    open_type: n.openType,
    open_condition: n.openCondition ?? null,
    update_cycle: n.updateCycle,
    related_codes: JSON.stringify(n.relatedCodes ?? []),
    keywords: JSON.stringify(n.keywords ?? []),
    maintainer: n.maintainer,
    links: JSON.stringify(n.links ?? []),
    base_registry: n.baseRegistry ? 1 : 0,
  };
}

/** A fresh draft row for `provider` (code assigned by the caller's transaction). */
export function draftRow(n: ReturnType<typeof normalizeResourceInput>, provider: CatalogOrg, seq: number, actor: Actor, now: string): ResourceRow {
  return {
    id: newTimeOrderedId(),
    code: `${n.classCode}/${String(seq).padStart(6, '0')}`,
    seq,
    ...metadataColumns(n),
    provider_org_id: provider.id,
    provider_name: provider.name,
    provider_code: provider.uscc,
    region_code: provider.regionCode,
    published_on: null,
    status: 'draft',
    review_note: null,
    data_updated_at: null,
    created_by: actor.id ?? null,
    created_at: now,
    updated_at: now,
  };
}

async function providerOf(deps: CatalogDeps, actor: Actor, orgId: string | undefined): Promise<CatalogOrg> {
  const id = orgId ?? actor.orgId;
  authorize(actor, 'catalog.resource.edit', { orgId: id ?? null });
  if (!id) throw validationError([{ field: 'body.providerOrgId', reason: '需要指定提供方部门 (a providing department is required)' }]);
  const org = await deps.orgs.byId(id);
  if (!org) throw new AppError('IDENTITY_ORG_NOT_FOUND', `机构 ${id} 不存在`, { field: 'body.providerOrgId' });
  return org;
}

/**
 * Catalogues a new resource as a 草稿 of the actor's department (or `providerOrgId` for the
 * system actor), assigns its code `分类码/顺序码`, indexes it and audits it, in one transaction.
 *
 * @throws VALIDATION_FAILED naming each bad field; AUTH_FORBIDDEN.
 */
export async function createResource(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  input: ResourceInput,
  options: { providerOrgId?: string } = {},
): Promise<Resource> {
  const provider = await providerOf(deps, actor, options.providerOrgId);
  const n = await validateResource(deps.db, input);
  const now = deps.clock.now().toISOString();
  for (let attempt = 0; ; attempt++) {
    try {
      const row = await deps.db.transaction().execute(async (trx) => {
        const r = draftRow(n, provider, await repo.nextSeq(trx, n.classCode), actor, now);
        await repo.insertResource(trx, r);
        await indexResource(trx, r, await loadSearchThesaurus(trx));
        await deps.audit.append(trx, {
          actor,
          context: ctx,
          action: 'catalog.resource.create',
          subject: { type: 'catalog-resource', id: r.id },
          summary: { code: r.code, name: r.name, provider: provider.uscc, shareType: r.share_type },
        });
        return r;
      });
      return presentResource(row);
    } catch (e) {
      // Two drafts in one class at once took the same 顺序码: take the next one.
      if (isUniqueViolation(e) && attempt < 5) continue;
      throw e;
    }
  }
}

async function loadForWrite(deps: CatalogDeps, id: string): Promise<ResourceRow> {
  const row = await repo.findResource(deps.db, id);
  if (!row) throw new AppError('CATALOG_RESOURCE_NOT_FOUND', `信息资源 ${id} 不存在`);
  refuseHarvested(row, '修改 (edit)');
  return row;
}

/**
 * Harvested resources belong to the catalog they came from: every change is made there and
 * arrives with the next harvest. Throws CATALOG_RESOURCE_HARVESTED with the link back.
 */
export function refuseHarvested(row: ResourceRow, what: string): void {
  if (!row.harvest_source_id) return;
  throw new AppError(
    'CATALOG_RESOURCE_HARVESTED',
    `信息资源 ${row.code}（${row.name}）由下级目录汇聚而来，只读，不能${what}；请在来源目录操作：${row.source_uri ?? ''}`,
    { sourceUri: row.source_uri ?? null, sourceId: row.harvest_source_id },
  );
}

function requireStatus(row: ResourceRow, allowed: ResourceStatus[], what: string): void {
  if (!allowed.includes(row.status as ResourceStatus))
    throw new AppError('CATALOG_INVALID_TRANSITION', `信息资源 ${row.code} 当前为“${row.status}”，不能${what}`, { status: row.status, allowed });
}

/**
 * Replaces a resource's metadata. Allowed while 草稿, 退回 or 已下线 (which becomes 草稿 again); a
 * published resource must be taken offline first. The code stays; a class change before the
 * first publication gives a new code in the new class.
 */
export async function updateResource(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string, input: ResourceInput): Promise<Resource> {
  const before = await loadForWrite(deps, id);
  authorize(actor, 'catalog.resource.edit', { orgId: before.provider_org_id });
  requireStatus(before, ['draft', 'returned', 'offline'], '修改 (edit)');
  if (input.classCode !== before.class_code && before.published_on)
    throw validationError([{ field: 'body.classCode', reason: '已发布过的信息资源不能改变分类 (a resource once published keeps its class)' }]);
  const n = await validateResource(deps.db, input);
  const now = deps.clock.now().toISOString();
  const row = await deps.db.transaction().execute(async (trx) => {
    const patch: Partial<ResourceRow> = { ...metadataColumns(n), status: before.status === 'offline' ? 'draft' : before.status, updated_at: now };
    if (n.classCode !== before.class_code) {
      patch.seq = await repo.nextSeq(trx, n.classCode);
      patch.code = `${n.classCode}/${String(patch.seq).padStart(6, '0')}`;
    }
    await repo.updateResource(trx, id, patch);
    const after = { ...before, ...patch } as ResourceRow;
    await indexResource(trx, after, await loadSearchThesaurus(trx));
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.resource.update',
      subject: { type: 'catalog-resource', id },
      summary: {
        code: after.code,
        name: after.name,
        shareType: after.share_type,
        before: { name: before.name, shareType: before.share_type, status: before.status },
      },
    });
    return after;
  });
  return presentResource(row);
}

async function transition(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  id: string,
  t: { action: string; policy: string; from: ResourceStatus[]; to: ResourceStatus; what: string; note?: string | null; publish?: boolean },
): Promise<Resource> {
  const before = await loadForWrite(deps, id);
  authorize(actor, t.policy, { orgId: before.provider_org_id });
  requireStatus(before, t.from, t.what);
  const now = deps.clock.now();
  const patch: Partial<ResourceRow> = { status: t.to, updated_at: now.toISOString() };
  if (t.note !== undefined) patch.review_note = t.note;
  if (t.publish) {
    patch.published_on = before.published_on ?? shanghaiDate(now);
    patch.data_updated_at = before.data_updated_at ?? now.toISOString();
  }
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateResource(trx, id, patch);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: t.action,
      subject: { type: 'catalog-resource', id },
      summary: { code: before.code, from: before.status, to: t.to, ...(t.note ? { reason: t.note } : {}) },
    });
  });
  return presentResource({ ...before, ...patch } as ResourceRow);
}

/** 草稿/退回 → 待审核. */
export function submitResource(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string): Promise<Resource> {
  return transition(deps, actor, ctx, id, {
    action: 'catalog.resource.submit',
    policy: 'catalog.resource.edit',
    from: ['draft', 'returned'],
    to: 'pending',
    what: '提交审核 (submit)',
    note: null,
  });
}

/**
 * A reviewer's decision on a 待审核 resource: publish it, or return it with reasons.
 *
 * @throws VALIDATION_FAILED (body.reason) when returning without a reason.
 */
export function reviewResource(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  id: string,
  decision: { decision: 'publish' | 'return'; reason?: string | undefined },
): Promise<Resource> {
  if (decision.decision === 'publish')
    return transition(deps, actor, ctx, id, {
      action: 'catalog.resource.publish',
      policy: 'catalog.resource.review',
      from: ['pending'],
      to: 'published',
      what: '发布 (publish)',
      note: decision.reason?.trim() || null,
      publish: true,
    });
  const reason = decision.reason?.trim();
  if (!reason) throw validationError([{ field: 'body.reason', reason: '退回必须说明理由 (a return needs reasons)' }]);
  return transition(deps, actor, ctx, id, {
    action: 'catalog.resource.return',
    policy: 'catalog.resource.review',
    from: ['pending'],
    to: 'returned',
    what: '退回 (return)',
    note: reason,
  });
}

/** 已发布 → 已下线, with a reason (reviewers, or the provider's department admin). */
export function withdrawResource(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string, reason: string): Promise<Resource> {
  const r = reason.trim();
  if (!r) throw validationError([{ field: 'body.reason', reason: '下线必须说明理由 (withdrawal needs a reason)' }]);
  return transition(deps, actor, ctx, id, {
    action: 'catalog.resource.withdraw',
    policy: 'catalog.resource.withdraw',
    from: ['published'],
    to: 'offline',
    what: '下线 (withdraw)',
    note: r,
  });
}

/** Records that the provider updated the data itself (for the "updated on schedule" check). */
export async function markDataUpdated(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string): Promise<Resource> {
  const before = await loadForWrite(deps, id);
  authorize(actor, 'catalog.resource.edit', { orgId: before.provider_org_id });
  const now = deps.clock.now().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateResource(trx, id, { data_updated_at: now });
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.resource.data-updated',
      subject: { type: 'catalog-resource', id },
      summary: { code: before.code },
    });
  });
  return presentResource({ ...before, data_updated_at: now });
}

/** Whether `actor` may see `row`: published and open (everyone), published and shared (staff), else own department or reviewers. */
export function canSee(actor: Actor, row: ResourceRow): boolean {
  if (row.status === 'published' && row.open_type !== 'closed' && can(actor, 'catalog.open.read')) return true;
  if (row.status === 'published' && row.share_type !== 'none' && can(actor, 'catalog.sharing.read')) return true;
  return can(actor, 'catalog.resource.read', { orgId: row.provider_org_id });
}

/** One resource by id or code, if the actor may see it (otherwise it does not exist for them). */
export async function getResource(deps: CatalogDeps, actor: Actor, idOrCode: string): Promise<Resource> {
  const row = idOrCode.includes('/') ? await repo.findResourceByCode(deps.db, idOrCode) : await repo.findResource(deps.db, idOrCode);
  if (!row || !canSee(actor, row)) {
    if (row && actor.type === 'anonymous') throw new AppError('AUTH_REQUIRED');
    throw new AppError('CATALOG_RESOURCE_NOT_FOUND', `信息资源 ${idOrCode} 不存在`);
  }
  return presentResource(row);
}

/** The reviewers' queue (待审核, oldest first by code) or a department's own resources in any status. */
export async function listResources(
  deps: CatalogDeps,
  actor: Actor,
  f: { scope: 'review' | 'mine'; status?: ResourceStatus; limit: number; offset: number },
): Promise<{ items: Resource[]; total: number }> {
  if (f.scope === 'review') {
    authorize(actor, 'catalog.review.queue');
    const { rows, total } = await repo.listResources(deps.db, { statuses: [f.status ?? 'pending'], limit: f.limit, offset: f.offset });
    return { items: rows.map(presentResource), total };
  }
  departmentOf(actor);
  authorize(actor, 'catalog.resource.read', { orgId: actor.orgId });
  const { rows, total } = await repo.listResources(deps.db, {
    providerOrgId: actor.orgId,
    ...(f.status ? { statuses: [f.status] } : {}),
    limit: f.limit,
    offset: f.offset,
  });
  return { items: rows.map(presentResource), total };
}
