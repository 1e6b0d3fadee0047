/**
 * 我的数据 — change notices: which departments are told, through the exchange, that the citizen's
 * registry record changed. A change event (`{registry}.changed`) carries the record key and the
 * names of the changed attributes, never values, but that a person's marital status or address
 * changed is itself personal data, so the citizen sees who receives it and why:
 * - the departments holding an access right to the registry department's change events (every
 *   right ever granted, with its purpose, period and revocation), and
 * - each change of their record, whether the registry department's publisher has taken it from
 *   the change feed yet (recorded then as an access of the person, `registry.record.change-published`),
 *   and the departments whose right was in force when it changed.
 * The platform is the exchange center, so it knows the rights; the subscriptions themselves live
 * on the nodes, so "notified" means "entitled to the event when it was published", not a receipt.
 */
import { Type } from 'typebox';
import type { AccessRight } from '../../core/access-rights.js';
import type { HttpApp } from '../../core/http/app.js';
import { errorResponses } from '../../core/http/schema-helpers.js';
import { parseServiceId, parseSubsystemId } from '../../exchange/index.js';
import * as repo from '../registries.repository.js';
import type { RegistryService } from '../registries.service.js';
import { entryChanges } from '../registry-log.js';
import { CHANGE_PUBLISHED } from './registry-exchange.routes.js';
import { registryEventType } from './registry-events.js';
import { citizenIdOf } from '../registries.policy.js';

/** The access rights whose service has the given code (any provider): the exchange center's store. */
export type RightsWithServiceCode = (code: string) => Promise<AccessRight[]>;

const OrgRef = Type.Object({ name: Type.String(), uscc: Type.String() });

const RecipientSchema = Type.Object({
  org: OrgRef,
  consumer: Type.String({ description: '接收事件的子系统 / the subscribing subsystem' }),
  purpose: Type.String(),
  validFrom: Type.String(),
  validUntil: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const ChangeNoticeSchema = Type.Object({
  seq: Type.Integer(),
  occurredAt: Type.String(),
  attributes: Type.Array(Type.String(), { description: '变更的属性名 / the changed attributes' }),
  published: Type.Boolean({ description: '主管部门的发布程序已从变更通知源取走该条 / taken from the change feed by the publisher' }),
  notified: Type.Array(Type.Object({ org: OrgRef, purpose: Type.String() }), {
    description: '变更时授权在有效期内的接收部门 / departments whose right was in force when it changed',
  }),
});

/** How many of the record's changes one answer lists (newest first). */
const MAX_CHANGES = 100;

const inForceAt = (r: AccessRight, at: string) =>
  r.validFrom <= at && (r.validUntil === null || at < r.validUntil) && (r.revokedAt === null || at < r.revokedAt);

/**
 * `GET /api/v1/me/registry-record/change-notices`: for the signed-in citizen's population record,
 * the departments entitled to its change events and, per change, who was. Reading it changes nothing.
 */
export async function changeNoticeRoutes(app: HttpApp, registries: RegistryService, rightsWithServiceCode: RightsWithServiceCode): Promise<void> {
  app.get(
    '/api/v1/me/registry-record/change-notices',
    {
      schema: {
        tags: ['registries'],
        summary: '我的记录变更通知了哪些部门（本人）/ which departments are notified when my record changes',
        response: {
          200: Type.Object({
            registry: Type.String(),
            eventType: Type.String(),
            recipients: Type.Array(RecipientSchema),
            changes: Type.Array(ChangeNoticeSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const idNumber = citizenIdOf(request.actor);
      const def = registries.definition('population');
      const eventType = registryEventType(def.key);
      const { db, sealer, audit, findOrgByUscc } = registries.deps;

      // The registry department (source of the key attribute) publishes the events from its own member.
      const keeper = def.attributes.find((a) => a.name === def.keyAttribute)?.source;
      const keeperUscc = keeper ? (await registries.bindings()).get(keeper)?.org_uscc : undefined;
      const rights = keeperUscc ? (await rightsWithServiceCode(eventType)).filter((r) => parseServiceId(r.service)?.memberCode === keeperUscc) : [];
      const orgs = new Map<string, { name: string; uscc: string }>();
      for (const r of rights) {
        const uscc = parseSubsystemId(r.consumer)?.memberCode ?? '';
        if (!orgs.has(r.consumer)) orgs.set(r.consumer, { name: (await findOrgByUscc(uscc))?.name ?? uscc, uscc });
      }
      const recipients = rights.map((r) => ({
        org: orgs.get(r.consumer)!,
        consumer: r.consumer,
        purpose: r.purpose,
        validFrom: r.validFrom,
        validUntil: r.validUntil,
        revokedAt: r.revokedAt,
      }));

      // Which of the record's changes the registry department's publisher has taken from the feed (each is an access record of the person).
      const handedOut = await audit.search({ dataSubject: `citizen:${idNumber}`, action: CHANGE_PUBLISHED, limit: 1000 });
      const published = new Set(handedOut.map((r) => r.subject?.id));
      const entries = (await repo.entriesOf(db, def.key, idNumber)).slice(-MAX_CHANGES).reverse();
      const changes = entries.map((e) => {
        const seq = Number(e.seq);
        const out = published.has(`${def.key}/${seq}`);
        return {
          seq,
          occurredAt: e.occurred_at,
          attributes: Object.keys(entryChanges(e, sealer)).sort(),
          published: out,
          notified: out ? rights.filter((r) => inForceAt(r, e.occurred_at)).map((r) => ({ org: orgs.get(r.consumer)!, purpose: r.purpose })) : [],
        };
      });
      return { registry: def.key, eventType, recipients, changes };
    },
  );
}
