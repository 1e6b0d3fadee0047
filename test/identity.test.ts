import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { currentTotp } from '../src/identity/index.js';
import { makeCitizenId, makeUscc } from '../src/standards/index.js';
import { Browser, createTestPlatform, DIALECTS, PASSWORD, seedBasics, staffBrowser, type TestPlatform } from './helpers.js';

describe.each(DIALECTS)('identity (%s)', (dialect) => {
  let p: TestPlatform;
  let ids: Awaited<ReturnType<typeof seedBasics>>;
  let sys: Browser;
  let sec: Browser;
  let policeAdminSecret = '';

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    ids = await seedBasics(p);
  });
  // Some tests move the clock past the idle timeout: every test starts with fresh sessions.
  beforeEach(async () => {
    sys = (await staffBrowser(p, 'sysadmin')).browser;
    sec = (await staffBrowser(p, 'secadmin')).browser;
  });
  afterAll(async () => p.destroy());

  const actions = async (prefix: string) => (await p.audit.search({ action: `${prefix}.*`, limit: 500 })).map((r) => r.action);

  describe('staff sign-in with a second factor', () => {
    it('gives no roles until TOTP is enrolled, then grants them', async () => {
      const b = new Browser(p);
      const login = await b.request('POST', '/api/v1/auth/login', { username: 'police.admin', password: PASSWORD });
      expect(login.statusCode).toBe(200);
      expect(login.json().mfa).toBe('enroll');
      expect(login.headers['set-cookie']).toMatch(/HttpOnly/);
      expect(login.headers['set-cookie']).toMatch(/SameSite=Strict/);
      expect((await b.request('GET', '/api/v1/orgs')).statusCode).toBe(401);
      const enrol = (await b.request('POST', '/api/v1/auth/totp/enroll')).json();
      expect(enrol.otpauthUri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
      expect(enrol.qrDataUrl).toMatch(/^data:image\/png;base64,/);
      const wrong = await b.request('POST', '/api/v1/auth/totp/activate', { code: '000000' });
      expect(wrong.json().error.code).toBe('AUTH_TOTP_INVALID');
      const ok = await b.request('POST', '/api/v1/auth/totp/activate', { code: currentTotp(enrol.secret, p.clock.now()) });
      policeAdminSecret = enrol.secret as string;
      expect(ok.json()).toEqual({ mfa: 'done' });
      expect((await b.request('GET', '/api/v1/orgs')).statusCode).toBe(200);
      // A password-only session cannot replace an enrolled device.
      const again = new Browser(p);
      await again.request('POST', '/api/v1/auth/login', { username: 'police.admin', password: PASSWORD });
      expect((await again.request('POST', '/api/v1/auth/totp/enroll')).statusCode).toBe(409);
    });

    it('accepts the code with the password (bearer clients) but never the same code twice', async () => {
      const { secret } = await staffBrowser(p, 'market.staff');
      p.clock.advance(60_000);
      const code = currentTotp(secret, p.clock.now());
      const first = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'market.staff', password: PASSWORD, totpCode: code, mode: 'bearer' },
      });
      expect(first.json().mfa).toBe('done');
      const token = first.json().token as string;
      expect(first.headers['set-cookie']).toBeUndefined();
      const orgs = await p.app.inject({ url: '/api/v1/orgs', headers: { authorization: `Bearer ${token}` } });
      expect(orgs.statusCode).toBe(200);
      const replay = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'market.staff', password: PASSWORD, totpCode: code, mode: 'bearer' },
      });
      expect(replay.json().error.code).toBe('AUTH_TOTP_INVALID');
      const bogus = await p.app.inject({ url: '/api/v1/orgs', headers: { authorization: 'Bearer not-a-token' } });
      expect(bogus.json().error.code).toBe('AUTH_SESSION_EXPIRED');
    });

    it('requires the CSRF token on unsafe requests of cookie sessions', async () => {
      const res = await p.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie: sys.cookie }, payload: {} });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('AUTH_CSRF_INVALID');
    });

    it('locks the account for 15 minutes after 5 failures, then lets it in', async () => {
      const tries = [];
      for (let i = 0; i < 5; i++)
        tries.push(
          (
            await p.app.inject({
              method: 'POST',
              url: '/api/v1/auth/login',
              remoteAddress: `10.0.1.${i}`,
              payload: { username: 'police.staff', password: 'wrong' },
            })
          ).json().error.code,
        );
      expect(tries).toEqual([
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_INVALID_CREDENTIALS',
        'AUTH_ACCOUNT_LOCKED',
      ]);
      const locked = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.0.1.9',
        payload: { username: 'police.staff', password: PASSWORD },
      });
      expect(locked.json().error.code).toBe('AUTH_ACCOUNT_LOCKED');
      expect(locked.statusCode).toBe(423);
      p.clock.advance(14 * 60_000);
      expect(
        (
          await p.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            remoteAddress: '10.0.1.10',
            payload: { username: 'police.staff', password: PASSWORD },
          })
        ).statusCode,
      ).toBe(423);
      p.clock.advance(61_000);
      expect(
        (
          await p.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            remoteAddress: '10.0.1.11',
            payload: { username: 'police.staff', password: PASSWORD },
          })
        ).statusCode,
      ).toBe(200);
      expect(await actions('auth.account')).toContain('auth.account.lock');
    });

    it('lets the security admin unlock an account early', async () => {
      for (let i = 0; i < 5; i++)
        await p.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: `10.0.2.${i}`,
          payload: { username: 'police.staff', password: 'wrong' },
        });
      const list = (await sec.request('GET', `/api/v1/users?orgId=${ids.policeId}&kind=staff`)).json();
      const user = list.items.find((u: { username: string }) => u.username === 'police.staff');
      expect(user.locked).toBe(true);
      const unlocked = await sec.request('POST', `/api/v1/users/${user.id}/unlock`);
      expect(unlocked.json().locked).toBe(false);
      expect(
        (
          await p.app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            remoteAddress: '10.0.2.9',
            payload: { username: 'police.staff', password: PASSWORD },
          })
        ).statusCode,
      ).toBe(200);
    });

    it('ends a session after 30 idle minutes, and keeps an active one', async () => {
      const { browser } = await staffBrowser(p, 'auditadmin');
      p.clock.advance(29 * 60_000);
      expect((await browser.request('GET', '/api/v1/auth/session')).json().authenticated).toBe(true);
      p.clock.advance(29 * 60_000);
      expect((await browser.request('GET', '/api/v1/audit/status')).statusCode).toBe(200);
      p.clock.advance(31 * 60_000);
      const expired = await browser.request('GET', '/api/v1/audit/status');
      expect(expired.statusCode).toBe(401);
      expect(expired.headers['x-session-expired']).toBe('1');
    });
  });

  describe('organisations and staff', () => {
    it('creates a department with a valid USCC, names bad fields, refuses duplicates, and writes nothing on failure', async () => {
      const uscc = makeUscc('1', '1', '350100', '00319999');
      const created = await sys.request('POST', '/api/v1/orgs', {
        kind: 'department',
        name: '测试市文化和旅游局',
        uscc,
        regionCode: '350100',
        parentId: ids.govId,
      });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ uscc, regionName: expect.stringContaining('福州市'), parentId: ids.govId });
      expect((await sys.request('POST', '/api/v1/orgs', { kind: 'department', name: '重复', uscc, regionCode: '350100' })).json().error.code).toBe(
        'IDENTITY_USCC_TAKEN',
      );

      const before = (await sys.request('GET', '/api/v1/orgs?limit=500')).json().total;
      const bad = await sys.request('POST', '/api/v1/orgs', {
        kind: 'department',
        name: '坏机构',
        uscc: uscc.slice(0, 17) + (uscc[17] === '0' ? '1' : '0'),
        regionCode: '999999',
        parentId: ids.govId,
      });
      expect(bad.statusCode).toBe(400);
      const fields = bad.json().error.details.fields.map((f: { field: string }) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['body.uscc', 'body.regionCode']));
      const enterpriseCode = await sys.request('POST', '/api/v1/orgs', {
        kind: 'department',
        name: '不是机关',
        uscc: '91350100M000100Y43',
        regionCode: '350100',
      });
      expect(enterpriseCode.json().error.details.fields[0].reason).toContain('11');
      expect((await sys.request('GET', '/api/v1/orgs?limit=500')).json().total).toBe(before);
      expect(await actions('identity.org')).toContain('identity.org.create');
    });

    it('keeps department admins to their own department and non-admin roles', async () => {
      const admin = new Browser(p);
      p.clock.advance(30_000);
      await admin.request('POST', '/api/v1/auth/login', {
        username: 'police.admin',
        password: PASSWORD,
        totpCode: currentTotp(policeAdminSecret, p.clock.now()),
      });
      const own = await admin.request('POST', '/api/v1/users', {
        username: 'police.new',
        displayName: '新民警',
        orgId: ids.policeId,
        password: 'Str0ng!pass',
        roles: ['dept-staff'],
      });
      expect(own.statusCode, own.body).toBe(201);
      const other = await admin.request('POST', '/api/v1/users', {
        username: 'market.new',
        displayName: '越权',
        orgId: ids.marketId,
        password: 'Str0ng!pass',
        roles: ['dept-staff'],
      });
      expect(other.json().error.code).toBe('AUTH_FORBIDDEN');
      const escalate = await admin.request('POST', '/api/v1/users', {
        username: 'police.boss',
        displayName: '越权',
        orgId: ids.policeId,
        password: 'Str0ng!pass',
        roles: ['security-admin'],
      });
      expect(escalate.json().error.code).toBe('AUTH_FORBIDDEN');
    });

    it('enforces 三员分立 and leaves admin roles to the security admin', async () => {
      const created = await sys.request('POST', '/api/v1/users', {
        username: 'ops.two',
        displayName: '运维',
        orgId: ids.govId,
        password: 'Str0ng!pass',
        roles: ['dept-staff'],
      });
      expect(created.statusCode).toBe(201);
      const id = created.json().id;
      expect((await sys.request('PUT', `/api/v1/users/${id}/roles`, { roles: ['audit-admin'] })).json().error.code).toBe('AUTH_FORBIDDEN');
      const conflict = await sec.request('PUT', `/api/v1/users/${id}/roles`, { roles: ['system-admin', 'audit-admin'] });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().error.code).toBe('IDENTITY_ROLE_CONFLICT');
      const granted = await sec.request('PUT', `/api/v1/users/${id}/roles`, { roles: ['audit-admin'] });
      expect(granted.json().roles).toEqual(['audit-admin']);
      expect((await sec.request('PUT', `/api/v1/users/${id}/roles`, { roles: ['root'] })).json().error.details.fields[0].field).toMatch(/^body\.roles/);
    });

    it('refuses weak passwords naming the field', async () => {
      const res = await sys.request('POST', '/api/v1/users', {
        username: 'weak.one',
        displayName: '弱',
        orgId: ids.govId,
        password: 'password',
        roles: ['dept-staff'],
      });
      expect(res.json().error.code).toBe('AUTH_WEAK_PASSWORD');
      expect(res.json().error.details.fields[0].field).toBe('body.password');
    });
  });

  describe('citizens and enterprise agents', () => {
    const idNumber = makeCitizenId('350102', '1990-05-17', 123);

    it('signs up a citizen with a validated identity number and signs them in', async () => {
      const bad = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/citizens',
        payload: { idNumber: idNumber.slice(0, 17) + (idNumber[17] === '1' ? '2' : '1'), name: '张三', password: 'Str0ng!pass' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.details.fields[0]).toMatchObject({ field: 'body.idNumber', reason: expect.stringContaining('18') });
      const ok = await p.app.inject({ method: 'POST', url: '/api/v1/auth/citizens', payload: { idNumber, name: '张三', password: 'Str0ng!pass' } });
      expect(ok.statusCode).toBe(201);
      expect(ok.json()).toMatchObject({ kind: 'citizen', idNumber, roles: [] });
      const dup = await p.app.inject({ method: 'POST', url: '/api/v1/auth/citizens', payload: { idNumber, name: '张三', password: 'Str0ng!pass' } });
      expect(dup.json().error.code).toBe('IDENTITY_CITIZEN_EXISTS');
      const b = new Browser(p);
      const login = await b.request('POST', '/api/v1/auth/login', { username: idNumber, password: 'Str0ng!pass' });
      expect(login.json().mfa).toBe('not-required');
      expect((await b.request('GET', '/api/v1/orgs')).statusCode).toBe(403);
      expect((await b.request('GET', '/api/v1/me/data-access')).json().items).toEqual([
        expect.objectContaining({ action: 'identity.citizen.signup', accessorType: 'citizen' }),
      ]);
      // Staff reading the citizen's record is a personal-data access the citizen can see.
      const read = await sys.request('GET', `/api/v1/users/${ok.json().id}?purpose=${encodeURIComponent('核实注册信息')}`);
      expect(read.json().idNumber).toMatch(/^\d{4}\*+/);
      const seen = (await b.request('GET', '/api/v1/me/data-access')).json().items;
      expect(seen).toHaveLength(2);
      expect(seen[0]).toEqual(
        expect.objectContaining({ accessor: '系统管理员', accessorType: 'staff', orgId: ids.govId, purpose: '核实注册信息', action: 'identity.user.read' }),
      );
    });

    it('upgrades a 15-digit number and masks numbers for other readers', async () => {
      const legacy = '350102850101123';
      const res = await p.app.inject({ method: 'POST', url: '/api/v1/auth/citizens', payload: { idNumber: legacy, name: '李四', password: 'Str0ng!pass' } });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().idNumber).toMatch(/^35010219850101123[0-9X]$/);
      const list = (await sys.request('GET', '/api/v1/users?kind=citizen')).json();
      expect(list.items.every((u: { idNumber: string }) => /^\d{4}\*{10}[\dX]{4}$/.test(u.idNumber))).toBe(true);
    });

    it('signs in an enterprise agent only for their enterprise', async () => {
      const uscc = makeUscc('9', '1', '350102', 'MA000123');
      expect((await sys.request('POST', '/api/v1/orgs', { kind: 'enterprise', name: '测试科技有限公司', uscc, regionCode: '350102' })).statusCode).toBe(201);
      const signup = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/agents',
        payload: { uscc, username: 'agent.one', name: '王五', idNumber: makeCitizenId('350103', '1985-03-03', 55), password: 'Str0ng!pass' },
      });
      expect(signup.statusCode, signup.body).toBe(201);
      const wrongCompany = await p.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'agent.one', password: 'Str0ng!pass', uscc: '91350100M000100Y43' },
      });
      expect(wrongCompany.json().error.code).toBe('AUTH_INVALID_CREDENTIALS');
      const ok = await p.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'agent.one', password: 'Str0ng!pass', uscc } });
      expect(ok.json()).toMatchObject({ mfa: 'not-required', user: { kind: 'agent' } });
    });
  });

  describe('API keys', () => {
    it('authenticates with a key shown once, and stops after revocation', async () => {
      const created = await sys.request('POST', '/api/v1/auth/api-keys', { name: '对接系统' });
      expect(created.statusCode).toBe(201);
      const { key, id } = created.json();
      expect(key).toMatch(/^ztk_/);
      expect((await p.app.inject({ url: '/api/v1/orgs', headers: { 'x-api-key': key } })).statusCode).toBe(200);
      expect((await p.app.inject({ url: '/api/v1/orgs', headers: { authorization: `ApiKey ${key}` } })).statusCode).toBe(200);
      const listed = (await sys.request('GET', '/api/v1/auth/api-keys')).json();
      expect(JSON.stringify(listed)).not.toContain(key.split('_')[2]);
      await sys.request('DELETE', `/api/v1/auth/api-keys/${id}`);
      expect((await p.app.inject({ url: '/api/v1/orgs', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    });
  });

  it('audits every change without secrets', async () => {
    const records = await p.audit.search({ limit: 500 });
    const text = JSON.stringify(records);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('Str0ng!pass');
    expect(records.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'identity.seed',
        'auth.login',
        'auth.totp.enrol',
        'identity.user.create',
        'identity.user.roles',
        'identity.user.unlock',
        'identity.citizen.signup',
        'identity.apikey.create',
        'identity.apikey.revoke',
      ]),
    );
    const verify = await sys.request('GET', '/api/v1/audit/records');
    expect(verify.statusCode).toBe(403);
  });
});
