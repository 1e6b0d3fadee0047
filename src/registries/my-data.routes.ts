/**
 * 我的数据: who read the signed-in citizen's registry records, with each reader's department by
 * name (the GovStack myPersonalDataUsage idea, for the portal page). The audit log keeps only
 * the reader's organisation id; the names come from the identity module through `orgName`.
 */
import { Type } from 'typebox';
import { AppError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StrictObject } from '../core/http/schema-helpers.js';
import { authorize } from '../core/policy.js';
import type { RegistryService } from './registries.service.js';
import { codeTableOf } from './registry-definition.js';
import { citizenIdOf } from './registries.policy.js';

export const RegistryAccessSchema = Type.Object({
  seq: Type.Integer(),
  occurredAt: Type.String(),
  registry: Type.String(),
  registryName: Type.Object({ zh: Type.String(), en: Type.String() }),
  action: Type.String({ description: 'registry.record.read | search | history | verify …' }),
  reader: Type.Union([Type.String(), Type.Null()]),
  readerType: Type.String(),
  org: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  purpose: Type.Union([Type.String(), Type.Null()]),
});

/** How many access records one page scans; filtered to registry reads by others, so a page may hold fewer. */
const SCAN = 200;

/**
 * `GET /api/v1/me/registry-record/definition`: the labels and code tables of the citizen's own
 * record (citizens read no registry definitions otherwise).
 * `GET /api/v1/me/registry-record/accesses`: reads of the citizen's registry records by others,
 * newest first, keyset-paged by audit sequence (`beforeSeq`, `nextBeforeSeq`). The citizen's own
 * reads are left out. Reading this list changes nothing and is not itself recorded.
 */
export async function myDataRoutes(app: HttpApp, registries: RegistryService, orgName: (id: string) => Promise<string | undefined>): Promise<void> {
  app.get(
    '/api/v1/me/registry-record/definition',
    {
      schema: {
        tags: ['registries'],
        summary: '本人记录的属性名称与代码表（本人）/ labels and code tables of my record',
        response: {
          200: Type.Object({
            registry: Type.String(),
            name: Type.Object({ zh: Type.String(), en: Type.String() }),
            attributes: Type.Array(
              Type.Object({
                name: Type.String(),
                label: Type.Object({ zh: Type.String(), en: Type.String() }),
                type: Type.String(),
                codes: Type.Optional(Type.Record(Type.String(), Type.String())),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (request.actor.type === 'anonymous') throw new AppError('AUTH_REQUIRED');
      authorize(request.actor, 'registry.read-own');
      const def = registries.definition('population');
      return {
        registry: def.key,
        name: def.name,
        attributes: def.attributes.map((a) => ({
          name: a.name,
          label: a.label,
          type: a.type,
          ...(a.type === 'code' ? { codes: { ...codeTableOf(def, a) } } : {}),
        })),
      };
    },
  );

  app.get(
    '/api/v1/me/registry-record/accesses',
    {
      schema: {
        tags: ['registries'],
        summary: '谁查询了我的基础信息（本人，含部门名称）/ who read my registry records, with their departments',
        querystring: StrictObject({ beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: {
          200: Type.Object({ items: Type.Array(RegistryAccessSchema), nextBeforeSeq: Type.Union([Type.Integer(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = request.actor;
      const idNumber = citizenIdOf(actor);
      const records = await registries.deps.audit.listDataAccess(`citizen:${idNumber}`, SCAN, request.query.beforeSeq);
      const names = new Map<string, Promise<string | undefined>>();
      const nameOf = (id: string) => names.get(id) ?? names.set(id, orgName(id)).get(id)!;
      const items = [];
      for (const r of records) {
        if (r.subject?.type !== 'registry-record' || (r.actor.type === actor.type && r.actor.id === actor.id)) continue;
        const registry = r.subject.id.split('/')[0]!;
        const def = registries.definitions.find((d) => d.key === registry);
        const name = r.actor.orgId ? await nameOf(r.actor.orgId) : undefined;
        items.push({
          seq: r.seq,
          occurredAt: r.occurredAt,
          registry,
          registryName: def?.name ?? { zh: registry, en: registry },
          action: r.action,
          reader: r.actor.name,
          readerType: r.actor.type,
          org: r.actor.orgId ? { id: r.actor.orgId, name: name ?? r.actor.orgId } : null,
          purpose: r.purpose,
        });
      }
      const last = records[records.length - 1];
      return { items, nextBeforeSeq: records.length === SCAN && last ? last.seq : null };
    },
  );
}
