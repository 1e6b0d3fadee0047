import { Type } from 'typebox';
import { AppError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StringEnum } from '../core/http/schema-helpers.js';
import { listDivisions, lookupDivision } from '../standards/index.js';
import type { IdentityDeps } from './identity.deps.js';
import { CreateOrgBody, CreateStaffBody, OrgSchema, UserSchema, IdParams, ListQuery, SetRolesBody, UpdateOrgBody, UpdateUserBody } from './identity.schemas.js';
import * as orgs from './org.service.js';
import * as users from './user.service.js';

const Page = <T extends ReturnType<typeof Type.Ref>>(item: T) => Type.Object({ items: Type.Array(item), total: Type.Integer() });

/** Organisations, users and regions under /api/v1. Registers the shared `Org` and `User` schemas: call before `authRoutes`. */
export async function identityRoutes(app: HttpApp, deps: IdentityDeps): Promise<void> {
  app.addSchema(OrgSchema);
  app.addSchema(UserSchema);
  app.get(
    '/api/v1/regions',
    {
      schema: {
        tags: ['identity'],
        summary: '行政区划 (GB/T 2260) / divisions',
        querystring: Type.Object({ parent: Type.Optional(Type.String({ pattern: '^\\d{6}$' })) }, { additionalProperties: false }),
        response: {
          200: Type.Array(
            Type.Object({
              code: Type.String(),
              name: Type.String(),
              level: Type.String(),
              parentCode: Type.Union([Type.String(), Type.Null()]),
              fullName: Type.String(),
            }),
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (request.query.parent && !lookupDivision(request.query.parent))
        throw new AppError('IDENTITY_REGION_UNKNOWN', `行政区划代码 ${request.query.parent} 不存在`, { field: 'query.parent' });
      return listDivisions(request.query.parent ? { parent: request.query.parent } : {}).map((d) => ({ ...d, parentCode: d.parentCode ?? null }));
    },
  );

  const orgTags = ['identity'];
  app.get(
    '/api/v1/orgs',
    {
      schema: {
        tags: orgTags,
        summary: '机构列表 / organisations',
        querystring: Type.Object(
          { ...ListQuery, kind: Type.Optional(StringEnum(['department', 'enterprise'] as const)), parentId: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref('Org')), ...errorResponses },
      },
    },
    async (request) => orgs.listOrgs(deps, request.actor, request.query),
  );
  app.post(
    '/api/v1/orgs',
    { schema: { tags: orgTags, summary: '新建机构 / create an organisation', body: CreateOrgBody, response: { 201: Type.Ref('Org'), ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await orgs.createOrg(deps, request.actor, request.ctx, request.body)),
  );
  app.get(
    '/api/v1/orgs/:id',
    { schema: { tags: orgTags, summary: '机构详情 / an organisation', params: IdParams, response: { 200: Type.Ref('Org'), ...errorResponses } } },
    async (request) => orgs.getOrg(deps, request.actor, request.params.id),
  );
  app.patch(
    '/api/v1/orgs/:id',
    {
      schema: {
        tags: orgTags,
        summary: '修改机构 / update an organisation',
        params: IdParams,
        body: UpdateOrgBody,
        response: { 200: Type.Ref('Org'), ...errorResponses },
      },
    },
    async (request) => orgs.updateOrg(deps, request.actor, request.ctx, request.params.id, request.body),
  );

  app.get(
    '/api/v1/users',
    {
      schema: {
        tags: orgTags,
        summary: '用户列表 / users',
        querystring: Type.Object(
          { ...ListQuery, kind: Type.Optional(StringEnum(['staff', 'citizen', 'agent'] as const)), orgId: Type.Optional(Type.String({ format: 'uuid' })) },
          { additionalProperties: false },
        ),
        response: { 200: Page(Type.Ref('User')), ...errorResponses },
      },
    },
    async (request) => users.listUsers(deps, request.actor, request.query),
  );
  app.post(
    '/api/v1/users',
    {
      schema: {
        tags: orgTags,
        summary: '新建工作人员账号 / create a staff account',
        body: CreateStaffBody,
        response: { 201: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await users.createStaff(deps, request.actor, request.ctx, request.body)),
  );
  app.get(
    '/api/v1/users/:id',
    {
      schema: {
        tags: orgTags,
        summary: '用户详情（读取市民信息会记录为个人数据访问）/ a user (reading a citizen is a recorded personal-data access)',
        params: IdParams,
        querystring: Type.Object(
          { purpose: Type.Optional(Type.String({ minLength: 2, maxLength: 200, description: '访问目的 / purpose of access' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) =>
      users.getUser(deps, request.actor, request.params.id, { context: request.ctx, ...(request.query.purpose ? { purpose: request.query.purpose } : {}) }),
  );
  app.patch(
    '/api/v1/users/:id',
    {
      schema: {
        tags: orgTags,
        summary: '修改用户 / update a user',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: Type.Ref('User'), ...errorResponses },
      },
    },
    async (request) => users.updateUser(deps, request.actor, request.ctx, request.params.id, request.body),
  );
  app.put(
    '/api/v1/users/:id/roles',
    {
      schema: { tags: orgTags, summary: '设置角色 / set roles', params: IdParams, body: SetRolesBody, response: { 200: Type.Ref('User'), ...errorResponses } },
    },
    async (request) => users.setUserRoles(deps, request.actor, request.ctx, request.params.id, request.body.roles),
  );
  app.post(
    '/api/v1/users/:id/unlock',
    { schema: { tags: orgTags, summary: '解除锁定 / unlock', params: IdParams, response: { 200: Type.Ref('User'), ...errorResponses } } },
    async (request) => users.unlockUser(deps, request.actor, request.ctx, request.params.id),
  );
  app.post(
    '/api/v1/users/:id/reset-totp',
    { schema: { tags: orgTags, summary: '重置动态口令 / reset TOTP', params: IdParams, response: { 200: Type.Ref('User'), ...errorResponses } } },
    async (request) => users.resetUserTotp(deps, request.actor, request.ctx, request.params.id),
  );
}
