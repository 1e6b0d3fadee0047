import type { Actor, RequestContext } from '../core/actor.js';
import type { Db } from '../core/db/database.js';
import { AppError, validationError, type FieldIssue } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { authorize, can } from '../core/policy.js';
import { parseSubsystemId } from '../exchange/index.js';
import { departmentOf } from './catalog.policy.js';
import type { CatalogDeps } from './catalog.deps.js';
import { APPLICATION_STATUSES, type ApplicationStatus, type DataItem, type ResourceLink } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import type { ApplicationRow, ResourceRow } from './catalog.repository.js';
import { refuseHarvested } from './resource.service.js';

/** Working days a provider has to answer (政务信息资源共享管理暂行办法, 2016). */
export const ANSWER_WORKING_DAYS = 10;

export interface SharingApplication {
  id: string;
  resource: { id: string; code: string; name: string; shareType: string };
  providerOrgId: string;
  consumerOrgId: string;
  consumerSubsystem: string;
  purpose: string;
  legalBasis: string;
  items: string[];
  validFrom: string;
  validUntil: string | null;
  status: ApplicationStatus;
  statusLabel: string;
  dueAt: string | null;
  overdue: boolean;
  decidedAt: string | null;
  reason: string | null;
  approvedItems: string[] | null;
  accessRightIds: string[];
  createdAt: string;
}

export interface ApplyInput {
  consumerSubsystem: string;
  purpose: string;
  legalBasis: string;
  items: string[];
  validFrom?: string | undefined;
  validUntil?: string | null | undefined;
}

function present(r: ApplicationRow, res: ResourceRow | undefined, now: Date): SharingApplication {
  return {
    id: r.id,
    resource: { id: r.resource_id, code: res?.code ?? '', name: res?.name ?? '', shareType: res?.share_type ?? '' },
    providerOrgId: r.provider_org_id,
    consumerOrgId: r.consumer_org_id,
    consumerSubsystem: r.consumer_subsystem,
    purpose: r.purpose,
    legalBasis: r.legal_basis,
    items: JSON.parse(r.items) as string[],
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    status: r.status as ApplicationStatus,
    statusLabel: APPLICATION_STATUSES[r.status as ApplicationStatus] ?? r.status,
    dueAt: r.due_at,
    overdue: r.status === 'pending' && !!r.due_at && r.due_at < now.toISOString(),
    decidedAt: r.decided_at,
    reason: r.reason,
    approvedItems: r.approved_items ? (JSON.parse(r.approved_items) as string[]) : null,
    accessRightIds: JSON.parse(r.access_right_ids) as string[],
    createdAt: r.created_at,
  };
}

/** Grants one access right per exchange service behind the resource, with exactly the approved fields, purpose and period. */
async function grantRights(deps: CatalogDeps, trx: Db, app: ApplicationRow, res: ResourceRow, fields: string[]): Promise<string[]> {
  const services = (JSON.parse(res.links) as ResourceLink[]).filter((l) => l.kind === 'service');
  if (!services.length) return [];
  if (!deps.accessRights) throw new AppError('SERVICE_UNAVAILABLE', '交换中心未配置，无法授予访问权限 (no exchange center to grant access in)');
  const ids: string[] = [];
  for (const s of services) {
    const right = await deps.accessRights.grant(trx, {
      consumer: app.consumer_subsystem,
      service: s.ref,
      endpoints: [],
      fields,
      purpose: app.purpose,
      validFrom: app.valid_from,
      validUntil: app.valid_until,
      source: `catalog:${app.id}`,
    });
    ids.push(right.id);
  }
  return ids;
}

/**
 * A department applies to use a published resource. 无条件共享 is granted at once (and still
 * recorded); 有条件共享 waits for the provider's answer, due in 10 working days on the official
 * calendar; 不予共享 cannot be applied for.
 *
 * @throws CATALOG_NOT_SHAREABLE, CATALOG_RESOURCE_NOT_FOUND, VALIDATION_FAILED (items not in the
 *   resource, a subsystem not of the applying department, a bad period), AUTH_FORBIDDEN.
 */
export async function applyForResource(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  resourceId: string,
  input: ApplyInput,
): Promise<SharingApplication> {
  const orgId = departmentOf(actor);
  authorize(actor, 'catalog.application.create', { orgId: orgId });
  const res = await repo.findResource(deps.db, resourceId);
  if (!res || res.status !== 'published') throw new AppError('CATALOG_RESOURCE_NOT_FOUND', `信息资源 ${resourceId} 不存在或未发布`);
  refuseHarvested(res, '在本平台申请共享 (be applied for here)');
  if (res.share_type === 'none')
    throw new AppError('CATALOG_NOT_SHAREABLE', `${res.name}（${res.code}）为不予共享资源，依据：${res.share_basis ?? ''}`, { field: 'resourceId' });
  const consumer = await deps.orgs.byId(orgId);
  const issues: FieldIssue[] = [];
  if (res.provider_org_id === orgId) issues.push({ field: 'resourceId', reason: '不能申请本部门的资源 (a department does not apply for its own resource)' });
  const sub = parseSubsystemId(input.consumerSubsystem);
  if (!sub) issues.push({ field: 'body.consumerSubsystem', reason: '应为 INSTANCE/CLASS/MEMBER/SUBSYSTEM (must be a subsystem identifier)' });
  else if (sub.memberCode !== consumer?.uscc)
    issues.push({ field: 'body.consumerSubsystem', reason: `应为本部门（${consumer?.uscc ?? ''}）的子系统 (must be a subsystem of the applying department)` });
  if (!input.purpose.trim()) issues.push({ field: 'body.purpose', reason: '不能为空 (required)' });
  if (!input.legalBasis.trim()) issues.push({ field: 'body.legalBasis', reason: '不能为空 (required)' });
  const known = new Set((JSON.parse(res.items) as DataItem[]).map((i) => i.field));
  const items = [...new Set(input.items)];
  if (!items.length) issues.push({ field: 'body.items', reason: '至少申请一个信息项 (at least one data item)' });
  items.forEach((f, i) => {
    if (!known.has(f)) issues.push({ field: `body.items.${i}`, reason: `信息项 ${f} 不在该资源中 (not an item of this resource)` });
  });
  const now = deps.clock.now();
  const validFrom = input.validFrom ?? now.toISOString();
  const validUntil = input.validUntil ?? null;
  if (Number.isNaN(Date.parse(validFrom))) issues.push({ field: 'body.validFrom', reason: '应为 ISO 时间 (must be an ISO instant)' });
  if (validUntil !== null && (Number.isNaN(Date.parse(validUntil)) || Date.parse(validUntil) <= Date.parse(validFrom)))
    issues.push({ field: 'body.validUntil', reason: '应为晚于 validFrom 的 ISO 时间 (must be an ISO instant after validFrom)' });
  if (issues.length) throw validationError(issues);

  const unconditional = res.share_type === 'unconditional';
  const calendar = await deps.calendar.calendar();
  const row: ApplicationRow = {
    id: newId(),
    resource_id: res.id,
    provider_org_id: res.provider_org_id,
    consumer_org_id: orgId,
    consumer_subsystem: input.consumerSubsystem,
    purpose: input.purpose.trim(),
    legal_basis: input.legalBasis.trim(),
    items: JSON.stringify(items),
    valid_from: new Date(validFrom).toISOString(),
    valid_until: validUntil === null ? null : new Date(validUntil).toISOString(),
    status: unconditional ? 'approved' : 'pending',
    due_at: unconditional ? null : calendar.dueAt(now, ANSWER_WORKING_DAYS).toISOString(),
    decided_at: unconditional ? now.toISOString() : null,
    decided_by: unconditional ? 'system:unconditional' : null,
    reason: null,
    approved_items: unconditional ? JSON.stringify(items) : null,
    access_right_ids: '[]',
    created_by: actor.id ?? null,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
  await deps.db.transaction().execute(async (trx) => {
    if (unconditional) row.access_right_ids = JSON.stringify(await grantRights(deps, trx, row, res, items));
    await repo.insertApplication(trx, row);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: unconditional ? 'catalog.application.granted' : 'catalog.application.create',
      subject: { type: 'catalog-application', id: row.id },
      summary: { resource: res.code, consumer: row.consumer_subsystem, items, dueAt: row.due_at, accessRights: JSON.parse(row.access_right_ids) as string[] },
    });
  });
  return present(row, res, now);
}

async function load(deps: CatalogDeps, id: string): Promise<ApplicationRow> {
  const row = await repo.findApplication(deps.db, id);
  if (!row) throw new AppError('CATALOG_APPLICATION_NOT_FOUND', `共享申请 ${id} 不存在`);
  return row;
}

/**
 * The provider's answer: approve (possibly fewer items than asked — the access right lists exactly
 * those) or refuse with reasons. The access right is granted in the same transaction as the answer
 * and its audit record.
 */
export async function decideApplication(
  deps: CatalogDeps,
  actor: Actor,
  ctx: RequestContext,
  id: string,
  input: { decision: 'approve' | 'refuse'; items?: string[] | undefined; reason?: string | undefined },
): Promise<SharingApplication> {
  const app = await load(deps, id);
  authorize(actor, 'catalog.application.decide', { orgId: app.provider_org_id });
  if (app.status !== 'pending')
    throw new AppError('CATALOG_APPLICATION_DECIDED', `共享申请 ${id} 已是“${APPLICATION_STATUSES[app.status as ApplicationStatus]}”`);
  const reason = input.reason?.trim() || null;
  const requested = JSON.parse(app.items) as string[];
  const approved = input.decision === 'approve' ? [...new Set(input.items ?? requested)] : null;
  if (input.decision === 'refuse' && !reason) throw validationError([{ field: 'body.reason', reason: '不予同意必须说明理由 (a refusal states its reasons)' }]);
  if (approved) {
    const issues: FieldIssue[] = [];
    if (!approved.length) issues.push({ field: 'body.items', reason: '至少批准一个信息项，或选择不予同意 (approve at least one item, or refuse)' });
    approved.forEach((f, i) => {
      if (!requested.includes(f)) issues.push({ field: `body.items.${i}`, reason: `信息项 ${f} 不在申请范围内 (not requested)` });
    });
    if (issues.length) throw validationError(issues);
  }
  const res = await repo.findResource(deps.db, app.resource_id);
  const now = deps.clock.now();
  const patch: Partial<ApplicationRow> = {
    status: approved ? 'approved' : 'refused',
    decided_at: now.toISOString(),
    decided_by: actor.id ?? null,
    reason,
    approved_items: approved ? JSON.stringify(approved) : null,
    updated_at: now.toISOString(),
  };
  await deps.db.transaction().execute(async (trx) => {
    if (approved && res) patch.access_right_ids = JSON.stringify(await grantRights(deps, trx, app, res, approved));
    await repo.updateApplication(trx, id, patch);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: approved ? 'catalog.application.approve' : 'catalog.application.refuse',
      subject: { type: 'catalog-application', id },
      summary: {
        resource: res?.code,
        items: approved,
        reason,
        late: !!app.due_at && app.due_at < now.toISOString(),
        accessRights: patch.access_right_ids ? (JSON.parse(patch.access_right_ids) as string[]) : [],
      },
    });
  });
  return present({ ...app, ...patch } as ApplicationRow, res, now);
}

/** Either side ends an application: a pending one is withdrawn, an approved one's access rights are revoked. */
export async function withdrawApplication(deps: CatalogDeps, actor: Actor, ctx: RequestContext, id: string, reason: string): Promise<SharingApplication> {
  const app = await load(deps, id);
  if (!can(actor, 'catalog.application.withdraw', { orgId: app.consumer_org_id }))
    authorize(actor, 'catalog.application.withdraw', { orgId: app.provider_org_id });
  if (app.status !== 'pending' && app.status !== 'approved')
    throw new AppError('CATALOG_APPLICATION_DECIDED', `共享申请 ${id} 已是“${APPLICATION_STATUSES[app.status as ApplicationStatus]}”`);
  const why = reason.trim();
  if (!why) throw validationError([{ field: 'body.reason', reason: '撤销必须说明理由 (a withdrawal needs a reason)' }]);
  const rights = JSON.parse(app.access_right_ids) as string[];
  if (rights.length && !deps.accessRights) throw new AppError('SERVICE_UNAVAILABLE', '交换中心未配置 (no exchange center)');
  const now = deps.clock.now();
  const patch: Partial<ApplicationRow> = { status: 'withdrawn', reason: why, updated_at: now.toISOString() };
  await deps.db.transaction().execute(async (trx) => {
    for (const r of rights) await deps.accessRights!.revoke(trx, r, `撤销共享申请 ${id}: ${why}`);
    await repo.updateApplication(trx, id, patch);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'catalog.application.withdraw',
      subject: { type: 'catalog-application', id },
      summary: { from: app.status, reason: why, revoked: rights },
    });
  });
  return present({ ...app, ...patch } as ApplicationRow, await repo.findResource(deps.db, app.resource_id), now);
}

export async function getApplication(deps: CatalogDeps, actor: Actor, id: string): Promise<SharingApplication> {
  const app = await load(deps, id);
  if (!can(actor, 'catalog.application.read', { orgId: app.consumer_org_id })) authorize(actor, 'catalog.application.read', { orgId: app.provider_org_id });
  return present(app, await repo.findResource(deps.db, app.resource_id), deps.clock.now());
}

/** Applications to the actor's department (`in`) or from it (`out`), newest first, with how many are overdue. */
export async function listApplications(
  deps: CatalogDeps,
  actor: Actor,
  f: { direction: 'in' | 'out'; status?: ApplicationStatus | undefined; limit: number; offset: number },
): Promise<{ items: SharingApplication[]; total: number; overdue: number }> {
  const orgId = departmentOf(actor);
  authorize(actor, 'catalog.application.read', { orgId: orgId });
  const now = deps.clock.now();
  const { rows, total, overdue } = await repo.listApplications(deps.db, {
    ...(f.direction === 'in' ? { providerOrgId: orgId } : { consumerOrgId: orgId }),
    ...(f.status ? { status: f.status } : {}),
    overdueAt: now.toISOString(),
    limit: f.limit,
    offset: f.offset,
  });
  const resources = new Map((await repo.findResourcesByIds(deps.db, [...new Set(rows.map((r) => r.resource_id))])).map((r) => [r.id, r]));
  return { items: rows.map((r) => present(r, resources.get(r.resource_id), now)), total, overdue };
}
