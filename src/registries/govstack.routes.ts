/**
 * The GovStack Digital Registries BB data API (`shared/specs/govstack/…Data_API_template-1.3.0`)
 * mapped onto the same registries and rules: `{registryName}` is the registry key,
 * `{versionNumber}` its definition version, `content` the record's attributes. Reads need a
 * purpose like every other read: the `X-Road-Purpose` header or `?purpose=`.
 */
import { Type, type Static } from 'typebox';
import { AppError, validationError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StrictObject } from '../core/http/schema-helpers.js';
import { authorize } from '../core/policy.js';
import type { FastifyRequest } from 'fastify';
import type { Attributes, RegistryDefinition } from './registry-definition.js';
import type { RegistryService } from './registries.service.js';

const Params = StrictObject({ registryName: Type.String({ maxLength: 40 }), versionNumber: Type.String({ maxLength: 10 }) });
const Content = Type.Record(Type.String({ maxLength: 60 }), Type.Unknown());
const QueryBody = Type.Object({ query: Type.Object({ content: Content }) });
const WriteBody = Type.Object({ write: Type.Object({ content: Content }) });
const QueryWriteBody = Type.Object({ query: Type.Optional(Type.Object({ content: Content })), write: Type.Object({ content: Content }) });
const ContentResponse = Type.Object({ content: Content });

function purposeOf(request: FastifyRequest): string | undefined {
  const h = request.headers['x-road-purpose'];
  const q = (request.query as { purpose?: string } | undefined)?.purpose;
  return (typeof h === 'string' ? decodeURIComponent(h) : undefined) ?? q;
}

/** A name shown only by its first character (the spec's "reader's initials"; Chinese names have no initials). */
const initialsOf = (name: string | null) => (name ? [...name][0]! + '*'.repeat(Math.max(0, [...name].length - 1)) : '');

export async function govstackRoutes(
  app: HttpApp,
  registries: RegistryService,
  orgOf: (id: string) => Promise<{ name: string; uscc: string } | undefined>,
): Promise<void> {
  const tags = ['govstack-digital-registries'];
  const base = '/api/v1/govstack/data/:registryName/:versionNumber';

  const defOf = (p: { registryName: string; versionNumber: string }): RegistryDefinition => {
    const def = registries.definition(p.registryName);
    if (def.version !== p.versionNumber)
      throw new AppError('REGISTRY_NOT_FOUND', `版本 ${p.versionNumber} 不存在，当前为 ${def.version} (no such version)`, { versionNumber: p.versionNumber });
    return def;
  };
  const keyOf = (def: RegistryDefinition, content: Record<string, unknown>, field: string): string => {
    const key = content[def.keyAttribute];
    if (typeof key !== 'string' || key === '')
      throw validationError([{ field: `${field}.${def.keyAttribute}`, reason: '须给出记录主键 (the record key is required)' }]);
    return key;
  };
  const writeContent = (def: RegistryDefinition, content: Record<string, unknown>): Attributes => {
    const { [def.keyAttribute]: _key, ...rest } = content;
    return rest as Attributes;
  };
  /** update and updateOrCreate: the record named by `query.content` (or `write.content`) gets `write.content`. */
  type QueryWriteRequest = Pick<FastifyRequest, 'actor' | 'ctx'> & { params: Static<typeof Params>; body: Static<typeof QueryWriteBody> };
  const writeByQuery = async (request: QueryWriteRequest, reason: string, mode: 'update' | 'upsert') => {
    const def = defOf(request.params);
    const key = keyOf(def, request.body.query?.content ?? request.body.write.content, 'body.query.content');
    const record = await registries.write(request.actor, request.ctx, def.key, key, writeContent(def, request.body.write.content), reason, mode);
    return { content: record.attributes };
  };

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'GovStack list',
        params: Params,
        querystring: StrictObject({
          page: Type.Integer({ minimum: 1, default: 1 }),
          pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
          purpose: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: {
          200: Type.Object({
            count: Type.Integer(),
            next: Type.Union([Type.String(), Type.Null()]),
            previous: Type.Union([Type.String(), Type.Null()]),
            results: Type.Array(Content),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const def = defOf(request.params);
      const { page, pageSize } = request.query;
      const purpose = purposeOf(request);
      // Keyset paging underneath: walk to the page (pages are small and bounded by pageSize ≤ 200).
      let after = '';
      let items: Awaited<ReturnType<RegistryService['search']>>['items'] = [];
      let total = 0;
      for (let i = 1; i <= page; i++) {
        const r = await registries.search(request.actor, request.ctx, def.key, { ...(purpose !== undefined ? { purpose } : {}), after, limit: pageSize });
        items = r.items;
        total = r.total;
        const last = r.items[r.items.length - 1];
        if (!last || r.items.length < pageSize) {
          if (i < page) items = [];
          break;
        }
        after = last.key;
      }
      // Absolute, as the spec's `format: uri` asks (the purpose given as a query parameter travels on).
      const url = `${request.protocol}://${request.host}/api/v1/govstack/data/${def.key}/${def.version}`;
      const more = request.query.purpose !== undefined ? `&purpose=${encodeURIComponent(request.query.purpose)}` : '';
      return {
        count: total,
        next: items.length === pageSize && page * pageSize < total ? `${url}?page=${page + 1}&pageSize=${pageSize}${more}` : null,
        previous: page > 1 ? `${url}?page=${page - 1}&pageSize=${pageSize}${more}` : null,
        results: items.map((r) => r.attributes),
      };
    },
  );

  app.post(
    `${base}/read`,
    { schema: { tags, summary: 'GovStack read', params: Params, body: QueryBody, response: { 200: ContentResponse, ...errorResponses } } },
    async (request) => {
      const def = defOf(request.params);
      const key = keyOf(def, request.body.query.content, 'body.query.content');
      const purpose = purposeOf(request);
      const record = await registries.read(request.actor, request.ctx, def.key, key, { ...(purpose !== undefined ? { purpose } : {}) });
      return { content: record.attributes };
    },
  );

  app.post(
    `${base}/exists`,
    {
      schema: {
        tags,
        summary: 'GovStack exists (核验: the key and every given attribute match)',
        params: Params,
        body: QueryBody,
        response: { 200: Type.Object({ answer: Type.Object({ status: Type.Boolean(), message: Type.String() }) }), ...errorResponses },
      },
    },
    async (request) => {
      const def = defOf(request.params);
      const content = request.body.query.content;
      const key = keyOf(def, content, 'body.query.content');
      const claims = writeContent(def, content) as Record<string, unknown>;
      const purpose = purposeOf(request);
      if (Object.keys(claims).length === 0) claims[def.keyAttribute] = key;
      const r = await registries.verifyClaims(request.actor, request.ctx, def.key, key, claims, purpose ?? (request.body as { purpose?: string }).purpose);
      const status = r.found && Object.values(r.results).every((x) => x === 'match');
      return { answer: { status, message: status ? 'Object found from database' : 'Object not found' } };
    },
  );

  app.post(
    `${base}/create`,
    { schema: { tags, summary: 'GovStack create', params: Params, body: WriteBody, response: { 200: ContentResponse, ...errorResponses } } },
    async (request) => {
      const def = defOf(request.params);
      const content = request.body.write.content;
      const record = await registries.write(
        request.actor,
        request.ctx,
        def.key,
        keyOf(def, content, 'body.write.content'),
        writeContent(def, content),
        'GovStack create',
        'create',
      );
      return { content: record.attributes };
    },
  );

  app.put(
    `${base}/update`,
    { schema: { tags, summary: 'GovStack update', params: Params, body: QueryWriteBody, response: { 200: ContentResponse, ...errorResponses } } },
    (request) => writeByQuery(request, 'GovStack update', 'update'),
  );

  app.post(
    `${base}/updateOrCreate`,
    { schema: { tags, summary: 'GovStack updateOrCreate', params: Params, body: QueryWriteBody, response: { 200: ContentResponse, ...errorResponses } } },
    (request) => writeByQuery(request, 'GovStack updateOrCreate', 'upsert'),
  );

  // updateEntries: "every record matching the query". A base-registry change is an attributed,
  // source-checked entry of one record's history, so the query must name the record's key; a
  // condition over many records is refused on the field rather than guessed at.
  app.put(
    `${base}/updateEntries`,
    {
      schema: {
        tags,
        summary: 'GovStack updateEntries (the query names the record key: one record, same rules as update)',
        params: Params,
        body: Type.Object({ query: Type.Object({ content: Content }), write: Type.Object({ content: Content }) }),
        response: { 200: Type.Object({ updated: Type.Integer(), content: Content }), ...errorResponses },
      },
    },
    async (request) => {
      const def = defOf(request.params);
      if (typeof request.body.query.content[def.keyAttribute] !== 'string')
        throw validationError([
          {
            field: `body.query.content.${def.keyAttribute}`,
            reason: '须给出记录主键；基础信息库不提供按条件批量更新 (name the record key: bulk updates by condition are not offered)',
          },
        ]);
      const { content } = await writeByQuery(request, 'GovStack updateEntries', 'update');
      return { updated: 1, content };
    },
  );

  app.delete(
    `${base}/:ID/delete`,
    {
      schema: {
        tags,
        summary: 'GovStack delete: refused — base registry records are never deleted (append-only history)',
        params: StrictObject({
          registryName: Type.String({ maxLength: 40 }),
          versionNumber: Type.String({ maxLength: 10 }),
          ID: Type.String({ maxLength: 40 }),
        }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request) => {
      authorize(request.actor, 'registry.write');
      defOf(request.params);
      throw new AppError('REGISTRY_RECORD_PERMANENT', undefined, { field: 'params.ID' });
    },
  );

  app.get(
    '/api/v1/govstack/data/myPersonalDataUsage',
    {
      schema: {
        tags,
        summary: 'GovStack myPersonalDataUsage: who read my personal data (citizen, own data only)',
        querystring: StrictObject({ userId: Type.String({ maxLength: 18 }), databaseId: Type.Optional(Type.String({ maxLength: 40 })) }),
        response: {
          // The spec's PersonalDataUsage fields, then ours (reader, department id, purpose, action).
          200: Type.Array(
            Type.Object({
              id: Type.String({ description: '审计记录序号 / the audit record' }),
              readerInitials: Type.String({ description: '读者姓名仅显示首字 / the reader’s name, first character only' }),
              readerInstitutionId: Type.String({ description: '读者所在部门的统一社会信用代码 / the reader’s department (USCC)' }),
              readerInstitutionName: Type.String(),
              readerApplicationName: Type.String({ description: '读取途径 / how it was read: console, exchange service …' }),
              searchDateTime: Type.String({ format: 'date-time' }),
              refrences: Type.Array(Type.Object({ databaseId: Type.String(), recordId: Type.String(), purpose: Type.Union([Type.String(), Type.Null()]) }), {
                description: '（拼写同规范）所读的记录 / the records read (spelled as in the spec)',
              }),
              readerId: Type.Union([Type.String(), Type.Null()]),
              readerName: Type.Union([Type.String(), Type.Null()]),
              readerOrgId: Type.Union([Type.String(), Type.Null()]),
              databaseId: Type.String(),
              action: Type.String(),
              purpose: Type.Union([Type.String(), Type.Null()]),
              readAt: Type.String(),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'registry.read-own');
      if (request.actor.idNumber !== request.query.userId) throw new AppError('AUTH_FORBIDDEN', '只能查询本人的数据使用记录 (own data only)');
      const records = await registries.deps.audit.listDataAccess(`citizen:${request.query.userId}`, 200);
      const orgs = new Map<string, Promise<{ name: string; uscc: string } | undefined>>();
      const org = (id: string | null) => (id ? (orgs.get(id) ?? orgs.set(id, orgOf(id)).get(id)!) : Promise.resolve(undefined));
      const reads = records.filter(
        (r) =>
          r.subject?.type === 'registry-record' &&
          (!request.query.databaseId || r.subject.id.startsWith(`${request.query.databaseId}/`)) &&
          !(r.actor.type === request.actor.type && r.actor.id === request.actor.id), // others' reads, as on 我的数据
      );
      const institutions = await Promise.all(reads.map((r) => org(r.actor.orgId)));
      return reads.map((r, i) => {
        const [databaseId = '', recordId = ''] = r.subject!.id.split('/');
        return {
          id: String(r.seq),
          readerInitials: initialsOf(r.actor.name),
          readerInstitutionId: institutions[i]?.uscc ?? '',
          readerInstitutionName: institutions[i]?.name ?? '',
          readerApplicationName: r.actor.type === 'staff' ? '政通管理控制台 / zhengtong console' : (r.actor.name ?? r.actor.type), // services: the exchange adapter's name
          searchDateTime: r.occurredAt,
          refrences: [{ databaseId, recordId, purpose: r.purpose }],
          readerId: r.actor.id,
          readerName: r.actor.name,
          readerOrgId: r.actor.orgId,
          databaseId: r.subject!.id.split('/')[0]!,
          action: r.action,
          purpose: r.purpose,
          readAt: r.occurredAt,
        };
      });
    },
  );
}
