import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../src/core/crypto/index.js';
import { openDatabase } from '../src/core/db/database.js';
import { buildDemoCity, DEMO_NODE_DEPARTMENTS, DEMO_PASSWORD, demoEnterprises, demoRecipients, seedDemoCity } from '../src/demo/index.js';
import { exportEvidence, loadNodeConfig, MessageLog, nodeFiles, verifyEvidence, type SignedGlobalConf } from '../src/exchange/index.js';
import { currentTotp } from '../src/identity/index.js';
import { validateIdentifier } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

describe('the demo city data', () => {
  const { seed } = buildDemoCity();

  it('has about ten departments with valid government USCCs under the city government', () => {
    const departments = seed.orgs.filter((o) => o.kind === 'department');
    expect(departments.length).toBeGreaterThanOrEqual(10);
    for (const name of ['公安局', '市场监督管理局', '自然资源和规划局', '民政局', '人力资源和社会保障局', '卫生健康委员会', '税务局', '政务服务数据管理局']) {
      expect(departments.some((d) => d.name.endsWith(name))).toBe(true);
    }
    for (const d of departments) {
      expect(validateIdentifier('uscc', d.uscc).valid).toBe(true);
      expect(d.uscc.startsWith('11')).toBe(true);
      expect(validateIdentifier('division', d.regionCode).valid).toBe(true);
    }
  });

  it('has 1,000 distinct citizens and 200 distinct enterprises with valid identifiers on real division codes', () => {
    expect(new Set(seed.citizens.map((c) => c.idNumber)).size).toBe(1000);
    for (const c of seed.citizens) {
      const r = validateIdentifier('citizen-id', c.idNumber, { today: '2026-11-28' });
      expect(r.valid, c.idNumber).toBe(true);
      expect(r.valid && r.parsed.regionInTable).toBe(true);
    }
    const enterprises = seed.orgs.filter((o) => o.kind === 'enterprise');
    expect(new Set(enterprises.map((e) => e.uscc)).size).toBe(200);
    for (const e of enterprises) expect(validateIdentifier('uscc', e.uscc).valid, e.uscc).toBe(true);
  });

  it('is the same on every run', () => {
    expect(buildDemoCity().seed).toEqual(seed);
  });
});

describe.each(DIALECTS)('seeding the demo city (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform(dialect);
  });
  afterAll(async () => p.destroy());

  it('seeds once and is idempotent', async () => {
    const first = await seedDemoCity(p, { citizens: 50, enterprises: 10 });
    expect(first.added).toEqual({ orgs: 21, staff: 34, citizens: 50, agents: 1 });
    const second = await seedDemoCity(p, { citizens: 50, enterprises: 10 });
    expect(second.added).toEqual({ orgs: 0, staff: 0, citizens: 0, agents: 0 });
    const login = await p.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'sysadmin', password: 'Zt@demo2026' } });
    expect(login.json().mfa).toBe('enroll');
  });
});

/** `zhengtong demo` as a real process (sources through tsx) on a fresh data folder. */
function startDemo(dataDir: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'demo', '--port', '0'], {
    env: { ...process.env, ZT_DATA_DIR: dataDir, ZT_LOG_LEVEL: 'warn', ZT_PASSWORD_COST: '1024' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start its nodes:\n${out}`)), 150_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('both nodes log and sign each call')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${out}`)));
  });
}

/** Runs one of the printed curl lines with fetch (same headers, same URL). */
async function runCurl(line: string, messageId: string): Promise<{ status: number; body: Record<string, unknown>; requestHash: string | null }> {
  const headers: Record<string, string> = { 'x-road-id': messageId };
  for (const m of line.matchAll(/-H '([^:]+): ([^']*)'/g)) headers[m[1]!.toLowerCase()] = m[2]!;
  const url = /'(http:\/\/[^']+)'$/.exec(line.trim())![1]!;
  const body = /-d '([^']*)'/.exec(line)?.[1];
  const r = await fetch(url, { headers, method: /-X POST/.test(line) ? 'POST' : 'GET', ...(body ? { body } : {}) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, requestHash: r.headers.get('x-road-request-hash') };
}

/** The evidence bundle of a message from a node's own folder (what `zhengtong node evidence` exports), checked offline. */
async function evidenceOf(nodeDir: string, messageId: string, role: 'consumer' | 'provider') {
  const config = loadNodeConfig(path.join(nodeDir, 'node.json'));
  const files = nodeFiles(config.dataDir);
  const { suite } = await readKeyFile(files.signingKey);
  const database = await openDatabase(config.dbUrl);
  try {
    const bundle = await exportEvidence(new MessageLog(database.db, suite, files.bodies), {
      nodeId: config.nodeId,
      messageId,
      role,
      center: config.center,
      globalConf: JSON.parse(fs.readFileSync(files.globalConf, 'utf8')) as SignedGlobalConf,
      now: new Date(),
    });
    return { nodeId: config.nodeId, bundle, check: bundle ? verifyEvidence(bundle) : undefined };
  } finally {
    await database.close();
  }
}

/** A staff member of the running demo signed in with a full session (TOTP enrolled), sending the CSRF token. */
async function demoStaffSession(platformUrl: string, username: string) {
  let cookie = '';
  let csrf = '';
  const call = async (method: string, route: string, body?: unknown) => {
    const r = await fetch(`${platformUrl}${route}`, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(csrf && method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = /zt_session=([^;]*)/.exec(r.headers.get('set-cookie') ?? '');
    if (set) cookie = `zt_session=${set[1]!}`;
    const json = (r.headers.get('content-type') ?? '').includes('json') ? ((await r.json()) as Record<string, unknown>) : {};
    if (typeof json.csrfToken === 'string') csrf = json.csrfToken;
    return { status: r.status, json };
  };
  expect((await call('POST', '/api/v1/auth/login', { username, password: DEMO_PASSWORD })).status).toBe(200);
  const secret = (await call('POST', '/api/v1/auth/totp/enroll')).json.secret as string;
  expect((await call('POST', '/api/v1/auth/totp/activate', { code: currentTotp(secret, new Date()) })).status).toBe(200);
  return call;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!DIALECTS.includes('sqlite'))('zhengtong demo with department nodes (separate processes, sqlite)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-demo-nodes-'));
  let demo: { child: ChildProcess; output: () => string } | undefined;

  const stopDemo = async () => {
    const child = demo!.child;
    const nodePids = execFileSync('pgrep', ['-f', `${dataDir}/exchange-demo`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    expect(nodePids.length).toBe(DEMO_NODE_DEPARTMENTS.length);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    demo = undefined;
    // No orphans: every node process went with the demo.
    for (let i = 0; i < 50 && nodePids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(nodePids.filter(alive)).toEqual([]);
  };

  afterAll(() => {
    demo?.child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the nodes, carries real calls both ways with evidence on both nodes, and reuses them after a restart', async () => {
    demo = await startDemo(dataDir);
    const curls = demo.output().match(/^ {2}curl .*$/gm)!;
    expect(curls).toHaveLength(6);
    const [mzToScjg, scjgToMz, scjgToGaj, mzToGaj, mzSubscribes, mzPulls] = curls as [string, string, string, string, string, string];

    // 民政局 → 市场监督管理局: the enterprise register answers through both nodes.
    const first = await runCurl(mzToScjg, 'demo-test-call-1');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual(demoEnterprises()[0]);
    // 市场监督管理局 → 民政局.
    const second = await runCurl(scjgToMz, 'demo-test-call-2');
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.idNumber).toBe(demoRecipients()[0]!.idNumber);
    // 市场监督管理局 → 公安局: the population registry's lookup, only the granted attributes.
    const citizen = buildDemoCity({ citizens: 1, enterprises: 0 }).seed.citizens[0]!;
    const lookup = await runCurl(scjgToGaj, 'demo-test-call-5');
    expect(lookup.status, JSON.stringify(lookup.body)).toBe(200);
    expect(Object.keys(lookup.body).sort()).toEqual(['birthDate', 'idNumber', 'name', 'sex']);
    expect(lookup.body).toMatchObject({ idNumber: citizen.idNumber, name: citizen.name });
    // 民政局 → 公安局: verification, match / no-match per attribute.
    const verified = await runCurl(mzToGaj, 'demo-test-call-6');
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(Object.keys(verified.body).sort()).toEqual(['birthDate', 'maritalStatus', 'name']);
    expect(verified.body).toMatchObject({ name: 'match', birthDate: 'match' });

    // 民政局 subscribes to the population registry's change events; its own write of a marital status comes back as one event.
    const subscribed = await runCurl(mzSubscribes, 'demo-test-subscribe');
    expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
    const platformUrl = /平台 platform: +(http:\/\/[^/\s]+)/.exec(demo.output())![1]!;
    const mzStaff = await demoStaffSession(platformUrl, 'mz.staff1');
    const record = await mzStaff('GET', `/api/v1/registries/population/records/${citizen.idNumber}?purpose=${encodeURIComponent('演示测试')}`);
    expect(record.status).toBe(200);
    const marital = (record.json.attributes as Record<string, string | null>).maritalStatus === '40' ? '20' : '40';
    const written = await mzStaff('PATCH', `/api/v1/registries/population/records/${citizen.idNumber}`, {
      attributes: { maritalStatus: marital },
      reason: '婚姻登记（演示测试）',
    });
    expect(written.status, JSON.stringify(written.json)).toBe(200);
    let pulled = await runCurl(mzPulls, 'demo-test-pull');
    for (let i = 0; i < 300 && pulled.status === 404; i++) {
      await new Promise((r) => setTimeout(r, 200));
      pulled = await runCurl(mzPulls, 'demo-test-pull');
    }
    expect(pulled.status, JSON.stringify(pulled.body)).toBe(200);
    expect(pulled.body).toMatchObject({
      eventType: 'population.changed',
      event: { registry: 'population', recordKey: citizen.idNumber, change: 'update', attributes: ['maritalStatus'] },
    });
    expect(JSON.stringify(pulled.body)).not.toContain(`"${marital}"`);

    // Evidence on both sides: the same signed request in the consumer's and the provider's log, each bundle verifying offline.
    const root = path.join(dataDir, 'exchange-demo');
    const consumer = await evidenceOf(path.join(root, 'mz'), 'demo-test-call-1', 'consumer');
    const provider = await evidenceOf(path.join(root, 'scjg'), 'demo-test-call-1', 'provider');
    expect(consumer.check?.ok, JSON.stringify(consumer.check)).toBe(true);
    expect(provider.check?.ok, JSON.stringify(provider.check)).toBe(true);
    expect(consumer.bundle!.record.request_hash).toBe(first.requestHash);
    expect(provider.bundle!.record.request_hash).toBe(first.requestHash);
    expect(provider.bundle!.record).toMatchObject({ consumer_node: consumer.nodeId, provider_node: provider.nodeId, outcome: 'ok' });

    // A purpose other than the granted one is refused by the provider and logged there as denied.
    const refused = await runCurl(mzToScjg.replace(/X-Road-Purpose: [^']*/, `X-Road-Purpose: ${encodeURIComponent('其他目的')}`), 'demo-test-call-3');
    expect(refused.status).toBe(403);
    expect((await evidenceOf(path.join(root, 'scjg'), 'demo-test-call-3', 'provider')).bundle!.record.outcome).toBe('denied');

    const nodeIds = DEMO_NODE_DEPARTMENTS.map((d) => JSON.parse(fs.readFileSync(path.join(root, d.key, 'node.json'), 'utf8')).nodeId as string);
    await stopDemo();

    // A restart on the same data folder reuses the registered nodes (same ids, keys and client ports) and calls work again.
    demo = await startDemo(dataDir);
    const again = demo.output().match(/^ {2}curl .*$/gm)!;
    expect(again).toEqual(curls);
    expect(DEMO_NODE_DEPARTMENTS.map((d) => JSON.parse(fs.readFileSync(path.join(root, d.key, 'node.json'), 'utf8')).nodeId)).toEqual(nodeIds);
    expect((await runCurl(again[0]!, 'demo-test-call-4')).status).toBe(200);
    await stopDemo();
  }, 400_000);
});
