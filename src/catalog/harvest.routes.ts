import { Type } from 'typebox';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses } from '../core/http/schema-helpers.js';
import type { CatalogDeps } from './catalog.deps.js';
import { IdParams } from './catalog.schemas.js';
import { HarvestRunBody, HarvestRunSchema, HarvestSourceBody, HarvestSourceDetail, HarvestSourcePatch, HarvestSourceSchema } from './harvest.schemas.js';
import * as harvest from './harvest.service.js';

const tags = ['catalog'];

/** Harvest sources (目录汇聚来源): list, register, change the schedule, run now, remove. Catalog reviewers and the system administrator. */
export async function harvestRoutes(app: HttpApp, deps: CatalogDeps): Promise<void> {
  app.get(
    '/api/v1/catalog/harvest-sources',
    { schema: { tags, summary: '汇聚来源 / harvest sources', response: { 200: Type.Array(HarvestSourceSchema), ...errorResponses } } },
    async (request) => harvest.listHarvestSources(deps, request.actor),
  );
  app.post(
    '/api/v1/catalog/harvest-sources',
    {
      schema: {
        tags,
        summary: '登记汇聚来源（下级目录的 DCAT-AP 地址）/ register a source',
        body: HarvestSourceBody,
        response: { 201: HarvestSourceSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await harvest.createHarvestSource(deps, request.actor, request.ctx, request.body)),
  );
  app.get(
    '/api/v1/catalog/harvest-sources/:id',
    {
      schema: {
        tags,
        summary: '汇聚来源及最近的汇聚记录 / a source and its runs',
        params: IdParams,
        response: { 200: HarvestSourceDetail, ...errorResponses },
      },
    },
    async (request) => harvest.getHarvestSource(deps, request.actor, request.params.id),
  );
  app.patch(
    '/api/v1/catalog/harvest-sources/:id',
    {
      schema: {
        tags,
        summary: '修改名称、定时间隔、行政区划、启用 / change a source',
        params: IdParams,
        body: HarvestSourcePatch,
        response: { 200: HarvestSourceSchema, ...errorResponses },
      },
    },
    async (request) => harvest.updateHarvestSource(deps, request.actor, request.ctx, request.params.id, request.body),
  );
  app.post(
    '/api/v1/catalog/harvest-sources/:id/run',
    {
      schema: {
        tags,
        summary: '立即汇聚（增量，或 full 完整）/ harvest now',
        params: IdParams,
        body: Type.Optional(HarvestRunBody),
        response: { 200: HarvestRunSchema, ...errorResponses },
      },
    },
    async (request) => harvest.runHarvest(deps, request.actor, request.ctx, request.params.id, { full: request.body?.full }),
  );
  app.delete(
    '/api/v1/catalog/harvest-sources/:id',
    {
      schema: {
        tags,
        summary: '删除汇聚来源（其资源下线，保留来源记录）/ remove a source',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await harvest.deleteHarvestSource(deps, request.actor, request.ctx, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
