import type { AccessRight, AccessRightInput, AccessRightStore } from '../../core/access-rights.js';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../core/db/database.js';
import { AppError, validationError, type FieldIssue } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { parseServiceId, parseSubsystemId } from '../protocol/identifiers.js';
import * as repo from './center.repository.js';
import type { AccessRightRow } from './center.repository.js';

const METHODS = ['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** An endpoint path: `/` segments of URL-safe characters, `*` as a whole segment matching one or more segments at the end. */
const ENDPOINT_PATH = /^\/(?:[A-Za-z0-9._~{}:@-]+\/)*(?:[A-Za-z0-9._~{}:@-]+|\*)?$/;
/** A JSON field path: dot-separated names (`person.name`, `addresses.city` — arrays are traversed). */
const FIELD_PATH = /^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*$/;

export function presentAccessRight(r: AccessRightRow): AccessRight {
  return {
    id: r.id,
    consumer: r.consumer,
    service: r.service,
    endpoints: JSON.parse(r.endpoints) as AccessRight['endpoints'],
    fields: r.fields === null ? null : (JSON.parse(r.fields) as string[]),
    purpose: r.purpose,
    validFrom: r.valid_from,
    validUntil: r.valid_until,
    source: r.source,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    revokeReason: r.revoke_reason,
  };
}

/** Checks an access right's fields; field names are those of `AccessRightInput`. */
export function checkAccessRightInput(input: AccessRightInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!parseSubsystemId(input.consumer)) issues.push({ field: 'consumer', reason: '应为 INSTANCE/CLASS/MEMBER/SUBSYSTEM (must be a subsystem identifier)' });
  if (!parseServiceId(input.service)) issues.push({ field: 'service', reason: '应为 INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE (must be a service identifier)' });
  input.endpoints.forEach((e, i) => {
    if (!METHODS.includes(e.method)) issues.push({ field: `endpoints.${i}.method`, reason: `应为 ${METHODS.join(' / ')} 之一 (unknown method)` });
    if (!ENDPOINT_PATH.test(e.path) || e.path.split('/').some((s) => s === '.' || s === '..')) {
      issues.push({ field: `endpoints.${i}.path`, reason: '应为以 / 开头的规范路径，可以 /* 结尾 (must be a normalised path, optionally ending in /*)' });
    }
  });
  if (input.fields !== null) {
    input.fields.forEach((f, i) => {
      if (!FIELD_PATH.test(f)) issues.push({ field: `fields.${i}`, reason: '应为以点分隔的字段名 (must be a dotted field path)' });
    });
  }
  if (input.purpose.trim().length === 0 || input.purpose.length > 500) issues.push({ field: 'purpose', reason: '应为 1–500 个字符 (1–500 characters)' });
  const from = Date.parse(input.validFrom);
  if (Number.isNaN(from)) issues.push({ field: 'validFrom', reason: '应为 ISO 时间 (must be an ISO instant)' });
  if (input.validUntil !== null) {
    const until = Date.parse(input.validUntil);
    if (Number.isNaN(until)) issues.push({ field: 'validUntil', reason: '应为 ISO 时间 (must be an ISO instant)' });
    else if (!Number.isNaN(from) && until <= from) issues.push({ field: 'validUntil', reason: '应晚于 validFrom (must be after validFrom)' });
  }
  if (!/^(manual|catalog:[A-Za-z0-9-]{1,64})$/.test(input.source))
    issues.push({ field: 'source', reason: '应为 manual 或 catalog:<申请编号> (must be manual or catalog:<id>)' });
  return issues;
}

/**
 * The exchange center's access rights, stored in `exchange_access_rights`. `grant` and `revoke`
 * write inside the caller's transaction and do not audit: the caller (the catalog when it approves
 * a sharing application, the center's own routes for manual rights) appends the audit record in
 * the same transaction. Rights reach the nodes through the next signed global configuration.
 *
 * @example const right = await store.grant(trx, { consumer, service, endpoints: [], fields: ['name'], purpose: '户籍核验', validFrom, validUntil: null, source: 'catalog:…' });
 */
export class CenterAccessRightStore implements AccessRightStore {
  constructor(private readonly clock: Clock) {}

  /** @throws VALIDATION_FAILED naming each bad field (`consumer`, `endpoints.0.path`, …). */
  async grant(trx: Db, right: AccessRightInput): Promise<AccessRight> {
    const issues = checkAccessRightInput(right);
    if (issues.length > 0) throw validationError(issues);
    const row: AccessRightRow = {
      id: newId(),
      consumer: right.consumer,
      service: right.service,
      endpoints: JSON.stringify(right.endpoints.map((e) => ({ method: e.method, path: e.path }))),
      fields: right.fields === null ? null : JSON.stringify([...new Set(right.fields)]),
      purpose: right.purpose.trim(),
      valid_from: new Date(right.validFrom).toISOString(),
      valid_until: right.validUntil === null ? null : new Date(right.validUntil).toISOString(),
      source: right.source,
      created_at: this.clock.now().toISOString(),
      revoked_at: null,
      revoke_reason: null,
    };
    await repo.insertAccessRight(trx, row);
    return presentAccessRight(row);
  }

  /**
   * Revokes a right; revoking a revoked right changes nothing.
   *
   * @throws EXCHANGE_ACCESS_RIGHT_NOT_FOUND
   */
  async revoke(trx: Db, id: string, reason: string): Promise<void> {
    const found = await repo.findAccessRight(trx, id);
    if (!found) throw new AppError('EXCHANGE_ACCESS_RIGHT_NOT_FOUND', `访问权限 ${id} 不存在`, { id });
    await repo.revokeAccessRight(trx, id, this.clock.now().toISOString(), reason.trim() || '—');
  }

  async inForce(db: Db, at: string): Promise<AccessRight[]> {
    return (await repo.accessRightsInForce(db, new Date(at).toISOString())).map(presentAccessRight);
  }

  async withServiceCode(db: Db, code: string): Promise<AccessRight[]> {
    return (await repo.accessRightsWithServiceCode(db, code)).filter((r) => parseServiceId(r.service)?.service === code).map(presentAccessRight);
  }

  async get(db: Db, id: string): Promise<AccessRight | undefined> {
    const r = await repo.findAccessRight(db, id);
    return r ? presentAccessRight(r) : undefined;
  }
}
