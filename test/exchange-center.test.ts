import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRightInput } from '../src/core/access-rights.js';
import { AppError } from '../src/core/errors.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

const CONSUMER = 'CN-DEMO/GOV/11350100003100028L/license';
const SERVICE = 'CN-DEMO/GOV/11350100003100010F/hukou/persons';

const right = (over: Partial<AccessRightInput> = {}): AccessRightInput => ({
  consumer: CONSUMER,
  service: SERVICE,
  endpoints: [{ method: 'GET', path: '/persons/*' }],
  fields: ['name', 'address.city'],
  purpose: '营业执照办理核验户籍',
  validFrom: '2026-03-01T00:00:00.000Z',
  validUntil: '2026-04-01T00:00:00.000Z',
  source: 'catalog:4b1d4c1e-0000-4000-8000-000000000001',
  ...over,
});

describe.each(DIALECTS)('exchange center: access rights (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform(dialect);
  });
  afterAll(async () => p.destroy());

  it('grants inside the caller transaction, lists rights in force, revokes', async () => {
    const granted = await p.database.db.transaction().execute((trx) => p.accessRights.grant(trx, right()));
    expect(granted).toMatchObject({ consumer: CONSUMER, service: SERVICE, fields: ['name', 'address.city'], revokedAt: null });
    expect((await p.accessRights.inForce(p.database.db, '2026-03-15T00:00:00Z')).map((r) => r.id)).toContain(granted.id);
    expect((await p.accessRights.inForce(p.database.db, '2026-02-15T00:00:00Z')).map((r) => r.id)).not.toContain(granted.id);
    expect((await p.accessRights.inForce(p.database.db, '2026-04-01T00:00:00Z')).map((r) => r.id)).not.toContain(granted.id);
    await p.database.db.transaction().execute((trx) => p.accessRights.revoke(trx, granted.id, '申请撤回'));
    expect((await p.accessRights.inForce(p.database.db, '2026-03-15T00:00:00Z')).map((r) => r.id)).not.toContain(granted.id);
  });

  it('rolls the grant back with the caller transaction', async () => {
    let id = '';
    await expect(
      p.database.db.transaction().execute(async (trx) => {
        id = (await p.accessRights.grant(trx, right({ purpose: '回滚测试' }))).id;
        throw new Error('caller fails after granting');
      }),
    ).rejects.toThrow('caller fails');
    expect((await p.accessRights.inForce(p.database.db, '2026-03-15T00:00:00Z')).map((r) => r.id)).not.toContain(id);
  });

  it('names each bad field', async () => {
    const err = await p.accessRights
      .grant(
        p.database.db,
        right({
          consumer: 'nope',
          endpoints: [{ method: 'FETCH', path: '/a/../b' }],
          fields: ['ok', 'bad field'],
          validUntil: '2026-01-01T00:00:00Z',
          source: 'x',
        }),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    const fields = ((err as AppError).details!.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(['consumer', 'endpoints.0.method', 'endpoints.0.path', 'fields.1', 'validUntil', 'source']);
  });

  it('refuses to revoke an unknown right', async () => {
    await expect(p.accessRights.revoke(p.database.db, '00000000-0000-4000-8000-000000000000', 'x')).rejects.toMatchObject({
      code: 'EXCHANGE_ACCESS_RIGHT_NOT_FOUND',
    });
  });
});
