/**
 * Endpoints the registry pages need: 我的数据 (the citizen's list of who read their registry
 * records, with each reader's department by name) and the console's end-to-end registry check.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCitizenId, makeUscc } from '../src/standards/index.js';
import { Browser, createTestPlatform, DIALECTS, PASSWORD, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';

const idA = makeCitizenId('350102', '1990-05-17', 123);
const idB = makeCitizenId('350103', '1985-11-02', 456);
const person = { name: '林小明', sex: '1', birthDate: '1990-05-17', householdDivision: '350102' };

describe.each(DIALECTS)('GET /api/v1/me/registry-record/accesses (%s)', (dialect) => {
  let p: TestPlatform;
  let citizen: Browser;

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await seedBasics(p);
    const sys = (await staffBrowser(p, 'sysadmin')).browser;
    const bound = await sys.request('PUT', '/api/v1/registries/sources/public-security', { orgUscc: makeUscc('1', '1', '350100', '00310001') });
    expect(bound.statusCode, bound.body).toBe(200);
    const police = (await staffBrowser(p, 'police.staff')).browser;
    for (const [key, name] of [
      [idA, '林小明'],
      [idB, '王芳'],
    ] as const) {
      const created = await police.request('POST', '/api/v1/registries/population/records', {
        key,
        attributes: { ...person, name, sex: key === idA ? '1' : '2', birthDate: key === idA ? '1990-05-17' : '1985-11-02', householdDivision: key.slice(0, 6) },
        reason: '出生登记',
      });
      expect(created.statusCode, created.body).toBe(201);
    }
    const market = (await staffBrowser(p, 'market.staff')).browser;
    expect((await market.request('GET', `/api/v1/registries/population/records/${idA}?purpose=${encodeURIComponent('企业登记核查')}`)).statusCode).toBe(200);
    expect((await market.request('GET', `/api/v1/registries/population/records/${idB}?purpose=${encodeURIComponent('另一人的核查')}`)).statusCode).toBe(200);
    expect((await market.request('GET', `/api/v1/registries/population/records/${idA}/history?purpose=${encodeURIComponent('历史核对')}`)).statusCode).toBe(
      200,
    );
    citizen = new Browser(p);
    expect((await citizen.request('POST', '/api/v1/auth/citizens', { idNumber: idA, name: '林小明', password: PASSWORD })).statusCode).toBe(201);
    expect((await citizen.request('POST', '/api/v1/auth/login', { username: idA, password: PASSWORD })).statusCode).toBe(200);
  });
  afterAll(async () => p.destroy());

  it('lists the reads of my record by others, newest first, with the department named, and nobody else’s', async () => {
    expect((await citizen.request('GET', '/api/v1/me/registry-record')).statusCode).toBe(200); // my own read: left out
    const res = await citizen.request('GET', '/api/v1/me/registry-record/accesses');
    expect(res.statusCode, res.body).toBe(200);
    const { items, nextBeforeSeq } = res.json();
    expect(nextBeforeSeq).toBeNull();
    expect(items.map((i: { purpose: string }) => i.purpose)).toEqual(['历史核对', '企业登记核查']);
    expect(items[1]).toMatchObject({
      registry: 'population',
      registryName: { zh: '人口基础信息库' },
      action: 'registry.record.read',
      reader: '市监干部',
      readerType: 'staff',
      org: { name: '测试市市场监督管理局' },
    });
    expect(items[0].seq).toBeGreaterThan(items[1].seq);
  });

  it('verifies a registry end to end for the console, records the check, and finds a tampered entry', async () => {
    const police = (await staffBrowser(p, 'police.staff')).browser;
    expect((await police.request('GET', '/api/v1/registries/population/log')).statusCode).toBe(200); // signs a tree head
    const ok = await police.request('POST', '/api/v1/registries/population/log/verify');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ registry: 'population', ok: true, entries: 2, records: 2, treeHeads: 1, signaturesChecked: true });
    expect((await p.audit.search({ action: 'registry.log.verify', limit: 5 }))[0]).toMatchObject({ outcome: 'success', subject: { id: 'population' } });

    await sql`update registry_entries set reason = ${'篡改'} where registry = ${'population'} and seq = 2`.execute(p.database.db);
    const bad = (await police.request('POST', '/api/v1/registries/population/log/verify')).json();
    expect(bad).toMatchObject({ ok: false, firstBadSeq: 2 });
    expect((await p.audit.search({ action: 'registry.log.verify', limit: 5 }))[0]).toMatchObject({ outcome: 'failure' });
    await sql`update registry_entries set reason = ${'出生登记'} where registry = ${'population'} and seq = 2`.execute(p.database.db);

    expect((await citizen.request('POST', '/api/v1/registries/population/log/verify')).statusCode).toBe(403);
    expect((await police.request('POST', '/api/v1/registries/nope/log/verify')).statusCode).toBe(404);
  });

  it('gives the citizen the labels and code tables of their record', async () => {
    const res = await citizen.request('GET', '/api/v1/me/registry-record/definition');
    expect(res.statusCode, res.body).toBe(200);
    const attrs = res.json().attributes;
    expect(attrs.find((a: { name: string }) => a.name === 'sex')).toMatchObject({ label: { zh: '性别' }, codes: { '1': '男性' } });
    expect(attrs.find((a: { name: string }) => a.name === 'name')).toMatchObject({ label: { zh: '姓名' }, type: 'string' });
  });

  it('is for signed-in citizens only', async () => {
    expect((await p.app.inject('/api/v1/me/registry-record/definition')).statusCode).toBe(401);
    expect((await p.app.inject('/api/v1/me/registry-record/accesses')).statusCode).toBe(401);
    const police = (await staffBrowser(p, 'police.staff')).browser;
    expect((await police.request('GET', '/api/v1/me/registry-record/accesses')).statusCode).toBe(403);
  });
});
