/**
 * What the exchange tests share: a free loopback port, the platform as exchange center on a real
 * port, members registered through the API, and department nodes initialised against it
 * (`zhengtong node init`'s function), approved by the system admin, with their own database.
 */
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Dialect } from '../src/core/db/database.js';
import { seedDemoCity, startDemoExchange, type DemoExchange, type RunningDemoNode } from '../src/demo/index.js';
import { initNode, type InitNodeInput } from '../src/exchange/index.js';
import { createTestDatabase, createTestPlatform, seedBasics, staffBrowser, type Browser, type TestDatabase, type TestPlatform } from './helpers.js';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The center as nodes see it: where to reach it, the fingerprint they pin, and its system admin. */
export interface TestCenter {
  url: string;
  fingerprint: string;
  sys: Browser;
}

/**
 * The platform on a loopback port, seeded (default `seedBasics`), on real time (node certificates
 * and signatures use it), with the system admin signed in.
 */
export async function startTestCenter(dialect: Dialect, seed: (p: TestPlatform) => Promise<unknown> = seedBasics): Promise<TestCenter & { p: TestPlatform }> {
  const p = await createTestPlatform(dialect);
  p.clock.set(new Date());
  await seed(p);
  const sys = (await staffBrowser(p, 'sysadmin')).browser;
  await p.app.listen({ port: 0, host: '127.0.0.1' });
  const fingerprint = (await p.app.inject({ url: '/api/v1/exchange/center' })).json().fingerprint as string;
  return { p, sys, url: `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`, fingerprint };
}

/** Registers each `[INSTANCE/CLASS/MEMBER, name]` as a member (class GOV). */
export async function registerMembers(sys: Browser, members: ReadonlyArray<readonly [string, string]>): Promise<void> {
  for (const [id, name] of members) {
    const r = await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: id.split('/')[2], name });
    expect(r.statusCode, r.body).toBe(201);
  }
}

/** Folders and node databases made by `prepareNode`, removed by `cleanUp`. */
export class NodeLeftovers {
  readonly dirs: string[] = [];
  readonly dbs: TestDatabase[] = [];
  async cleanUp(): Promise<void> {
    for (const db of this.dbs) await db.drop();
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

export interface PreparedNode {
  dir: string;
  nodeId: string;
  configFile: string;
  apiKeys: Record<string, string>;
  /** node.json as written by init, with `logLevel: silent` and, on PostgreSQL, the node's own database. */
  raw: Record<string, unknown>;
  approve(): Promise<void>;
}

/**
 * A node initialised against the center (ephemeral client port, a free server port), approved
 * unless `approve: false` (then `approve()` later). On PostgreSQL the node gets a database of its
 * own. Nothing is started: `startNode(parseNodeConfig(prepared.raw, prepared.dir))`.
 */
export async function prepareNode(
  center: TestCenter,
  leftovers: NodeLeftovers,
  spec: Pick<InitNodeInput, 'memberId' | 'subsystems' | 'services' | 'encryptBodies'> & {
    name: string;
    suite?: InitNodeInput['suite'];
    dialect?: Dialect;
    approve?: boolean;
  },
): Promise<PreparedNode> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `zt-node-${spec.name}-`));
  leftovers.dirs.push(dir);
  const init = await initNode({
    centerUrl: center.url,
    memberId: spec.memberId,
    subsystems: spec.subsystems,
    dir,
    suite: spec.suite ?? 'ed25519',
    host: '127.0.0.1',
    clientPort: 0,
    serverPort: await freePort(),
    centerFingerprint: center.fingerprint,
    ...(spec.services ? { services: spec.services } : {}),
    ...(spec.encryptBodies !== undefined ? { encryptBodies: spec.encryptBodies } : {}),
  });
  const raw = JSON.parse(fs.readFileSync(init.configFile, 'utf8')) as Record<string, unknown>;
  raw.logLevel = 'silent';
  if (spec.dialect === 'postgres') {
    const db = await createTestDatabase('postgres');
    leftovers.dbs.push(db);
    raw.dbUrl = db.url;
  }
  const approve = async () => {
    const r = await center.sys.request('POST', `/api/v1/exchange/registrations/${init.nodeId}/approve`);
    expect(r.statusCode, r.body).toBe(200);
  };
  if (spec.approve !== false) await approve();
  return { dir, nodeId: init.nodeId, configFile: init.configFile, apiKeys: init.apiKeys, raw, approve };
}

/**
 * The demo city (20 citizens, 3 enterprises) on a loopback port with its department nodes started
 * in this process, on real time: what the demo runs, for tests of the registries on the exchange.
 */
export async function startDemoCityExchange(
  dialect: Dialect,
  dataDir: string,
): Promise<{ p: TestPlatform; platformUrl: string; exchange: DemoExchange; nodes: Record<'gaj' | 'mz' | 'scjg', RunningDemoNode> }> {
  const p = await createTestPlatform(dialect);
  p.clock.set(new Date());
  await seedDemoCity(p, { citizens: 20, enterprises: 3 });
  await p.app.listen({ port: 0, host: '127.0.0.1' });
  const platformUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
  const exchange = await startDemoExchange(p, { centerUrl: platformUrl, dataDir, inProcess: true, logLevel: 'silent' });
  const nodes = Object.fromEntries(exchange.nodes.map((n) => [n.key, n])) as Record<'gaj' | 'mz' | 'scjg', RunningDemoNode>;
  return { p, platformUrl, exchange, nodes };
}
