/**
 * The shared test harness: builds a platform on a fresh database of either dialect.
 * `ZT_TEST_DIALECTS=sqlite,postgres` runs every suite on both (default: sqlite);
 * PostgreSQL tests create a throw-away database on `ZT_TEST_PG_URL`
 * (default postgres://zt:zt@127.0.0.1:5432/postgres) and drop it afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { LightMyRequestResponse } from 'fastify';
import { manualClock } from '../src/core/clock.js';
import { loadConfig, type Config } from '../src/core/config.js';
import type { Dialect } from '../src/core/db/database.js';
import { createPlatform, type Platform } from '../src/platform.js';
import { currentTotp } from '../src/identity/index.js';

export const DIALECTS: Dialect[] = (process.env.ZT_TEST_DIALECTS ?? 'sqlite')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is Dialect => s === 'sqlite' || s === 'postgres');

const PG_URL = process.env.ZT_TEST_PG_URL ?? 'postgres://zt:zt@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

/** A new empty database (and data folder for keys) of the dialect. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-test-'));
  if (dialect === 'sqlite') {
    return { url: path.join(dataDir, 'platform.db'), dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `zt_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestPlatform extends Platform {
  clock: ReturnType<typeof manualClock>;
  testDb: TestDatabase;
  /** Closes the platform and drops its database. */
  destroy(): Promise<void>;
}

/** A platform on a fresh database, with a manual clock, cheap password hashing and quiet logs. */
export async function createTestPlatform(dialect: Dialect, overrides: Partial<Config> = {}): Promise<TestPlatform> {
  const testDb = await createTestDatabase(dialect);
  const config = loadConfig(
    {},
    {
      dataDir: testDb.dataDir,
      keyDir: path.join(testDb.dataDir, 'keys'),
      dbUrl: testDb.url,
      logLevel: 'silent',
      passwordCost: 1024,
      checkpointIntervalMs: 0,
      authRateLimit: 100_000,
      ...overrides,
    },
  );
  const clock = manualClock('2026-03-02T01:00:00.000Z');
  const platform = await createPlatform(config, { clock });
  return Object.assign(platform, {
    clock,
    testDb,
    destroy: async () => {
      await platform.close();
      await testDb.drop();
    },
  });
}

export const PASSWORD = 'Zt@test2026';

/** A cookie-session client: keeps the session cookie and sends the CSRF token on unsafe methods. */
export class Browser {
  cookie = '';
  csrf = '';
  constructor(private readonly platform: Platform) {}

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const res = await this.platform.app.inject({
      method,
      url,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}), ...headers },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    const set = res.cookies.find((c) => c.name === 'zt_session');
    if (set) this.cookie = set.value ? `zt_session=${set.value}` : '';
    const json = res.headers['content-type']?.toString().includes('application/json') ? (res.json() as { csrfToken?: string }) : undefined;
    if (json?.csrfToken) this.csrf = json.csrfToken;
    return res;
  }
}

const enrolled = new WeakMap<Platform, Map<string, string>>();

/**
 * Signs a seeded staff member in with a full session: enrols a TOTP device the first time,
 * afterwards signs in with a fresh code (the clock moves one 30-second step so no code repeats).
 */
export async function staffBrowser(platform: TestPlatform, username: string): Promise<{ browser: Browser; secret: string }> {
  const known = enrolled.get(platform) ?? new Map<string, string>();
  enrolled.set(platform, known);
  const b = new Browser(platform);
  const secret = known.get(username);
  if (secret) {
    platform.clock.advance(30_000);
    const login = await b.request('POST', '/api/v1/auth/login', { username, password: PASSWORD, totpCode: currentTotp(secret, platform.clock.now()) });
    if (login.statusCode !== 200 || login.json().mfa !== 'done') throw new Error(`login ${username}: ${login.body}`);
    return { browser: b, secret };
  }
  const login = await b.request('POST', '/api/v1/auth/login', { username, password: PASSWORD });
  if (login.statusCode !== 200) throw new Error(`login ${username}: ${login.body}`);
  const enrol = await b.request('POST', '/api/v1/auth/totp/enroll');
  const fresh = (enrol.json() as { secret: string }).secret;
  const act = await b.request('POST', '/api/v1/auth/totp/activate', { code: currentTotp(fresh, platform.clock.now()) });
  if (act.statusCode !== 200) throw new Error(`activate ${username}: ${act.body}`);
  known.set(username, fresh);
  return { browser: b, secret: fresh };
}

/** Seeds a minimal city: a parent government, two departments and the three admins plus department staff. */
export async function seedBasics(platform: TestPlatform) {
  const { seedIdentity } = await import('../src/identity/index.js');
  const { makeUscc } = await import('../src/standards/index.js');
  const gov = makeUscc('1', '1', '350100', '00300001');
  const police = makeUscc('1', '1', '350100', '00310001');
  const market = makeUscc('1', '1', '350100', '00310002');
  await seedIdentity(platform.identity, {
    orgs: [
      { key: 'gov', kind: 'department', name: '测试市人民政府', uscc: gov, regionCode: '350100' },
      { key: 'police', kind: 'department', name: '测试市公安局', uscc: police, regionCode: '350100', parentKey: 'gov' },
      { key: 'market', kind: 'department', name: '测试市市场监督管理局', uscc: market, regionCode: '350100', parentKey: 'gov' },
    ],
    staff: [
      { username: 'sysadmin', displayName: '系统管理员', orgKey: 'gov', roles: ['system-admin'], password: PASSWORD },
      { username: 'secadmin', displayName: '安全管理员', orgKey: 'gov', roles: ['security-admin'], password: PASSWORD },
      { username: 'auditadmin', displayName: '审计管理员', orgKey: 'gov', roles: ['audit-admin'], password: PASSWORD },
      { username: 'police.admin', displayName: '公安管理员', orgKey: 'police', roles: ['dept-admin'], password: PASSWORD },
      { username: 'police.staff', displayName: '公安民警', orgKey: 'police', roles: ['dept-staff'], password: PASSWORD },
      { username: 'market.staff', displayName: '市监干部', orgKey: 'market', roles: ['dept-staff'], password: PASSWORD },
    ],
    citizens: [],
    agents: [],
  });
  const { findOrgByUscc } = await import('../src/identity/index.js');
  return {
    govId: (await findOrgByUscc(platform.identity, gov))!.id,
    policeId: (await findOrgByUscc(platform.identity, police))!.id,
    marketId: (await findOrgByUscc(platform.identity, market))!.id,
  };
}
