import { Type } from 'typebox';
import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import type { HttpApp } from '../core/http/app.js';
import { errorResponses, StringEnum } from '../core/http/schema-helpers.js';
import { authorize } from '../core/policy.js';
import './audit.policy.js';
import type { AuditLog } from './audit.service.js';
import { verifyAuditChain, type CheckpointVerifier } from './audit-verify.js';
import type { Db } from '../core/db/database.js';

const AuditRecordSchema = Type.Object(
  {
    seq: Type.Integer(),
    occurredAt: Type.String(),
    actor: Type.Object({
      type: Type.String(),
      id: Type.Union([Type.String(), Type.Null()]),
      name: Type.Union([Type.String(), Type.Null()]),
      orgId: Type.Union([Type.String(), Type.Null()]),
    }),
    action: Type.String(),
    subject: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
    outcome: Type.String(),
    requestId: Type.Union([Type.String(), Type.Null()]),
    clientIp: Type.Union([Type.String(), Type.Null()]),
    summary: Type.Record(Type.String(), Type.Unknown()),
    dataSubject: Type.Union([Type.String(), Type.Null()]),
    purpose: Type.Union([Type.String(), Type.Null()]),
    prevHash: Type.String(),
    hash: Type.String(),
  },
  { $id: 'AuditRecord', title: 'AuditRecord' },
);

const DataAccessSchema = Type.Object({
  seq: Type.Integer(),
  occurredAt: Type.String(),
  accessor: Type.Union([Type.String(), Type.Null()]),
  accessorType: Type.String(),
  orgId: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  purpose: Type.Union([Type.String(), Type.Null()]),
});

export interface AuditRouteDeps {
  db: Db;
  audit: AuditLog;
  /** Verifies checkpoint signatures with the platform's own public key. */
  verifyCheckpoint: CheckpointVerifier;
}

/** The audit log viewer's API and the citizen's "who accessed my data". */
export async function auditRoutes(app: HttpApp, deps: AuditRouteDeps): Promise<void> {
  app.addSchema(AuditRecordSchema);
  const tags = ['audit'];
  app.get(
    '/api/v1/audit/records',
    {
      schema: {
        tags,
        summary: '检索审计日志（审计管理员）/ search the audit log',
        querystring: Type.Object(
          {
            action: Type.Optional(Type.String({ maxLength: 100, description: '动作；以 .* 结尾表示前缀' })),
            actorId: Type.Optional(Type.String({ maxLength: 64 })),
            orgId: Type.Optional(Type.String({ maxLength: 64 })),
            subjectType: Type.Optional(Type.String({ maxLength: 40 })),
            subjectId: Type.Optional(Type.String({ maxLength: 64 })),
            outcome: Type.Optional(StringEnum(['success', 'failure', 'denied'] as const)),
            dataSubject: Type.Optional(Type.String({ maxLength: 80 })),
            from: Type.Optional(Type.String({ format: 'date-time' })),
            to: Type.Optional(Type.String({ format: 'date-time' })),
            q: Type.Optional(Type.String({ maxLength: 100 })),
            beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref('AuditRecord')), nextBeforeSeq: Type.Union([Type.Integer(), Type.Null()]) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'audit.read');
      const { q, from, to, ...rest } = request.query;
      const items = await deps.audit.search({
        ...rest,
        ...(q ? { text: q } : {}),
        ...(from ? { from: new Date(from).toISOString() } : {}),
        ...(to ? { to: new Date(to).toISOString() } : {}),
      });
      const last = items[items.length - 1];
      return { items, nextBeforeSeq: items.length === rest.limit && last ? last.seq : null };
    },
  );

  app.get(
    '/api/v1/audit/status',
    {
      schema: {
        tags,
        summary: '审计链状态与最近检查点 / chain head and last checkpoint',
        response: {
          200: Type.Object({
            headSeq: Type.Integer(),
            headHash: Type.String(),
            hashAlg: Type.String(),
            lastCheckpoint: Type.Union([
              Type.Object({ seq: Type.Integer(), hash: Type.String(), signedAt: Type.String(), suite: Type.String(), keyFingerprint: Type.String() }),
              Type.Null(),
            ]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'audit.read');
      const s = await deps.audit.status();
      const cp = s.lastCheckpoint;
      return { ...s, lastCheckpoint: cp ? { seq: cp.seq, hash: cp.hash, signedAt: cp.signed_at, suite: cp.suite, keyFingerprint: cp.key_fingerprint } : null };
    },
  );

  app.post(
    '/api/v1/audit/verify',
    {
      schema: {
        tags,
        summary: '校验整条审计链 / verify the whole chain',
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            records: Type.Integer(),
            checkpoints: Type.Integer(),
            checkpointSignaturesChecked: Type.Boolean(),
            hashAlg: Type.String(),
            firstBadSeq: Type.Optional(Type.Integer()),
            reason: Type.Optional(Type.String()),
            lastCheckpointSeq: Type.Optional(Type.Integer()),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      authorize(request.actor, 'audit.verify');
      const result = await verifyAuditChain(deps.db, { verifyCheckpoint: deps.verifyCheckpoint });
      await deps.audit.record({
        actor: request.actor,
        context: request.ctx,
        action: 'audit.verify',
        outcome: result.ok ? 'success' : 'failure',
        summary: { records: result.records, firstBadSeq: result.firstBadSeq },
      });
      return result;
    },
  );

  app.get(
    '/api/v1/me/data-access',
    {
      schema: {
        tags,
        summary: '谁访问了我的个人数据（本人）/ who accessed my personal data',
        querystring: Type.Object(
          { limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }), beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(DataAccessSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const actor: Actor = request.actor;
      authorize(actor, 'audit.data-access.read-own');
      if (!actor.idNumber) throw new AppError('AUTH_FORBIDDEN');
      const records = await deps.audit.listDataAccess(`citizen:${actor.idNumber}`, request.query.limit, request.query.beforeSeq);
      return {
        items: records.map((r) => ({
          seq: r.seq,
          occurredAt: r.occurredAt,
          accessor: r.actor.name,
          accessorType: r.actor.type,
          orgId: r.actor.orgId,
          action: r.action,
          purpose: r.purpose,
        })),
      };
    },
  );
}
