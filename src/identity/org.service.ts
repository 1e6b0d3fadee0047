import type { Actor, RequestContext } from '../core/actor.js';
import { isUniqueViolation } from '../core/db/database.js';
import { AppError, validationError, type FieldIssue } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { lookupDivision, validateIdentifier } from '../standards/index.js';
import type { IdentityDeps } from './identity.deps.js';
import * as repo from './identity.repository.js';
import type { OrgRow } from './identity.repository.js';
import { authorize } from '../core/policy.js';
import './identity.policy.js';

export interface Org {
  id: string;
  kind: 'department' | 'enterprise';
  name: string;
  uscc: string;
  regionCode: string;
  regionName: string | null;
  parentId: string | null;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateOrgInput {
  kind: 'department' | 'enterprise';
  name: string;
  uscc: string;
  regionCode: string;
  parentId?: string | null;
}

export function presentOrg(r: OrgRow): Org {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    uscc: r.uscc,
    regionCode: r.region_code,
    regionName: lookupDivision(r.region_code)?.fullName ?? null,
    parentId: r.parent_id,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Field checks shared by create and update: a valid USCC (11… for departments) and a real division code. */
async function checkOrgFields(deps: IdentityDeps, input: Partial<CreateOrgInput>, kind: string, selfId?: string): Promise<void> {
  const issues: FieldIssue[] = [];
  if (input.name !== undefined && input.name.trim().length === 0) issues.push({ field: 'body.name', reason: '不能为空 (must not be empty)' });
  if (input.uscc !== undefined) {
    const v = validateIdentifier('uscc', input.uscc);
    if (!v.valid) issues.push(...v.errors.map((e) => ({ field: 'body.uscc', reason: e.message })));
    else if (kind === 'department' && !input.uscc.startsWith('11')) {
      issues.push({ field: 'body.uscc', reason: '政府部门的统一社会信用代码应以 11 开头（机构编制·机关）(a department USCC starts with 11)' });
    }
  }
  if (input.regionCode !== undefined && !lookupDivision(input.regionCode)) {
    issues.push({ field: 'body.regionCode', reason: `行政区划代码 ${input.regionCode} 不在 GB/T 2260 代码表中 (unknown division code)` });
  }
  if (input.parentId) {
    const parent = await repo.findOrg(deps.db, input.parentId);
    if (!parent) issues.push({ field: 'body.parentId', reason: '上级机构不存在 (no such parent organisation)' });
    else if (parent.kind !== 'department') issues.push({ field: 'body.parentId', reason: '上级机构应为政府部门 (the parent must be a department)' });
    else if (parent.id === selfId) issues.push({ field: 'body.parentId', reason: '不能以自身为上级 (cannot be its own parent)' });
  }
  if (issues.length > 0) throw validationError(issues);
}

/**
 * Registers an organisation (a department, or an enterprise agents act for) and audits it.
 *
 * @throws VALIDATION_FAILED (bad USCC, division or parent), IDENTITY_USCC_TAKEN, AUTH_FORBIDDEN.
 */
export async function createOrg(deps: IdentityDeps, actor: Actor, ctx: RequestContext, input: CreateOrgInput): Promise<Org> {
  authorize(actor, 'identity.org.create');
  const uscc = input.uscc.trim().toUpperCase();
  await checkOrgFields(deps, { ...input, uscc }, input.kind);
  if (await repo.findOrgByUscc(deps.db, uscc)) throw new AppError('IDENTITY_USCC_TAKEN', `统一社会信用代码 ${uscc} 已登记`, { field: 'body.uscc' });
  const now = deps.clock.now().toISOString();
  const row: OrgRow = {
    id: newId(),
    kind: input.kind,
    name: input.name.trim(),
    uscc,
    region_code: input.regionCode,
    parent_id: input.parentId ?? null,
    status: 'active',
    created_at: now,
    updated_at: now,
  };
  try {
    await deps.db.transaction().execute(async (trx) => {
      await repo.insertOrg(trx, row);
      await deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'identity.org.create',
        subject: { type: 'org', id: row.id },
        summary: { kind: row.kind, name: row.name, uscc: row.uscc, regionCode: row.region_code, parentId: row.parent_id },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('IDENTITY_USCC_TAKEN', `统一社会信用代码 ${uscc} 已登记`, { field: 'body.uscc' });
    throw e;
  }
  return presentOrg(row);
}

export interface UpdateOrgInput {
  name?: string;
  regionCode?: string;
  parentId?: string | null;
  status?: 'active' | 'inactive';
}

/** Changes an organisation's name, region, parent or status; audited with the before/after values. */
export async function updateOrg(deps: IdentityDeps, actor: Actor, ctx: RequestContext, id: string, input: UpdateOrgInput): Promise<Org> {
  authorize(actor, 'identity.org.update', { orgId: id });
  const before = await repo.findOrg(deps.db, id);
  if (!before) throw new AppError('IDENTITY_ORG_NOT_FOUND', `机构 ${id} 不存在`);
  await checkOrgFields(deps, input, before.kind, id);
  const patch: Partial<OrgRow> = { updated_at: deps.clock.now().toISOString() };
  if (input.name !== undefined) patch.name = input.name.trim();
  if (input.regionCode !== undefined) patch.region_code = input.regionCode;
  if (input.parentId !== undefined) patch.parent_id = input.parentId;
  if (input.status !== undefined) patch.status = input.status;
  await deps.db.transaction().execute(async (trx) => {
    await repo.updateOrg(trx, id, patch);
    await deps.audit.append(trx, {
      actor,
      context: ctx,
      action: 'identity.org.update',
      subject: { type: 'org', id },
      summary: { changes: input, before: { name: before.name, regionCode: before.region_code, parentId: before.parent_id, status: before.status } },
    });
  });
  return presentOrg({ ...before, ...patch } as OrgRow);
}

export async function getOrg(deps: IdentityDeps, actor: Actor, id: string): Promise<Org> {
  authorize(actor, 'identity.org.read', { orgId: id });
  const row = await repo.findOrg(deps.db, id);
  if (!row) throw new AppError('IDENTITY_ORG_NOT_FOUND', `机构 ${id} 不存在`);
  return presentOrg(row);
}

export async function listOrgs(
  deps: IdentityDeps,
  actor: Actor,
  f: { kind?: 'department' | 'enterprise'; parentId?: string; q?: string; limit: number; offset: number },
): Promise<{ items: Org[]; total: number }> {
  authorize(actor, 'identity.org.read');
  const { rows, total } = await repo.listOrgs(deps.db, { ...f, ...(f.q ? { text: f.q } : {}) });
  return { items: rows.map(presentOrg), total };
}

/** An organisation by USCC without authorization (internal use: sign-in of agents, seeding). */
export async function findOrgByUscc(deps: IdentityDeps, uscc: string): Promise<Org | undefined> {
  const r = await repo.findOrgByUscc(deps.db, uscc);
  return r ? presentOrg(r) : undefined;
}

/** An organisation by id without authorization (internal use: other modules' directories). */
export async function findOrgById(deps: IdentityDeps, id: string): Promise<Org | undefined> {
  const r = await repo.findOrg(deps.db, id);
  return r ? presentOrg(r) : undefined;
}
