import { Type } from 'typebox';
import type { HttpApp } from '../../core/http/app.js';
import { errorResponses, StringEnum } from '../../core/http/schema-helpers.js';
import {
  AccessRightSchema,
  CenterInfoSchema,
  CreateMemberBody,
  CreateServiceBody,
  GrantBody,
  MemberSchema,
  RegistrationSchema,
  ServiceSchema,
  SignedGlobalConfSchema,
  SubmitRegistrationBody,
} from './center.schemas.js';
import type { ExchangeCenter } from './center.service.js';

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

/**
 * The exchange center under /api/v1/exchange. The center's key, its trust root, the global
 * configuration and a node's own registration are public (they are signed or not secret); the
 * registry is for staff; changes need the administrator roles of center.policy.ts.
 */
export async function exchangeCenterRoutes(app: HttpApp, center: ExchangeCenter): Promise<void> {
  for (const s of [MemberSchema, RegistrationSchema, ServiceSchema, AccessRightSchema]) app.addSchema(s);
  const tags = ['exchange'];
  const base = '/api/v1/exchange';

  app.get(
    `${base}/center`,
    { schema: { tags, summary: '交换中心公钥与信任根（节点初始化时固定）/ center key and trust root, pinned by nodes', response: { 200: CenterInfoSchema } } },
    async () => center.info(),
  );
  app.get(
    `${base}/globalconf`,
    { schema: { tags, summary: '签名的全局配置 / the signed global configuration', response: { 200: SignedGlobalConfSchema } } },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return center.signedGlobalConf();
    },
  );

  app.post(
    `${base}/members`,
    { schema: { tags, summary: '登记交换成员 / register a member', body: CreateMemberBody, response: { 201: Type.Ref('ExchangeMember'), ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await center.createMember(request.actor, request.ctx, request.body)),
  );
  app.get(
    `${base}/members`,
    { schema: { tags, summary: '交换成员 / members', response: { 200: Type.Array(Type.Ref('ExchangeMember')), ...errorResponses } } },
    async (request) => center.listMembers(request.actor),
  );

  app.post(
    `${base}/registrations`,
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: '节点注册申请（由 zhengtong node init 提交）/ a node asks to join',
        body: SubmitRegistrationBody,
        response: { 201: Type.Ref('ExchangeNodeRegistration'), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await center.submitRegistration(request.ctx, request.body)),
  );
  app.get(
    `${base}/registrations/:id`,
    {
      schema: {
        tags,
        summary: '节点注册状态与证书 / a registration and, once approved, its certificate',
        params: IdParams,
        response: { 200: Type.Ref('ExchangeNodeRegistration'), ...errorResponses },
      },
    },
    async (request) => center.getRegistration(request.params.id),
  );
  app.get(
    `${base}/registrations`,
    {
      schema: {
        tags,
        summary: '节点注册申请列表 / registrations',
        querystring: Type.Object(
          { status: Type.Optional(StringEnum(['pending', 'approved', 'rejected', 'revoked'] as const)) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref('ExchangeNodeRegistration')), ...errorResponses },
      },
    },
    async (request) => center.listRegistrations(request.actor, request.query.status),
  );
  app.post(
    `${base}/registrations/:id/approve`,
    {
      schema: {
        tags,
        summary: '批准节点并签发证书 / approve a node and issue its certificate',
        params: IdParams,
        response: { 200: Type.Ref('ExchangeNodeRegistration'), ...errorResponses },
      },
    },
    async (request) => center.approveRegistration(request.actor, request.ctx, request.params.id),
  );
  app.post(
    `${base}/registrations/:id/reject`,
    {
      schema: {
        tags,
        summary: '驳回节点注册 / reject a node',
        params: IdParams,
        body: ReasonBody,
        response: { 200: Type.Ref('ExchangeNodeRegistration'), ...errorResponses },
      },
    },
    async (request) => center.rejectRegistration(request.actor, request.ctx, request.params.id, request.body.reason),
  );

  app.post(
    `${base}/services`,
    { schema: { tags, summary: '登记服务 / register a service', body: CreateServiceBody, response: { 201: Type.Ref('ExchangeService'), ...errorResponses } } },
    async (request, reply) => reply.status(201).send(await center.createService(request.actor, request.ctx, request.body)),
  );
  app.get(
    `${base}/services`,
    { schema: { tags, summary: '服务 / services', response: { 200: Type.Array(Type.Ref('ExchangeService')), ...errorResponses } } },
    async (request) => center.listServices(request.actor),
  );

  app.post(
    `${base}/access-rights`,
    {
      schema: {
        tags,
        summary: '手工授予访问权限（目录共享申请获批时由目录授予）/ grant an access right by hand',
        body: GrantBody,
        response: { 201: Type.Ref('ExchangeAccessRight'), ...errorResponses },
      },
    },
    async (request, reply) => reply.status(201).send(await center.grantAccessRight(request.actor, request.ctx, request.body)),
  );
  app.get(
    `${base}/access-rights`,
    {
      schema: {
        tags,
        summary: '访问权限 / access rights',
        querystring: Type.Object(
          {
            service: Type.Optional(Type.String({ maxLength: 300 })),
            consumer: Type.Optional(Type.String({ maxLength: 300 })),
            includeRevoked: Type.Boolean({ default: false }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(Type.Ref('ExchangeAccessRight')), ...errorResponses },
      },
    },
    async (request) => center.listAccessRights(request.actor, request.query),
  );
  app.post(
    `${base}/access-rights/:id/revoke`,
    {
      schema: {
        tags,
        summary: '撤销访问权限 / revoke an access right',
        params: IdParams,
        body: ReasonBody,
        response: { 200: Type.Ref('ExchangeAccessRight'), ...errorResponses },
      },
    },
    async (request) => center.revokeAccessRight(request.actor, request.ctx, request.params.id, request.body.reason),
  );
}
