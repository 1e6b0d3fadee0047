import { Type } from 'typebox';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StringEnum } from '../core/http/schema-helpers.js';
import * as apps from './application.service.js';
import type { CatalogDeps } from './catalog.deps.js';
import type { ResourceInput } from './catalog.model.js';
import {
  ApplicationSchema,
  ApplicationStatusSchema,
  ApplyBody,
  ClassSchema,
  CreateClassBody,
  DecideBody,
  IdParams,
  PageQuery,
  ReasonBody,
  RenameClassBody,
  ResourceBody,
  ResourceSchema,
  ResourceStatusSchema,
  QualityReply,
  ReviewBody,
  SearchQuery,
  SearchReply,
  TermBody,
  TermSchema,
} from './catalog.schemas.js';
import { dcatRoutes } from './dcat.routes.js';
import { harvestRoutes } from './harvest.routes.js';
import { importRoutes } from './import.routes.js';
import { qualityReport } from './quality.service.js';
import * as resources from './resource.service.js';
import { searchCatalog, type CatalogView } from './search.service.js';
import * as taxonomy from './taxonomy.service.js';

const tags = ['catalog'];
const ResourceRef = Type.Ref('CatalogResource');
const ApplicationRef = Type.Ref('SharingApplication');
const CodeParams = Type.Object({ code: Type.String({ pattern: '^\\d{1,9}$' }) }, { additionalProperties: false });

/** The catalog API under /api/v1/catalog: resources and their review, search views, classification, thesaurus, sharing applications. */
export async function catalogRoutes(app: HttpApp, deps: CatalogDeps): Promise<void> {
  app.addSchema(ResourceSchema);
  app.addSchema(ApplicationSchema);
  await dcatRoutes(app, deps);
  await importRoutes(app, deps);
  await harvestRoutes(app, deps);

  // ── search views ──
  const views: Array<[CatalogView, string, string]> = [
    ['open', '/api/v1/catalog/open-data', '开放目录检索（公众）/ open-data catalog search'],
    ['sharing', '/api/v1/catalog/sharing', '共享目录检索（政务人员）/ sharing catalog search'],
    ['mine', '/api/v1/catalog/mine', '本部门目录（含草稿）/ my department’s resources'],
  ];
  for (const [view, url, summary] of views) {
    app.get(url, { schema: { tags, summary, querystring: SearchQuery, response: { 200: SearchReply, ...errorResponses } } }, async (request) =>
      searchCatalog(deps, request.actor, { ...request.query, view }),
    );
  }
  app.get(
    '/api/v1/catalog/review-queue',
    {
      schema: {
        tags,
        summary: '审核队列 / the reviewers’ queue',
        querystring: Type.Object({ ...PageQuery, status: Type.Optional(ResourceStatusSchema) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(ResourceRef), total: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => resources.listResources(deps, request.actor, { scope: 'review', ...request.query }),
  );

  // ── resources ──
  app.post(
    '/api/v1/catalog/resources',
    { schema: { tags, summary: '编目（新建草稿）/ catalogue a resource', body: ResourceBody, response: { 201: ResourceRef, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await resources.createResource(deps, request.actor, request.ctx, request.body as ResourceInput)),
  );
  app.get(
    '/api/v1/catalog/resources/:id',
    { schema: { tags, summary: '信息资源详情 / a resource', params: IdParams, response: { 200: ResourceRef, ...errorResponses } } },
    async (request) => resources.getResource(deps, request.actor, request.params.id),
  );
  app.put(
    '/api/v1/catalog/resources/:id',
    { schema: { tags, summary: '修改元数据 / replace the metadata', params: IdParams, body: ResourceBody, response: { 200: ResourceRef, ...errorResponses } } },
    async (request) => resources.updateResource(deps, request.actor, request.ctx, request.params.id, request.body as ResourceInput),
  );
  app.post(
    '/api/v1/catalog/resources/:id/submit',
    { schema: { tags, summary: '提交审核 / submit for review', params: IdParams, response: { 200: ResourceRef, ...errorResponses } } },
    async (request) => resources.submitResource(deps, request.actor, request.ctx, request.params.id),
  );
  app.post(
    '/api/v1/catalog/resources/:id/review',
    {
      schema: { tags, summary: '审核：发布或退回 / publish or return', params: IdParams, body: ReviewBody, response: { 200: ResourceRef, ...errorResponses } },
    },
    async (request) => resources.reviewResource(deps, request.actor, request.ctx, request.params.id, request.body),
  );
  app.post(
    '/api/v1/catalog/resources/:id/withdraw',
    { schema: { tags, summary: '下线 / take offline', params: IdParams, body: ReasonBody, response: { 200: ResourceRef, ...errorResponses } } },
    async (request) => resources.withdrawResource(deps, request.actor, request.ctx, request.params.id, request.body.reason),
  );
  app.post(
    '/api/v1/catalog/resources/:id/data-updated',
    { schema: { tags, summary: '登记数据已更新 / record a data update', params: IdParams, response: { 200: ResourceRef, ...errorResponses } } },
    async (request) => resources.markDataUpdated(deps, request.actor, request.ctx, request.params.id),
  );

  app.get(
    '/api/v1/catalog/quality',
    {
      schema: {
        tags,
        summary: '目录质量：完整度、按期更新、失效链接 / quality: completeness, updated on schedule, dead links',
        querystring: Type.Object(
          {
            ...PageQuery,
            scope: StringEnum(['mine', 'all'] as const, { default: 'mine', description: 'mine 本部门；all 全部已发布（审核员）' }),
            checkLinks: Type.Boolean({ default: false, description: '检查接口链接是否可访问' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: QualityReply, ...errorResponses },
      },
    },
    async (request) => qualityReport(deps, request.actor, request.query),
  );

  // ── classification ──
  app.get(
    '/api/v1/catalog/classes',
    { schema: { tags, summary: '资源分类 / classification', response: { 200: Type.Array(ClassSchema), ...errorResponses } } },
    async () => taxonomy.listClasses(deps),
  );
  app.post(
    '/api/v1/catalog/classes',
    { schema: { tags, summary: '新增分类 / add a class', body: CreateClassBody, response: { 201: ClassSchema, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await taxonomy.createClass(deps, request.actor, request.ctx, request.body)),
  );
  app.patch(
    '/api/v1/catalog/classes/:code',
    { schema: { tags, summary: '重命名分类 / rename a class', params: CodeParams, body: RenameClassBody, response: { 200: ClassSchema, ...errorResponses } } },
    async (request) => taxonomy.renameClass(deps, request.actor, request.ctx, request.params.code, request.body.name),
  );
  app.delete(
    '/api/v1/catalog/classes/:code',
    { schema: { tags, summary: '删除分类 / delete a class', params: CodeParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await taxonomy.deleteClass(deps, request.actor, request.ctx, request.params.code);
      return reply.status(204).send(null);
    },
  );

  // ── thesaurus ──
  app.get(
    '/api/v1/catalog/terms',
    { schema: { tags, summary: '主题词表 / thesaurus', response: { 200: Type.Array(TermSchema), ...errorResponses } } },
    async () => taxonomy.listTerms(deps),
  );
  app.post(
    '/api/v1/catalog/terms',
    { schema: { tags, summary: '新增主题词 / add a term', body: TermBody, response: { 201: TermSchema, ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await taxonomy.createTerm(deps, request.actor, request.ctx, request.body)),
  );
  app.put(
    '/api/v1/catalog/terms/:id',
    { schema: { tags, summary: '修改主题词 / update a term', params: IdParams, body: TermBody, response: { 200: TermSchema, ...errorResponses } } },
    async (request) => taxonomy.updateTerm(deps, request.actor, request.ctx, request.params.id, request.body),
  );
  app.delete(
    '/api/v1/catalog/terms/:id',
    { schema: { tags, summary: '删除主题词 / delete a term', params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await taxonomy.deleteTerm(deps, request.actor, request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );

  // ── sharing applications ──
  app.post(
    '/api/v1/catalog/resources/:id/applications',
    {
      schema: { tags, summary: '申请共享 / apply to use a resource', params: IdParams, body: ApplyBody, response: { 201: ApplicationRef, ...errorResponses } },
    },
    async (request, reply) => reply.status(201).send(await apps.applyForResource(deps, request.actor, request.ctx, request.params.id, request.body)),
  );
  app.get(
    '/api/v1/catalog/applications',
    {
      schema: {
        tags,
        summary: '共享申请（收到 in / 发出 out）/ applications to or from my department',
        querystring: Type.Object(
          { ...PageQuery, direction: StringEnum(['in', 'out'] as const, { default: 'in' }), status: Type.Optional(ApplicationStatusSchema) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(ApplicationRef), total: Type.Integer(), overdue: Type.Integer({ description: '逾期未答复' }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => apps.listApplications(deps, request.actor, request.query),
  );
  app.get(
    '/api/v1/catalog/applications/:id',
    { schema: { tags, summary: '共享申请详情 / an application', params: IdParams, response: { 200: ApplicationRef, ...errorResponses } } },
    async (request) => apps.getApplication(deps, request.actor, request.params.id),
  );
  app.post(
    '/api/v1/catalog/applications/:id/decision',
    {
      schema: {
        tags,
        summary: '答复：同意或不同意 / approve or refuse',
        params: IdParams,
        body: DecideBody,
        response: { 200: ApplicationRef, ...errorResponses },
      },
    },
    async (request) => apps.decideApplication(deps, request.actor, request.ctx, request.params.id, request.body),
  );
  app.post(
    '/api/v1/catalog/applications/:id/withdraw',
    {
      schema: {
        tags,
        summary: '撤销（收回授权）/ withdraw (revokes access)',
        params: IdParams,
        body: ReasonBody,
        response: { 200: ApplicationRef, ...errorResponses },
      },
    },
    async (request) => apps.withdrawApplication(deps, request.actor, request.ctx, request.params.id, request.body.reason),
  );
}
