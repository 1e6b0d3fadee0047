import type { Actor } from '../core/actor.js';
import { authorize } from '../core/policy.js';
import { departmentOf } from './catalog.policy.js';
import type { CatalogDeps } from './catalog.deps.js';
import { UPDATE_CYCLES, type UpdateCycle } from './catalog.model.js';
import * as repo from './catalog.repository.js';
import { presentResource, type Resource } from './resource.presenter.js';

import type { LinkChecker } from './catalog.deps.js';

/** HEAD (then GET when HEAD is refused) with a timeout; any 2xx/3xx is alive. */
export function fetchLinkChecker(timeoutMs = 5000): LinkChecker {
  return async (url) => {
    for (const method of ['HEAD', 'GET']) {
      try {
        const res = await fetch(url, { method, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        if (method === 'HEAD' && (res.status === 405 || res.status === 501)) continue;
        return { ok: res.status < 400, status: res.status };
      } catch (e) {
        return { ok: false, status: null, error: (e as Error).name === 'TimeoutError' ? '超时 (timeout)' : '无法连接 (unreachable)' };
      }
    }
    return { ok: false, status: null };
  };
}

/** What counts toward completeness (each 1 point): the recommended metadata beyond the mandatory fields. */
const CRITERIA: Array<[string, (r: Resource) => boolean]> = [
  ['摘要不少于 20 字 (abstract ≥ 20 characters)', (r) => r.abstract.length >= 20],
  ['格式说明 (format detail)', (r) => !!r.formatDetail],
  ['信息项均有长度 (every item has a length)', (r) => r.items.every((i) => i.length !== null || ['D', 'T', 'L', 'M', 'B'].includes(i.type))],
  ['信息项均引用数据元 (every item references a data element)', (r) => r.items.every((i) => !!i.element)],
  ['关键词 (keywords)', (r) => r.keywords.length > 0],
  ['关联的交换服务、文件或接口 (a link to what serves it)', (r) => r.links.length > 0],
  ['共享方式 (sharing method)', (r) => r.shareType === 'none' || r.shareMethods.length > 0],
  ['维护方含联系方式 (maintainer with a contact)', (r) => /\d{3,}|@/.test(r.maintainer)],
];

export interface QualityItem {
  id: string;
  code: string;
  name: string;
  status: string;
  /** 0–100: the share of the recommended metadata present. */
  completeness: number;
  missing: string[];
  lastDataUpdate: string | null;
  /** When the next data update is due by the update cycle (null before the first publication). */
  updateDueBy: string | null;
  onSchedule: boolean | null;
  links: Array<{ ref: string; ok: boolean | null; status: number | null; error?: string }>;
}

export interface QualityReport {
  summary: { resources: number; averageCompleteness: number; onSchedule: number; late: number; deadLinks: number; checkedLinks: number };
  items: QualityItem[];
}

/**
 * The quality report of a department's resources (`mine`) or, for reviewers, of every published
 * one (`all`): metadata completeness, whether the data was updated as often as its update cycle
 * promises, and — when `checkLinks` — which API links are dead. Exchange-service links are not
 * fetched here: the exchange center monitors those.
 */
export async function qualityReport(
  deps: CatalogDeps,
  actor: Actor,
  f: { scope: 'mine' | 'all'; checkLinks: boolean; limit: number; offset: number },
): Promise<QualityReport> {
  let filter: repo.ResourceListFilter;
  if (f.scope === 'mine') {
    departmentOf(actor);
    authorize(actor, 'catalog.quality.read', { orgId: actor.orgId });
    filter = { providerOrgId: actor.orgId, limit: f.limit, offset: f.offset };
  } else {
    authorize(actor, 'catalog.quality.read', { orgId: null });
    filter = { statuses: ['published'], limit: f.limit, offset: f.offset };
  }
  const { rows, total } = await repo.listResources(deps.db, filter);
  const now = deps.clock.now().getTime();
  const checkLink = deps.checkLink ?? fetchLinkChecker();
  const items: QualityItem[] = [];
  for (const row of rows) {
    const r = presentResource(row);
    const missing = CRITERIA.filter(([, ok]) => !ok(r)).map(([what]) => what);
    const last = r.dataUpdatedAt;
    const days = UPDATE_CYCLES[r.updateCycle as UpdateCycle]?.days ?? 366;
    const dueBy = last ? new Date(Date.parse(last) + days * 86_400_000).toISOString() : null;
    const links: QualityItem['links'] = [];
    for (const l of r.links) {
      if (l.kind === 'api' && f.checkLinks) links.push({ ref: l.ref, ...(await checkLink(l.ref)) });
      else links.push({ ref: l.ref, ok: null, status: null });
    }
    items.push({
      id: r.id,
      code: r.code,
      name: r.name,
      status: r.status,
      completeness: Math.round(((CRITERIA.length - missing.length) / CRITERIA.length) * 100),
      missing,
      lastDataUpdate: last,
      updateDueBy: dueBy,
      onSchedule: r.status === 'published' && dueBy ? Date.parse(dueBy) >= now : null,
      links,
    });
  }
  const checked = items.flatMap((i) => i.links).filter((l) => l.ok !== null);
  return {
    summary: {
      resources: total,
      averageCompleteness: items.length ? Math.round(items.reduce((n, i) => n + i.completeness, 0) / items.length) : 0,
      onSchedule: items.filter((i) => i.onSchedule === true).length,
      late: items.filter((i) => i.onSchedule === false).length,
      deadLinks: checked.filter((l) => !l.ok).length,
      checkedLinks: checked.length,
    },
    items,
  };
}
