/**
 * Nodes as separate processes, through the CLI (run with tsx, so no build is needed): `node init`,
 * `center approve`, `node --config`, a call from a local system, `node evidence` on both sides and
 * `verify-evidence`, which fails once one byte of the bundle changes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H } from '../src/exchange/protocol/messages.js';
import { makeUscc } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, seedBasics, staffBrowser, type Browser, type TestPlatform } from './helpers.js';
import { freePort } from './exchange-fixture.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', path.resolve('src/cli/main.ts')];
const PURPOSE = '社会救助资格核验';

describe.each(DIALECTS)('exchange nodes as processes through the CLI (%s)', (dialect) => {
  let p: TestPlatform;
  let sys: Browser;
  let centerUrl = '';
  let backend: http.Server;
  const children: ChildProcess[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-cli-nodes-'));
  const PROVIDER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00310001')}`;
  const CONSUMER = `CN-DEMO/GOV/${makeUscc('1', '1', '350100', '00310002')}`;
  const SERVICE = `${PROVIDER}/hukou/persons`;
  let env: NodeJS.ProcessEnv;
  let consumerKey = '';
  let consumerClientUrl = '';

  const cli = (args: string[]) => run(process.execPath, [...CLI, ...args], { env, cwd: process.cwd() });

  async function startNodeProcess(config: string): Promise<string> {
    const child = spawn(process.execPath, [...CLI, 'node', '--config', config], { env: { ...env, ZT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node did not start: ${out}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /client side: (http:\/\/[^/\s]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => reject(new Error(`node exited ${code}: ${out}`)));
    });
  }

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    p.clock.set(new Date());
    await seedBasics(p);
    sys = (await staffBrowser(p, 'sysadmin')).browser;
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    centerUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    env = { ...process.env, ZT_DB_URL: p.config.dbUrl, ZT_KEY_DIR: p.config.keyDir, ZT_DATA_DIR: p.config.dataDir, ZT_PASSWORD_COST: '1024' };
    backend = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, name: '李四' })));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    for (const [id, name] of [
      [PROVIDER, '测试市公安局'],
      [CONSUMER, '测试市市场监督管理局'],
    ] as const) {
      expect((await sys.request('POST', '/api/v1/exchange/members', { memberClass: 'GOV', memberCode: id.split('/')[2], name })).statusCode).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    backend?.close();
    await p?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers, approves, runs two node processes and proves a call with evidence from both sides', async () => {
    const fingerprint = (await p.app.inject({ url: '/api/v1/exchange/center' })).json().fingerprint as string;
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const init = async (name: string, member: string, subsystem: string, suite: string, cp: number, sp: number, extra: string[] = []) => {
      const { stdout } = await cli([
        'node',
        'init',
        '--center',
        centerUrl,
        '--member',
        member,
        '--subsystem',
        subsystem,
        '--dir',
        path.join(dir, name),
        '--suite',
        suite,
        '--client-port',
        String(cp),
        '--server-port',
        String(sp),
        '--center-fingerprint',
        fingerprint,
        ...extra,
      ]);
      const id = /registration submitted: (\S+)/.exec(stdout)![1]!;
      const key = /\(shown once\): (\S+)/.exec(stdout)![1]!;
      return { id, key, config: path.join(dir, name, 'node.json') };
    };
    const provider = await init('provider', PROVIDER, 'hukou', 'sm2', ports[0]!, ports[1]!, [
      '--service',
      `persons=http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
    ]);
    const consumer = await init('consumer', CONSUMER, 'license', 'ed25519', ports[2]!, ports[3]!);
    consumerKey = consumer.key;

    const wrong = await cli([
      'node',
      'init',
      '--center',
      centerUrl,
      '--member',
      PROVIDER,
      '--subsystem',
      'x',
      '--dir',
      path.join(dir, 'evil'),
      '--center-fingerprint',
      'ab'.repeat(32),
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(wrong).toMatchObject({ code: 2 });
    expect((wrong as { stderr: string }).stderr).toContain('EXCHANGE_CENTER_UNTRUSTED');

    for (const n of [provider, consumer]) {
      const { stdout } = await cli(['center', 'approve', n.id]);
      expect(stdout).toContain(`approved ${n.id}`);
    }
    expect((await sys.request('POST', '/api/v1/exchange/services', { subsystemId: `${PROVIDER}/hukou`, code: 'persons', title: '户籍人口' })).statusCode).toBe(
      201,
    );
    const grant = await sys.request('POST', '/api/v1/exchange/access-rights', {
      consumer: `${CONSUMER}/license`,
      service: SERVICE,
      endpoints: [],
      fields: ['name'],
      purpose: PURPOSE,
      // The center's clock is the test's manual clock, set at the start: on a busy machine the CLI
      // calls above take long enough that "a minute ago" by the wall clock is after it.
      validFrom: new Date(p.clock.now().getTime() - 60_000).toISOString(),
      validUntil: null,
    });
    expect(grant.statusCode).toBe(201);

    await startNodeProcess(provider.config);
    consumerClientUrl = await startNodeProcess(consumer.config);
    const res = await fetch(`${consumerClientUrl}/r1/${SERVICE}/persons/7?full=1`, {
      headers: { [H.client]: `${CONSUMER}/license`, 'x-api-key': consumerKey, [H.purpose]: encodeURIComponent(PURPOSE), [H.id]: 'cli-msg-1' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: '李四' });

    for (const [name, config] of [
      ['consumer', consumer.config],
      ['provider', provider.config],
    ] as const) {
      const file = path.join(dir, `${name}-evidence.json`);
      await cli(['node', '--config', config, 'evidence', 'cli-msg-1', '--out', file]);
      const ok = await cli(['verify-evidence', file]);
      expect(ok.stdout).toContain('evidence valid');
      const text = fs.readFileSync(file, 'utf8');
      const i = text.indexOf('"purpose": "') + '"purpose": "'.length;
      fs.writeFileSync(file, text.slice(0, i) + '他' + text.slice(i + 1));
      const bad = await cli(['verify-evidence', file]).catch((e: { code: number; stdout: string }) => e);
      expect(bad).toMatchObject({ code: 1 });
      expect((bad as { stdout: string }).stdout).toContain('evidence INVALID');
    }
  }, 420_000);
});
