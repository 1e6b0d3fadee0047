/**
 * The registries as seen from the exchange: what the registry department's backend adapter
 * (`registry-adapter.ts`, behind the department's node) calls when another department's system
 * asks through the exchange. The adapter authenticates with a service credential of the registry
 * department (an API key); each call names the consumer subsystem the node has authenticated
 * (`X-Road-Client`) and the purpose it stated (`X-Road-Purpose`), and the access record is written
 * in the consumer department's name with that purpose, so the citizen's 我的数据 shows who read
 * their record and why. The node has already checked the consumer's access right and filters the
 * answer to the granted fields, so reads here are not masked.
 */
import { Type } from 'typebox';
import type { Actor, RequestContext } from '../../core/actor.js';
import { AppError, validationError } from '../../core/errors.js';
import type { HttpApp } from '../../core/http/app.js';
import { errorResponses, StrictObject } from '../../core/http/schema-helpers.js';
import { authorize, definePolicy } from '../../core/policy.js';
import { parseSubsystemId } from '../../exchange/index.js';
import * as repo from '../registries.repository.js';
import { HistoryEntrySchema, RecordParams, RegistryParams, VerifyResponse } from '../registries.schemas.js';
import type { RegistryService } from '../registries.service.js';
import type { RegistryDefinition } from '../registry-definition.js';
import { entryChanges } from '../registry-log.js';
import { RegistryChangePageSchema, registryEventType, type RegistryChange, type RegistryChangePage } from './registry-events.js';

/** The access record of one change of a person's record handed to the registry department's event publisher. */
export const CHANGE_PUBLISHED = 'registry.record.change-published';

/** Staff of a registry's department may serve it on the exchange (their adapter's credential). */
export const REGISTRY_EXCHANGE_RULES = definePolicy([{ action: 'registry.exchange.serve', roles: ['dept-staff', 'dept-admin'] }]);

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

function decoded(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * Checks that the credential is the registry department's: the source of the key attribute (公安
 * for population) alone serves the whole registry on the exchange; other source departments keep
 * only their own attributes.
 *
 * @throws AUTH_FORBIDDEN otherwise; REGISTRY_NOT_FOUND.
 */
async function authorizeKeeper(registries: RegistryService, registry: string, actor: Actor): Promise<RegistryDefinition> {
  authorize(actor, 'registry.exchange.serve');
  const def = registries.definition(registry);
  const keeper = def.attributes.find((a) => a.name === def.keyAttribute)?.source;
  const bound = keeper ? (await registries.bindings()).get(keeper) : undefined;
  if (!bound || bound.org_id !== actor.orgId)
    throw new AppError('AUTH_FORBIDDEN', `只有${def.name.zh}的主管部门可经交换提供该库 (only the registry's department serves it on the exchange)`);
  return def;
}

/**
 * The actor the access is recorded for: the consumer department (by its USCC, the member code of
 * `X-Road-Client`), reading through the registry department's adapter.
 *
 * @throws AUTH_FORBIDDEN when the credential is not the registry's source department's; VALIDATION_FAILED naming the header.
 */
async function consumerOf(
  registries: RegistryService,
  registry: string,
  actor: Actor,
  headers: Record<string, string | string[] | undefined>,
): Promise<{ onBehalf: Actor; purpose: string; messageId: string }> {
  await authorizeKeeper(registries, registry, actor);
  const client = header(headers['x-road-client']);
  const id = parseSubsystemId(client);
  const issues = [];
  if (!id) issues.push({ field: 'headers.x-road-client', reason: '应为 INSTANCE/CLASS/MEMBER/SUBSYSTEM (the consumer subsystem)' });
  const purpose = decoded(header(headers['x-road-purpose'])).trim();
  if (Array.from(purpose).length < 2) issues.push({ field: 'headers.x-road-purpose', reason: '请说明查询目的 (the purpose of the read is required)' });
  if (issues.length) throw validationError(issues);
  const org = await registries.deps.findOrgByUscc(id!.memberCode);
  if (!org)
    throw validationError([{ field: 'headers.x-road-client', reason: `成员 ${id!.memberCode} 不是本平台的机构 (not an organisation of this platform)` }]);
  return {
    onBehalf: { type: 'system', name: `${org.name}（经交换 via exchange ${client}）`, orgId: org.id, roles: ['dept-staff'] },
    purpose,
    messageId: header(headers['x-road-id']),
  };
}

/** The request's context, carrying the exchange message id so the access record and both nodes' logs can be matched. */
const contextOf = (ctx: RequestContext, messageId: string): RequestContext => (messageId ? { ...ctx, requestId: `x-road:${messageId.slice(0, 100)}` } : ctx);

const ExchangeHeaders = Type.Object({
  'x-road-client': Type.String({ description: '消费方子系统（节点已认证）/ the consumer subsystem, authenticated by the node' }),
  'x-road-purpose': Type.String({ description: '查询目的（可百分号编码）/ the stated purpose, may be percent-encoded' }),
  'x-road-id': Type.Optional(Type.String()),
});

/**
 * Log entries after `after` as change events: which record, which attributes, which source
 * departments, when, and the entry's leaf hash — the names of sealed (sensitive) attributes are
 * read from the sealed part, their values are dropped here and never leave.
 */
async function changesAfter(registries: RegistryService, def: RegistryDefinition, after: number, limit: number): Promise<RegistryChangePage> {
  const { db, sealer } = registries.deps;
  const entries = limit > 0 ? await repo.entryPage(db, def.key, after, limit) : [];
  const head = await repo.headSize(db, def.key);
  const bindings = await registries.bindings();
  const items = entries.map((e): RegistryChange => {
    const changes = entryChanges(e, sealer);
    const key = changes[def.keyAttribute];
    return {
      registry: def.key,
      recordKey: e.record_key,
      seq: Number(e.seq),
      occurredAt: e.occurred_at,
      change: key && (key[0] === null || key[0] === undefined) ? 'create' : 'update',
      attributes: Object.keys(changes).sort(),
      sources: e.sources
        .split(',')
        .filter(Boolean)
        .map((source) => {
          const b = bindings.get(source);
          return { source, orgUscc: b?.org_uscc ?? null, orgName: b?.org_name ?? null };
        }),
      leafHash: e.leaf_hash,
    };
  });
  return { items, head: Math.max(Number(head), ...items.map((i) => i.seq)) };
}

/**
 * Registers the exchange-facing registry routes: `/api/v1/registries/:registry/exchange/records/:key`
 * (lookup, verification, history for a consumer) and `/api/v1/registries/:registry/exchange/changes`
 * (the change feed the department's event publisher reads).
 */
export async function registryExchangeRoutes(app: HttpApp, registries: RegistryService): Promise<void> {
  const tags = ['registries'];
  const base = '/api/v1/registries/:registry/exchange/records/:key';

  app.get(
    '/api/v1/registries/:registry/exchange/changes',
    {
      schema: {
        tags,
        summary: '变更通知源：某序号之后的日志条目（只含属性名，不含取值）/ the change feed: log entries after a position, attribute names only',
        description:
          '供主管部门的变更事件发布程序读取，经其交换节点发布为 `{registry}.changed` 事件。/ Read by the registry department’s event publisher, which publishes each entry on its node.',
        params: RegistryParams,
        querystring: StrictObject({
          after: Type.Integer({ minimum: 0, default: 0, description: '上次已发布的条目序号 / the last entry already published' }),
          limit: Type.Integer({ minimum: 0, maximum: 500, default: 100, description: '0：只回答日志长度 / 0 answers the log’s size only' }),
        }),
        response: { 200: RegistryChangePageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const def = await authorizeKeeper(registries, request.params.registry, request.actor);
      const page = await changesAfter(registries, def, request.query.after, request.query.limit);
      // The feed names records (keys) and what changed in them: a page that leaves the platform is
      // audited, and each change of a person's record is a personal-data access of that person
      // (their 我的数据 lists who receives the events: change-notices.routes.ts).
      if (page.items.length > 0)
        await registries.deps.db.transaction().execute((trx) =>
          registries.deps.audit.appendMany(trx, [
            {
              actor: request.actor,
              context: request.ctx,
              action: 'registry.exchange.changes.read',
              subject: { type: 'registry', id: def.key },
              summary: { after: request.query.after, count: page.items.length, lastSeq: page.items[page.items.length - 1]!.seq },
            },
            ...page.items.flatMap((item) => {
              const dataSubject =
                def.dataSubjectAttribute === def.keyAttribute ? registries.dataSubjectOf(def, { [def.keyAttribute]: item.recordKey }) : undefined;
              return dataSubject
                ? [
                    {
                      actor: request.actor,
                      context: request.ctx,
                      action: CHANGE_PUBLISHED,
                      subject: { type: 'registry-entry', id: `${def.key}/${item.seq}` },
                      summary: { attributes: item.attributes },
                      dataSubject,
                      purpose: `发布变更事件 ${registryEventType(def.key)} (publishing change events)`,
                    },
                  ]
                : [];
            }),
          ]),
        );
      return page;
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: '经交换查询记录（来源部门适配器，记入消费部门名下）/ read a record for an exchange consumer',
        params: RecordParams,
        headers: ExchangeHeaders,
        response: { 200: Type.Ref('RegistryRecord'), ...errorResponses },
      },
    },
    async (request) => {
      const { registry, key } = request.params;
      const c = await consumerOf(registries, registry, request.actor, request.headers);
      const all = registries.definition(registry).attributes.map((a) => a.name);
      return registries.read(c.onBehalf, contextOf(request.ctx, c.messageId), registry, key, { purpose: c.purpose, extraCovered: all });
    },
  );

  app.post(
    `${base}/verify`,
    {
      schema: {
        tags,
        summary: '经交换核验（逐项比对）/ verify claimed values for an exchange consumer',
        params: RecordParams,
        headers: ExchangeHeaders,
        body: StrictObject({
          claims: Type.Record(Type.String({ maxLength: 60 }), Type.Union([Type.String({ maxLength: 500 }), Type.Number()]), { minProperties: 1 }),
        }),
        response: { 200: VerifyResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { registry, key } = request.params;
      const c = await consumerOf(registries, registry, request.actor, request.headers);
      return registries.verifyClaims(c.onBehalf, contextOf(request.ctx, c.messageId), registry, key, request.body.claims, c.purpose);
    },
  );

  app.get(
    `${base}/history`,
    {
      schema: {
        tags,
        summary: '经交换查询变更历史 / a record’s history for an exchange consumer',
        params: RecordParams,
        headers: ExchangeHeaders,
        response: { 200: Type.Object({ items: Type.Array(HistoryEntrySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { registry, key } = request.params;
      const c = await consumerOf(registries, registry, request.actor, request.headers);
      return { items: await registries.history(c.onBehalf, contextOf(request.ctx, c.messageId), registry, key, c.purpose) };
    },
  );
}
