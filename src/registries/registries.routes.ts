import { Type } from 'typebox';
import { AppError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StrictObject, StringEnum } from '../core/http/schema-helpers.js';
import { authorize } from '../core/policy.js';
import type { DiscrepancyService } from './discrepancy.service.js';
import { codeTableOf, type Attributes } from './registry-definition.js';
import { currentTreeHead, entryInclusionProof, logConsistencyProof } from './registry-proofs.js';
import * as repo from './registries.repository.js';
import {
  CreateBody,
  DefinitionSchema,
  DiscrepancySchema,
  FileDiscrepancyBody,
  HistoryEntrySchema,
  PurposeQuery,
  ReadQuery,
  RecordParams,
  RecordSchema,
  RegistryParams,
  ResolveDiscrepancyBody,
  SearchQuery,
  TreeHeadSchema,
  UpdateBody,
  VerifyBody,
  VerifyResponse,
} from './registries.schemas.js';
import type { RegistryService } from './registries.service.js';

export interface RegistryRouteDeps {
  registries: RegistryService;
  discrepancies: DiscrepancyService;
}

const numbers = (s: string) => s.split(',').map(Number);

/** The registries' HTTP API: definitions, records, history, verification, log proofs, discrepancy reports, the citizen's own record. */
export async function registryRoutes(app: HttpApp, { registries, discrepancies }: RegistryRouteDeps): Promise<void> {
  app.addSchema(RecordSchema);
  const tags = ['registries'];
  const base = '/api/v1/registries';

  const describe = async (key: string) => {
    const def = registries.definition(key);
    const bound = await registries.bindings();
    return {
      key: def.key,
      version: def.version,
      name: def.name,
      keyAttribute: def.keyAttribute,
      holderAttribute: def.holderAttribute ?? null,
      geometryAttribute: def.geometryAttribute ?? null,
      records: await repo.countRecords(registries.deps.db, def.key),
      logSize: await repo.headSize(registries.deps.db, def.key),
      attributes: def.attributes.map((a) => {
        const b = bound.get(a.source);
        return {
          name: a.name,
          label: a.label,
          type: a.type,
          source: a.source,
          sourceOrg: b ? { id: b.org_id, name: b.org_name } : null,
          required: !!a.required,
          personal: !!a.personal,
          sensitive: !!a.sensitive,
          ...(a.type === 'code' ? { codes: { ...codeTableOf(def, a) } } : {}),
        };
      }),
    };
  };

  app.get(
    base,
    {
      schema: {
        tags,
        summary: '基础信息库列表与定义 / registries and their definitions',
        response: { 200: Type.Object({ items: Type.Array(DefinitionSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      authorize(request.actor, 'registry.read');
      return { items: await Promise.all(registries.definitions.map((d) => describe(d.key))) };
    },
  );

  app.get(
    `${base}/sources`,
    {
      schema: {
        tags,
        summary: '来源部门及其绑定机构 / source departments and their organisations',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                source: Type.String(),
                zh: Type.String(),
                en: Type.String(),
                org: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), uscc: Type.String() }), Type.Null()]),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ items: await registries.listSources(request.actor) }),
  );

  app.put(
    `${base}/sources/:source`,
    {
      schema: {
        tags,
        summary: '将来源部门绑定到机构（系统管理员）/ bind a source department to an organisation',
        params: StrictObject({ source: Type.String({ maxLength: 40 }) }),
        body: StrictObject({ orgUscc: Type.String({ minLength: 18, maxLength: 18 }) }),
        response: { 200: Type.Object({ source: Type.String(), orgId: Type.String(), orgName: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const b = await registries.bindSource(request.actor, request.ctx, request.params.source, request.body.orgUscc);
      return { source: b.source, orgId: b.org_id, orgName: b.org_name };
    },
  );

  app.get(
    `${base}/:registry`,
    { schema: { tags, summary: '基础信息库定义 / a registry definition', params: RegistryParams, response: { 200: DefinitionSchema, ...errorResponses } } },
    async (request) => {
      authorize(request.actor, 'registry.read');
      return describe(request.params.registry);
    },
  );

  app.get(
    `${base}/:registry/records`,
    {
      schema: {
        tags,
        summary: '检索记录：按权利人、点、范围或翻页（须说明目的）/ search records by holder, point, bbox or page',
        params: RegistryParams,
        querystring: SearchQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('RegistryRecord')), total: Type.Integer(), nextAfter: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { purpose, holder, point, bbox, after, limit } = request.query;
      const b = bbox ? numbers(bbox) : undefined;
      const p = point ? numbers(point) : undefined;
      const result = await registries.search(request.actor, request.ctx, request.params.registry, {
        limit,
        ...(purpose !== undefined ? { purpose } : {}),
        ...(holder !== undefined ? { holder } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(p ? { point: [p[0]!, p[1]!] as [number, number] } : {}),
        ...(b ? { bbox: { minLon: b[0]!, minLat: b[1]!, maxLon: b[2]!, maxLat: b[3]! } } : {}),
      });
      const last = result.items[result.items.length - 1];
      const paging = !holder && !point && !bbox;
      return { ...result, nextAfter: paging && last && result.items.length === limit ? last.key : null };
    },
  );

  app.post(
    `${base}/:registry/records`,
    {
      schema: {
        tags,
        summary: '新建记录（仅来源部门）/ create a record (source department only)',
        params: RegistryParams,
        body: CreateBody,
        response: { 201: Type.Ref('RegistryRecord'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { key, attributes, reason } = request.body;
      const record = await registries.write(request.actor, request.ctx, request.params.registry, key, attributes as Attributes, reason, 'create');
      return reply.code(201).send(record);
    },
  );

  app.get(
    `${base}/:registry/records/:key`,
    {
      schema: {
        tags,
        summary: '读取记录，可指定某日（须说明目的）/ read a record, optionally as of a date',
        params: RecordParams,
        querystring: ReadQuery,
        response: { 200: Type.Ref('RegistryRecord'), ...errorResponses },
      },
    },
    async (request) => {
      const { purpose, asOf } = request.query;
      return registries.read(request.actor, request.ctx, request.params.registry, request.params.key, {
        ...(purpose !== undefined ? { purpose } : {}),
        ...(asOf !== undefined ? { asOf } : {}),
      });
    },
  );

  app.patch(
    `${base}/:registry/records/:key`,
    {
      schema: {
        tags,
        summary: '修改属性（仅来源部门，一数一源）/ update attributes (source department only)',
        params: RecordParams,
        body: UpdateBody,
        response: { 200: Type.Ref('RegistryRecord'), ...errorResponses },
      },
    },
    async (request) =>
      registries.write(
        request.actor,
        request.ctx,
        request.params.registry,
        request.params.key,
        request.body.attributes as Attributes,
        request.body.reason,
        'update',
      ),
  );

  app.get(
    `${base}/:registry/records/:key/history`,
    {
      schema: {
        tags,
        summary: '记录的变更历史（须说明目的）/ the record’s change history',
        params: RecordParams,
        querystring: PurposeQuery,
        response: { 200: Type.Object({ items: Type.Array(HistoryEntrySchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await registries.history(request.actor, request.ctx, request.params.registry, request.params.key, request.query.purpose) }),
  );

  app.post(
    `${base}/:registry/verify`,
    {
      schema: {
        tags,
        summary: '核验：逐项比对，不返回库中值 / verify claimed values (match / no-match per attribute)',
        params: RegistryParams,
        body: VerifyBody,
        response: { 200: VerifyResponse, ...errorResponses },
      },
    },
    async (request) =>
      registries.verifyClaims(request.actor, request.ctx, request.params.registry, request.body.key, request.body.claims, request.body.purpose),
  );

  app.get(
    `${base}/:registry/log`,
    { schema: { tags, summary: '签名树头（RFC 6962）/ signed tree head', params: RegistryParams, response: { 200: TreeHeadSchema, ...errorResponses } } },
    async (request) => {
      authorize(request.actor, 'registry.log.read');
      const def = registries.definition(request.params.registry);
      return currentTreeHead(registries.deps.db, def.key, registries.deps.hash, registries.deps.signer, registries.deps.clock.now());
    },
  );

  app.get(
    `${base}/:registry/log/entries/:seq/inclusion`,
    {
      schema: {
        tags,
        summary: '条目的包含证明 / inclusion proof of an entry',
        params: StrictObject({ registry: Type.String({ maxLength: 40 }), seq: Type.Integer({ minimum: 1 }) }),
        querystring: StrictObject({ treeSize: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: {
          200: Type.Object({
            seq: Type.Integer(),
            leafIndex: Type.Integer(),
            treeSize: Type.Integer(),
            leafHash: Type.String(),
            rootHash: Type.String(),
            auditPath: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'registry.log.read');
      const { db, hash, signer, clock } = registries.deps;
      const def = registries.definition(request.params.registry);
      const size = request.query.treeSize ?? (await currentTreeHead(db, def.key, hash, signer, clock.now())).treeSize;
      return entryInclusionProof(db, def.key, request.params.seq, size, hash);
    },
  );

  app.get(
    `${base}/:registry/log/consistency`,
    {
      schema: {
        tags,
        summary: '两个树大小之间的一致性证明 / consistency proof between two tree sizes',
        params: RegistryParams,
        querystring: StrictObject({ first: Type.Integer({ minimum: 0 }), second: Type.Integer({ minimum: 0 }) }),
        response: {
          200: Type.Object({
            first: Type.Integer(),
            second: Type.Integer(),
            firstRootHash: Type.String(),
            secondRootHash: Type.String(),
            proof: Type.Array(Type.String()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'registry.log.read');
      const def = registries.definition(request.params.registry);
      return logConsistencyProof(registries.deps.db, def.key, request.query.first, request.query.second, registries.deps.hash);
    },
  );

  app.post(
    `${base}/:registry/discrepancies`,
    {
      schema: {
        tags,
        summary: '提交异议（非来源部门）/ file a discrepancy report',
        params: RegistryParams,
        body: FileDiscrepancyBody,
        response: { 201: DiscrepancySchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { recordKey, attribute, believedValue, evidence } = request.body;
      const d = await discrepancies.file(request.actor, request.ctx, request.params.registry, {
        recordKey,
        attribute,
        believedValue: believedValue as Attributes[string],
        evidence,
      });
      return reply.code(201).send(d);
    },
  );

  app.get(
    '/api/v1/registry-discrepancies',
    {
      schema: {
        tags,
        summary: '本部门提交或待本部门处理的异议 / reports filed by or addressed to my department',
        querystring: StrictObject({
          status: Type.Optional(StringEnum(['open', 'corrected', 'confirmed'] as const)),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(DiscrepancySchema) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await discrepancies.list(request.actor, request.query.status, request.query.limit) }),
  );

  app.get(
    '/api/v1/registry-discrepancies/:id',
    {
      schema: {
        tags,
        summary: '异议详情 / a discrepancy report',
        params: StrictObject({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: DiscrepancySchema, ...errorResponses },
      },
    },
    async (request) => discrepancies.get(request.actor, request.params.id),
  );

  app.post(
    '/api/v1/registry-discrepancies/:id/resolve',
    {
      schema: {
        tags,
        summary: '处理异议（来源部门）/ resolve a report (source department)',
        params: StrictObject({ id: Type.String({ maxLength: 64 }) }),
        body: ResolveDiscrepancyBody,
        response: { 200: DiscrepancySchema, ...errorResponses },
      },
    },
    async (request) => {
      const { outcome, note, correctedValue } = request.body;
      return discrepancies.resolve(request.actor, request.ctx, request.params.id, {
        outcome,
        note,
        ...(correctedValue !== undefined ? { correctedValue: correctedValue as Attributes[string] } : {}),
      });
    },
  );

  app.get(
    '/api/v1/me/registry-record',
    { schema: { tags, summary: '本人的人口基础信息（本人）/ my own population record', response: { 200: Type.Ref('RegistryRecord'), ...errorResponses } } },
    async (request) => {
      if (request.actor.type === 'anonymous') throw new AppError('AUTH_REQUIRED');
      return registries.ownRecord(request.actor, request.ctx);
    },
  );
}
