/**
 * Discrepancy reports (异议): a department that believes a registry value is wrong files a report
 * with evidence; the attribute's source department resolves it — corrected (the new value is
 * written through the log) or confirmed — within a deadline in working days. Both see the outcome.
 */
import type { Actor, RequestContext } from '../core/actor.js';
import { AppError, validationError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { authorize } from '../core/policy.js';
import { SOURCE_DEPARTMENTS } from './registries.config.js';
import * as repo from './registries.repository.js';
import type { DiscrepancyRow } from './registries.repository.js';
import type { RegistryService } from './registries.service.js';
import { attributeOf, valueProblem, type AttributeValue } from './registry-definition.js';

export interface Discrepancy {
  id: string;
  registry: string;
  recordKey: string;
  attribute: string;
  believedValue: unknown;
  evidence: string;
  source: string;
  sourceOrgId: string;
  filedByOrg: string;
  filedAt: string;
  dueAt: string;
  overdue: boolean;
  status: 'open' | 'corrected' | 'confirmed';
  resolutionNote: string | null;
  resolvedAt: string | null;
  resolvedSeq: number | null;
}

function present(r: DiscrepancyRow, now: Date): Discrepancy {
  return {
    id: r.id,
    registry: r.registry,
    recordKey: r.record_key,
    attribute: r.attribute,
    believedValue: JSON.parse(r.believed_value) as unknown,
    evidence: r.evidence,
    source: r.source,
    sourceOrgId: r.source_org_id,
    filedByOrg: r.filed_by_org,
    filedAt: r.filed_at,
    dueAt: r.due_at,
    overdue: r.status === 'open' ? now.toISOString() > r.due_at : !!r.resolved_at && r.resolved_at > r.due_at,
    status: r.status as Discrepancy['status'],
    resolutionNote: r.resolution_note,
    resolvedAt: r.resolved_at,
    resolvedSeq: r.resolved_seq,
  };
}

export class DiscrepancyService {
  constructor(private readonly registries: RegistryService) {}

  private get deps() {
    return this.registries.deps;
  }

  /** Files a report against another department's attribute; the deadline counts working days from now. */
  async file(
    actor: Actor,
    ctx: RequestContext,
    registry: string,
    input: { recordKey: string; attribute: string; believedValue: AttributeValue | null; evidence: string },
  ): Promise<Discrepancy> {
    authorize(actor, 'registry.discrepancy');
    if (!actor.orgId) throw new AppError('AUTH_FORBIDDEN');
    const def = this.registries.definition(registry);
    const attr = attributeOf(def, input.attribute);
    if (!attr || attr.type === 'area') throw validationError([{ field: 'body.attribute', reason: '未知或不可写的属性 (unknown or computed attribute)' }]);
    const problem = valueProblem(def, attr, input.believedValue, this.registries.today());
    if (problem) throw validationError([{ field: 'body.believedValue', reason: problem }]);
    if (!(await repo.findRecord(this.deps.db, def.key, input.recordKey)))
      throw new AppError('REGISTRY_RECORD_NOT_FOUND', undefined, { registry, key: input.recordKey });
    const binding = (await this.registries.bindings()).get(attr.source);
    if (!binding) throw new AppError('REGISTRY_SOURCE_UNBOUND', undefined, { source: attr.source });
    if (binding.org_id === actor.orgId)
      throw validationError([{ field: 'body.attribute', reason: '本部门即来源部门，请直接更正 (your department is the source: correct it directly)' }]);
    const now = this.deps.clock.now();
    const calendar = await this.deps.calendar.calendar();
    const row: DiscrepancyRow = {
      id: newId(),
      registry: def.key,
      record_key: input.recordKey,
      attribute: attr.name,
      believed_value: JSON.stringify(input.believedValue),
      evidence: input.evidence,
      source: attr.source,
      source_org_id: binding.org_id,
      filed_by_org: actor.orgId,
      filed_by_user: actor.id ?? 'system',
      filed_at: now.toISOString(),
      due_at: calendar.dueAt(now, def.discrepancyDays).toISOString(),
      status: 'open',
      resolution_note: null,
      resolved_by: null,
      resolved_at: null,
      resolved_seq: null,
    };
    await this.deps.db.transaction().execute(async (trx) => {
      await repo.insertDiscrepancy(trx, row);
      await this.deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'registry.discrepancy.file',
        subject: { type: 'registry-discrepancy', id: row.id },
        summary: { registry: def.key, attribute: attr.name, source: attr.source, dueAt: row.due_at },
      });
    });
    return present(row, now);
  }

  /** Reports filed by, or addressed to, the actor's department. */
  async list(actor: Actor, status: string | undefined, limit: number): Promise<Discrepancy[]> {
    authorize(actor, 'registry.discrepancy');
    if (!actor.orgId) return [];
    const now = this.deps.clock.now();
    return (await repo.discrepanciesOf(this.deps.db, actor.orgId, status, limit)).map((r) => present(r, now));
  }

  async get(actor: Actor, id: string): Promise<Discrepancy> {
    authorize(actor, 'registry.discrepancy');
    const row = await repo.findDiscrepancy(this.deps.db, id);
    if (!row || (row.filed_by_org !== actor.orgId && row.source_org_id !== actor.orgId))
      throw new AppError('REGISTRY_DISCREPANCY_NOT_FOUND', undefined, { id });
    return present(row, this.deps.clock.now());
  }

  /**
   * Resolves an open report (source department only). `corrected` writes `correctedValue` (or the
   * believed value) through the log in the same transaction; `confirmed` keeps the value.
   */
  async resolve(
    actor: Actor,
    ctx: RequestContext,
    id: string,
    input: { outcome: 'corrected' | 'confirmed'; note: string; correctedValue?: AttributeValue | null },
  ): Promise<Discrepancy> {
    authorize(actor, 'registry.discrepancy');
    const row = await repo.findDiscrepancy(this.deps.db, id);
    if (!row || (row.filed_by_org !== actor.orgId && row.source_org_id !== actor.orgId))
      throw new AppError('REGISTRY_DISCREPANCY_NOT_FOUND', undefined, { id });
    if (row.source_org_id !== actor.orgId) {
      const dept = SOURCE_DEPARTMENTS[row.source];
      throw new AppError('REGISTRY_NOT_SOURCE', `只有来源部门（${dept?.zh ?? row.source}）可以处理该异议 (only the source department resolves it)`, {
        source: row.source,
        sourceOrgId: row.source_org_id,
      });
    }
    if (row.status !== 'open') throw new AppError('REGISTRY_DISCREPANCY_CLOSED', undefined, { id, status: row.status });
    const def = this.registries.definition(row.registry);
    const now = this.deps.clock.now();
    let seq: number | null = null;
    await this.deps.db.transaction().execute(async (trx) => {
      if (input.outcome === 'corrected') {
        const value = input.correctedValue !== undefined ? input.correctedValue : (JSON.parse(row.believed_value) as AttributeValue | null);
        const written = await this.registries.writeIn(
          trx,
          actor,
          ctx,
          def,
          row.record_key,
          { [row.attribute]: value },
          `异议 ${id} 更正：${input.note}`,
          'update',
        );
        seq = written.last_seq;
      }
      const closed = await repo.closeDiscrepancy(trx, id, {
        status: input.outcome,
        resolution_note: input.note,
        resolved_by: actor.id ?? 'system',
        resolved_at: now.toISOString(),
        resolved_seq: seq,
      });
      if (!closed) throw new AppError('REGISTRY_DISCREPANCY_CLOSED', undefined, { id });
      await this.deps.audit.append(trx, {
        actor,
        context: ctx,
        action: 'registry.discrepancy.resolve',
        subject: { type: 'registry-discrepancy', id },
        summary: { outcome: input.outcome, seq },
      });
    });
    return present((await repo.findDiscrepancy(this.deps.db, id))!, now);
  }
}
