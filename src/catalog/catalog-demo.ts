import { SYSTEM_ACTOR } from '../core/actor.js';
import type { CatalogDeps } from './catalog.deps.js';
import * as repo from './catalog.repository.js';
import { importResources } from './import.service.js';
import { sampleCatalog } from './sample-catalog.js';
import { createTerm } from './taxonomy.service.js';

/** Thesaurus entries every demo search can use. */
const DEMO_TERMS = [
  { preferred: '身份证', synonyms: ['居民身份证', '公民身份号码', '身份证号'] },
  { preferred: '企业', synonyms: ['市场主体', '公司', '法人单位'] },
  { preferred: '社保', synonyms: ['社会保险', '社会保障'] },
  { preferred: '低保', synonyms: ['最低生活保障'] },
  { preferred: '房产', synonyms: ['不动产', '房屋'] },
];

/**
 * The demo city's catalog: thesaurus terms and `count` published resources spread over the
 * departments (base-registry ones 无条件共享), linked to each department's exchange services.
 * Idempotent and fast: it does nothing when the catalog already has resources, and imports in one
 * transaction. Returns how many resources were added.
 *
 * @param departments the demo departments: key (gaj, scjg…), organisation id and USCC.
 */
export async function seedDemoCatalog(deps: CatalogDeps, departments: Array<{ key: string; orgId: string; uscc: string }>, count = 52): Promise<number> {
  if ((await repo.listResources(deps.db, { limit: 1, offset: 0 })).total > 0) return 0;
  const ctx = { requestId: 'demo:catalog-seed' };
  const existing = new Set((await repo.listTerms(deps.db)).map((t) => t.preferred));
  for (const t of DEMO_TERMS) if (!existing.has(t.preferred)) await createTerm(deps, SYSTEM_ACTOR, ctx, t);
  const byKey = new Map(departments.map((d) => [d.key, d]));
  const rows = sampleCatalog(count, (key) => byKey.get(key)?.uscc ?? '', deps.exchangeInstance ?? 'CN-DEMO')
    .filter((s) => byKey.has(s.department))
    .map((s, i) => ({ row: i + 1, input: s.input, providerOrgId: byKey.get(s.department)!.orgId }));
  const result = await importResources(deps, SYSTEM_ACTOR, ctx, rows, { publish: true });
  return result.created;
}
