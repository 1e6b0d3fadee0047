import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/core/config.js';
import { currentTotp, findOrgByUscc, seedIdentity } from '../../src/identity/index.js';
import { createPlatform, type Platform } from '../../src/platform.js';
import { makeUscc } from '../../src/standards/index.js';

export const BENCH_PASSWORD = 'Zt@bench2026';

/** A listening platform on a fresh SQLite file, with a signed-in system administrator. */
export interface BenchPlatform {
  platform: Platform;
  baseUrl: string;
  port: number;
  /** Bearer session token of `bench.admin` (system-admin, TOTP done). */
  token: string;
  /** An API key of the same account, created after its second factor. */
  apiKey: string;
  /** A department staff member the cases read and update. */
  targetUserId: string;
  dataDir: string;
  /** The SQLite file. */
  dbFile: string;
  /** Closes the platform and removes its temporary folder. */
  close(): Promise<void>;
}

async function call<T>(baseUrl: string, method: string, url: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(baseUrl + url, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Builds the platform the way production does (`createPlatform(loadConfig(…))`, real clock),
 * seeds a city government with `departments` departments and two staff, starts it on a random
 * loopback port and signs the administrator in over HTTP: password (bearer mode), TOTP
 * enrolment, TOTP activation, then an API key.
 */
export async function startBenchPlatform(options: { departments?: number } = {}): Promise<BenchPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-bench-'));
  const dbFile = path.join(dataDir, 'platform.db');
  let platform: Platform | undefined;
  const close = async () => {
    try {
      await platform?.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    const config = loadConfig(
      {},
      {
        dataDir,
        keyDir: path.join(dataDir, 'keys'),
        dbUrl: dbFile,
        logLevel: 'silent',
        passwordCost: 1024,
        checkpointIntervalMs: 0,
      },
    );
    platform = await createPlatform(config);
    const gov = makeUscc('1', '1', '350100', '00300001');
    const departments = Array.from({ length: options.departments ?? 24 }, (_, i) => ({
      key: `dept${i}`,
      kind: 'department' as const,
      name: `测试市第${i + 1}局`,
      uscc: makeUscc('1', '1', '350100', `0031${String(i + 1).padStart(4, '0')}`),
      regionCode: '350100',
      parentKey: 'gov',
    }));
    await seedIdentity(platform.identity, {
      orgs: [{ key: 'gov', kind: 'department', name: '测试市人民政府', uscc: gov, regionCode: '350100' }, ...departments],
      staff: [
        { username: 'bench.admin', displayName: '压测系统管理员', orgKey: 'gov', roles: ['system-admin'], password: BENCH_PASSWORD },
        { username: 'bench.target', displayName: '压测对象', orgKey: 'dept0', roles: ['dept-staff'], password: BENCH_PASSWORD },
      ],
      citizens: [],
      agents: [],
    });
    if (!(await findOrgByUscc(platform.identity, gov))) throw new Error('seeding failed');

    await platform.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (platform.app.server.address() as AddressInfo).port;
    const baseUrl = `http://127.0.0.1:${port}`;

    const login = await call<{ token: string; mfa: string }>(baseUrl, 'POST', '/api/v1/auth/login', {
      username: 'bench.admin',
      password: BENCH_PASSWORD,
      mode: 'bearer',
    });
    if (login.mfa !== 'enroll') throw new Error(`expected TOTP enrolment, got mfa=${login.mfa}`);
    const { secret } = await call<{ secret: string }>(baseUrl, 'POST', '/api/v1/auth/totp/enroll', undefined, login.token);
    const act = await call<{ mfa: string }>(baseUrl, 'POST', '/api/v1/auth/totp/activate', { code: currentTotp(secret, new Date()) }, login.token);
    if (act.mfa !== 'done') throw new Error(`TOTP activation: mfa=${act.mfa}`);
    const { key } = await call<{ key: string }>(baseUrl, 'POST', '/api/v1/auth/api-keys', { name: 'bench' }, login.token);
    const users = await call<{ items: Array<{ id: string; username: string }> }>(baseUrl, 'GET', '/api/v1/users?limit=10&kind=staff', undefined, login.token);
    const target = users.items.find((u) => u.username === 'bench.target');
    if (!target) throw new Error('bench.target not listed');
    return { platform, baseUrl, port, token: login.token, apiKey: key, targetUserId: target.id, dataDir, dbFile, close };
  } catch (e) {
    await close();
    throw e;
  }
}
