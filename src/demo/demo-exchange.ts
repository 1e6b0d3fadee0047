/**
 * The demo's exchange: real department nodes as separate processes against the platform's own
 * exchange center. On first start each demo department is registered as a member, its node is
 * initialised (keys in the data folder), registered and approved, its service is listed in the
 * center, and the departments apply through the catalog for each other's resources (无条件共享 is
 * granted at once, 有条件共享 is approved by the provider), which grants the access rights. On
 * later starts what exists is reused. Each node runs in its own child process with its
 * department's backend system behind it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_ACTOR, type Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import { applyForResource, decideApplication, importResources, listApplications, listResources, type DataItem } from '../catalog/index.js';
import { initNode, type ExchangeNode } from '../exchange/index.js';
import { createApiKey, findOrgByUscc, listUsers } from '../identity/index.js';
import type { Platform } from '../platform.js';
import { POPULATION, RegistryChangeSchema, type RegistryEventPublisher } from '../registries/index.js';
import { buildDemoCity, DEMO_CITY } from './demo-city.js';
import { demoEnterprises, demoRecipients } from './demo-backends.js';
import { runDemoNode, type DemoNodeParts } from './demo-node.js';

/** What a demo node's process is told to run besides the node (`demo-node.json` in its folder). */
export interface DemoNodeSpec {
  key: string;
  /** The platform's address now (with `--port 0` it differs from the one in node.json). */
  centerUrl: string;
  backend: 'enterprises' | 'recipients' | 'registry';
  serviceCode: string;
  logLevel: string;
  /** The registry adapter's platform address and service credential (backend `registry`). */
  platformUrl?: string;
  platformApiKey?: string;
  registry?: string;
  /** The registry's change events the node declares and the publisher beside it publishes (backend `registry`). */
  events?: { eventType: string; nodeApiKey: string; pollIntervalMs?: number };
}

interface DemoDepartment {
  key: 'gaj' | 'scjg' | 'mz';
  subsystem: string;
  service: { code: string; title: string; backend: DemoNodeSpec['backend'] };
  /** An event type the department publishes (a service of its subsystem at the center). */
  events?: { code: string; title: string };
}

/** The departments that get a node: each provides one service and consumes the others'. */
export const DEMO_NODE_DEPARTMENTS: readonly DemoDepartment[] = [
  {
    key: 'gaj',
    subsystem: 'population',
    service: { code: 'persons', title: '人口基础信息查询与核验', backend: 'registry' },
    events: { code: 'population.changed', title: '人口基础信息变更事件' },
  },
  { key: 'scjg', subsystem: 'registry', service: { code: 'entities', title: '市场主体登记查询', backend: 'enterprises' } },
  { key: 'mz', subsystem: 'relief', service: { code: 'recipients', title: '最低生活保障对象查询', backend: 'recipients' } },
];

/** Who may call whom, for what (the purpose the catalog application states and the call must send). */
export const DEMO_GRANTS: ReadonlyArray<{ consumer: DemoDepartment['key']; provider: DemoDepartment['key']; purpose: string; items?: string[] }> = [
  { consumer: 'mz', provider: 'scjg', purpose: '社会救助家庭经济状况核对' },
  { consumer: 'scjg', provider: 'mz', purpose: '个体工商户登记费用减免核对' },
  { consumer: 'mz', provider: 'gaj', purpose: '最低生活保障申请人身份核验', items: ['idNumber', 'name', 'birthDate', 'maritalStatus'] },
  { consumer: 'scjg', provider: 'gaj', purpose: '企业开办核验法定代表人身份', items: ['idNumber', 'name', 'sex', 'birthDate'] },
];

/** Who subscribes to which department's events, for what (through a catalog application, like the calls). */
export const DEMO_EVENT_GRANTS: ReadonlyArray<{ consumer: DemoDepartment['key']; provider: DemoDepartment['key']; purpose: string }> = [
  { consumer: 'mz', provider: 'gaj', purpose: '最低生活保障对象家庭状况变化核对' },
];

export interface RunningDemoNode {
  key: string;
  name: string;
  memberId: string;
  subsystemId: string;
  serviceId: string;
  apiKey: string;
  clientUrl: string;
  serverUrl: string;
  /** The event type service the department publishes (`INSTANCE/CLASS/MEMBER/SUBSYSTEM/{eventType}`). */
  eventServiceId?: string;
  /** The node itself when it runs in this process (`inProcess`). */
  node?: ExchangeNode;
  /** Its registry event publisher when it runs in this process (`inProcess`). */
  events?: RegistryEventPublisher;
}

export interface DemoExchange {
  nodes: RunningDemoNode[];
  /** A ready-to-run cross-department call (民政局 → 市场监督管理局). */
  exampleCurl: string;
  /** Stops the node processes (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

interface NodeState {
  nodeId: string;
  apiKey: string;
  /** The registry adapter's service credential on the platform (registry departments). */
  platformApiKey?: string;
}

const ADMIN: Actor = { type: 'system', name: 'demo:exchange-setup', roles: ['system-admin'] };
const CTX = { requestId: 'demo:exchange-setup' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const ignoring =
  (...codes: string[]) =>
  (e: unknown) => {
    if (!(e instanceof AppError && codes.includes(e.code))) throw e;
  };

/** A department's first staff member as an actor (the demo files the catalog applications in their name). */
async function staffActor(platform: Platform, key: string, n = 1): Promise<Actor> {
  const username = `${key}.staff${n}`;
  const found = (await listUsers(platform.identity, ADMIN, { kind: 'staff', q: username, limit: 5, offset: 0 })).items.find((u) => u.username === username);
  if (!found?.orgId) throw new AppError('NOT_FOUND', `演示账号 ${username} 不存在 (demo account missing)`);
  return { type: 'staff', id: found.id, name: found.username, orgId: found.orgId, roles: found.roles };
}

/** Registers, initialises and approves one department's node, or reuses the one in `dir`. */
async function ensureNode(platform: Platform, centerUrl: string, dir: string, memberId: string, d: DemoDepartment): Promise<NodeState> {
  const stateFile = path.join(dir, 'demo-state.json');
  if (fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as NodeState;
    const reg = await platform.exchange.getRegistration(state.nodeId).catch(ignoring('EXCHANGE_REGISTRATION_NOT_FOUND'));
    if (reg) {
      if (reg.status === 'pending') await platform.exchange.approveRegistration(ADMIN, CTX, reg.id);
      if (reg.status !== 'rejected') return state;
    }
    // The platform's database was replaced: this node belongs to another center. Start afresh.
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const init = await initNode({
    centerUrl,
    memberId,
    subsystems: [d.subsystem],
    dir,
    suite: 'ed25519',
    host: '127.0.0.1',
    clientPort: await freePort(),
    serverPort: await freePort(),
    centerFingerprint: platform.keys.fingerprint,
  });
  await platform.exchange.approveRegistration(ADMIN, CTX, init.nodeId);
  const state: NodeState = { nodeId: init.nodeId, apiKey: init.apiKeys[d.subsystem]! };
  fs.writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  return state;
}

/** The registry adapter's credential: an API key of the registry department's second staff account (once). */
async function ensureAdapterKey(platform: Platform, dir: string, state: NodeState, key: string): Promise<NodeState> {
  if (state.platformApiKey) return state;
  const owner = await staffActor(platform, key, 2);
  const created = await createApiKey(platform.identity, owner, CTX, '基础信息库交换适配器 / registry exchange adapter');
  const next = { ...state, platformApiKey: created.key };
  fs.writeFileSync(path.join(dir, 'demo-state.json'), JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  return next;
}

/** What a demo catalog resource says beyond its fixed parts (class 101 人口, 无条件共享, by interface). */
interface LinkedResource {
  name: string;
  abstract: string;
  items: DataItem[];
  keywords: string[];
  link: { ref: string; title: string };
}

/**
 * Lists a population-registry resource in the catalog (人口, class 101, so 无条件共享), served by the
 * exchange service or event type `resource.link.ref` — once: nothing is written when a published
 * resource of the provider already links to it.
 */
async function ensureLinkedResource(platform: Platform, providerOrgId: string, resource: LinkedResource): Promise<void> {
  const provider: Actor = { ...SYSTEM_ACTOR, name: 'demo:exchange-setup', orgId: providerOrgId };
  const reader: Actor = { type: 'staff', name: 'demo:exchange-setup', orgId: providerOrgId, roles: ['dept-staff'] };
  const published = await listResources(platform.catalog, reader, { scope: 'mine', status: 'published', limit: 500, offset: 0 });
  if (published.items.some((r) => r.links.some((l) => l.kind === 'service' && l.ref === resource.link.ref))) return;
  const result = await importResources(
    platform.catalog,
    provider,
    CTX,
    [
      {
        row: 1,
        providerOrgId,
        input: {
          classCode: '101',
          name: resource.name,
          abstract: resource.abstract,
          formatType: 'database',
          items: resource.items,
          shareType: 'unconditional',
          shareMethods: ['interface'],
          openType: 'closed',
          updateCycle: 'realtime',
          keywords: resource.keywords,
          maintainer: '人口基础信息库管理岗',
          links: [{ kind: 'service', ...resource.link }],
        },
      },
    ],
    { publish: true },
  );
  if (result.created !== 1)
    throw new AppError('VALIDATION_FAILED', `资源“${resource.name}”未能编目 (the resource was not catalogued): ${JSON.stringify(result)}`);
}

/**
 * Lists the population registry in the catalog as a base-registry resource whose data items are
 * the registry's attributes, served by `serviceId` (once).
 */
export function ensurePopulationResource(platform: Platform, providerOrgId: string, serviceId: string): Promise<void> {
  return ensureLinkedResource(platform, providerOrgId, {
    name: `${POPULATION.name.zh}（查询与核验服务）`,
    abstract: '人口基础信息库经交换体系提供的查询、核验（逐项比对）与变更历史服务；访问记入消费部门名下，本人可在“我的数据”查看。',
    items: POPULATION.attributes.map((a) => ({
      name: a.label.zh,
      field: a.name,
      type: a.type === 'date' ? 'D' : 'C',
      length: a.type === 'date' ? null : (a.maxLength ?? 40),
      element: null,
    })),
    keywords: ['人口', '身份核验', '基础信息库'],
    link: { ref: serviceId, title: '人口基础信息查询与核验服务' },
  });
}

/**
 * Lists the population registry's change events in the catalog: the event fields as data items,
 * served by the event type `eventServiceId` (once). A department that applies gets the access
 * right to subscribe; events carry attribute names, never values.
 */
export function ensurePopulationEventsResource(platform: Platform, providerOrgId: string, eventServiceId: string): Promise<void> {
  const labels: Record<string, string> = {
    registry: '基础信息库',
    recordKey: '记录键（公民身份号码）',
    seq: '变更条目序号',
    occurredAt: '变更时间',
    change: '变更类型',
    attributes: '变更的属性名',
    sources: '来源部门',
    leafHash: '条目哈希',
  };
  return ensureLinkedResource(platform, providerOrgId, {
    name: `${POPULATION.name.zh}（变更事件）`,
    abstract:
      '人口基础信息库每一次变更经交换体系发布一条事件（population.changed）：记录键、变更的属性名、来源部门、时间和条目哈希，不含属性取值；订阅部门凭授权经查询服务取得本部门可见的取值。',
    items: Object.keys(RegistryChangeSchema.properties).map((field) => ({ name: labels[field] ?? field, field, type: 'C', length: 200, element: null })),
    keywords: ['人口', '变更通知', '基础信息库'],
    link: { ref: eventServiceId, title: '人口基础信息变更事件（发布/订阅）' },
  });
}

/** Applies through the catalog for the provider's resource behind `serviceId` (once). */
async function ensureGrant(
  platform: Platform,
  consumer: Actor,
  provider: Actor,
  serviceId: string,
  consumerSubsystem: string,
  purpose: string,
  items: string[] | undefined,
) {
  const published = (await listResources(platform.catalog, provider, { scope: 'mine', status: 'published', limit: 500, offset: 0 })).items;
  const resource = published.find((r) => r.links.some((l) => l.kind === 'service' && l.ref === serviceId));
  if (!resource) throw new AppError('NOT_FOUND', `目录中没有关联服务 ${serviceId} 的资源 (no catalog resource for the service)`);
  const mine = (await listApplications(platform.catalog, consumer, { direction: 'out', status: 'approved', limit: 500, offset: 0 })).items;
  if (mine.some((a) => a.resource.id === resource.id && a.consumerSubsystem === consumerSubsystem && a.purpose === purpose)) return;
  const applied = await applyForResource(platform.catalog, consumer, CTX, resource.id, {
    consumerSubsystem,
    purpose,
    legalBasis: '演示：《政务信息资源共享管理暂行办法》',
    items: items ?? resource.items.map((i) => i.field),
  });
  if (applied.status === 'pending') await decideApplication(platform.catalog, provider, CTX, applied.id, { decision: 'approve' });
}

function startChild(
  script: string,
  dir: string,
  key: string,
  log: (line: string) => void,
): Promise<{ child: ChildProcess; clientUrl: string; serverUrl: string }> {
  // execArgv carries a TypeScript loader when the demo runs from the sources (npm run dev, tests).
  const child = spawn(process.execPath, [...process.execArgv, script, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`节点 ${key} 未在 60 秒内启动 (node did not start)\n${err}`));
    }, 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          const msg = JSON.parse(line) as { ready?: boolean; clientUrl: string; serverUrl: string };
          if (msg.ready) {
            clearTimeout(timer);
            resolve({ child, clientUrl: msg.clientUrl, serverUrl: msg.serverUrl });
            continue;
          }
        } catch {
          // not the ready line
        }
        log(`[${key}] ${line}\n`);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      log(chunk.toString().replace(/^(?=.)/gm, `[${key}] `));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`节点 ${key} 已退出 (node exited with ${code})\n${err}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Sets up (first start) or reuses (later starts) the demo departments' nodes and starts each as a
 * child process. `centerUrl` is the platform's own address, already listening.
 *
 * @example const exchange = await startDemoExchange(platform, { centerUrl: 'http://127.0.0.1:8080' });
 */
export async function startDemoExchange(
  platform: Platform,
  options: {
    centerUrl: string;
    dataDir?: string;
    logLevel?: string;
    log?: (line: string) => void;
    /** Run the nodes inside this process instead of child processes (tests). */
    inProcess?: boolean;
  },
): Promise<DemoExchange> {
  const root = path.join(options.dataDir ?? platform.config.dataDir, 'exchange-demo');
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const log = options.log ?? ((l: string) => process.stderr.write(l));
  const { seed } = buildDemoCity({ citizens: 0, enterprises: 0 });
  const instance = platform.config.exchangeInstance;
  const info = new Map<string, { name: string; uscc: string; memberId: string }>();
  for (const d of DEMO_NODE_DEPARTMENTS) {
    const org = seed.orgs.find((o) => o.key === d.key)!;
    if (!(await findOrgByUscc(platform.identity, org.uscc))) throw new AppError('NOT_FOUND', `演示部门 ${org.name} 未生成 (seed the demo city first)`);
    await platform.exchange.createMember(ADMIN, CTX, { memberClass: 'GOV', memberCode: org.uscc, name: org.name }).catch(ignoring('EXCHANGE_MEMBER_EXISTS'));
    info.set(d.key, { name: org.name, uscc: org.uscc, memberId: `${instance}/GOV/${org.uscc}` });
  }

  const states = new Map<string, NodeState>();
  for (const d of DEMO_NODE_DEPARTMENTS) {
    const dir = path.join(root, d.key);
    const state = await ensureNode(platform, options.centerUrl, dir, info.get(d.key)!.memberId, d);
    states.set(d.key, d.service.backend === 'registry' ? await ensureAdapterKey(platform, dir, state, d.key) : state);
  }
  const subsystemOf = (key: string) => `${info.get(key)!.memberId}/${DEMO_NODE_DEPARTMENTS.find((d) => d.key === key)!.subsystem}`;
  const serviceOf = (key: string) => `${subsystemOf(key)}/${DEMO_NODE_DEPARTMENTS.find((d) => d.key === key)!.service.code}`;
  const eventServiceOf = (key: string) => {
    const events = DEMO_NODE_DEPARTMENTS.find((d) => d.key === key)!.events;
    return events ? `${subsystemOf(key)}/${events.code}` : undefined;
  };
  for (const d of DEMO_NODE_DEPARTMENTS)
    for (const s of [d.service, ...(d.events ? [d.events] : [])])
      await platform.exchange
        .createService(ADMIN, CTX, { subsystemId: subsystemOf(d.key), code: s.code, title: s.title })
        .catch(ignoring('EXCHANGE_SERVICE_EXISTS'));
  const actors = new Map<string, Actor>();
  for (const d of DEMO_NODE_DEPARTMENTS) actors.set(d.key, await staffActor(platform, d.key));
  await ensurePopulationResource(platform, actors.get('gaj')!.orgId!, serviceOf('gaj'));
  await ensurePopulationEventsResource(platform, actors.get('gaj')!.orgId!, eventServiceOf('gaj')!);
  for (const g of DEMO_GRANTS)
    await ensureGrant(platform, actors.get(g.consumer)!, actors.get(g.provider)!, serviceOf(g.provider), subsystemOf(g.consumer), g.purpose, g.items);
  for (const g of DEMO_EVENT_GRANTS)
    await ensureGrant(platform, actors.get(g.consumer)!, actors.get(g.provider)!, eventServiceOf(g.provider)!, subsystemOf(g.consumer), g.purpose, undefined);

  const ext = path.extname(fileURLToPath(import.meta.url));
  const script = fileURLToPath(new URL(`./demo-node-main${ext}`, import.meta.url));
  const started: Array<{ child?: ChildProcess; parts?: DemoNodeParts; clientUrl: string; serverUrl: string } | undefined> = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await Promise.all(started.map((s) => (s?.child ? stopChild(s.child) : s?.parts?.close())));
  };
  try {
    await Promise.all(
      DEMO_NODE_DEPARTMENTS.map(async (d, i) => {
        const dir = path.join(root, d.key);
        const spec: DemoNodeSpec = {
          key: d.key,
          centerUrl: options.centerUrl,
          backend: d.service.backend,
          serviceCode: d.service.code,
          logLevel: options.logLevel ?? 'warn',
          ...(states.get(d.key)!.platformApiKey ? { platformApiKey: states.get(d.key)!.platformApiKey!, registry: 'population' } : {}),
          ...(d.events && d.service.backend === 'registry' ? { events: { eventType: d.events.code, nodeApiKey: states.get(d.key)!.apiKey } } : {}),
        };
        fs.writeFileSync(path.join(dir, 'demo-node.json'), JSON.stringify(spec, null, 2) + '\n', { mode: 0o600 });
        if (options.inProcess) {
          const parts = await runDemoNode(dir);
          started[i] = { parts, clientUrl: parts.node.clientUrl, serverUrl: parts.node.serverUrl };
        } else started[i] = await startChild(script, dir, d.key, log);
      }),
    );
  } catch (e) {
    await stop();
    throw e;
  }
  // Unexpected exits after start are reported, not fatal: the platform keeps running.
  started.forEach((s, i) =>
    s!.child?.once('exit', (code) => stopping || log(`[${DEMO_NODE_DEPARTMENTS[i]!.key}] 节点进程意外退出 (node process exited: ${code})\n`)),
  );

  const nodes = DEMO_NODE_DEPARTMENTS.map((d, i) => ({
    key: d.key,
    name: info.get(d.key)!.name,
    memberId: info.get(d.key)!.memberId,
    subsystemId: subsystemOf(d.key),
    serviceId: serviceOf(d.key),
    apiKey: states.get(d.key)!.apiKey,
    clientUrl: started[i]!.clientUrl,
    serverUrl: started[i]!.serverUrl,
    ...(eventServiceOf(d.key) ? { eventServiceId: eventServiceOf(d.key)! } : {}),
    ...(started[i]!.parts ? { node: started[i]!.parts.node } : {}),
    ...(started[i]!.parts?.events ? { events: started[i]!.parts.events } : {}),
  }));
  const mz = nodes.find((n) => n.key === 'mz')!;
  const scjg = nodes.find((n) => n.key === 'scjg')!;
  const exampleCurl = curlOf(mz, scjg, `/${demoEnterprises()[0]!.uscc}`);
  return { nodes, exampleCurl, stop };
}

/** A printable curl command for a call from `from`'s system through its node to `to`'s service. */
function curlOf(from: RunningDemoNode, to: RunningDemoNode, subpath: string, body?: unknown): string {
  const purpose = DEMO_GRANTS.find((g) => g.consumer === from.key && g.provider === to.key)!.purpose;
  const post = body === undefined ? '' : `-X POST -H 'content-type: application/json' -d '${JSON.stringify(body)}' `;
  return (
    `curl ${post}-H 'X-Road-Client: ${from.subsystemId}' -H 'X-API-Key: ${from.apiKey}' ` +
    `-H 'X-Road-Purpose: ${encodeURIComponent(purpose)}' '${from.clientUrl}/r1/${to.serviceId}${subpath}'`
  );
}

/** Printable curl commands for `from`'s system to subscribe by pull to `to`'s event type, and to take the next event. */
function eventCurlsOf(from: RunningDemoNode, to: RunningDemoNode): string[] {
  const grant = DEMO_EVENT_GRANTS.find((g) => g.consumer === from.key && g.provider === to.key)!;
  const eventType = to.eventServiceId!.slice(to.eventServiceId!.lastIndexOf('/') + 1);
  const auth = `-H 'X-Road-Client: ${from.subsystemId}' -H 'X-API-Key: ${from.apiKey}' -H 'X-Road-Purpose: ${encodeURIComponent(grant.purpose)}'`;
  const roomUrl = `${from.clientUrl}/r1/${to.subsystemId}`;
  return [
    `curl -X POST -H 'content-type: application/json' -d '{"delivery":"PULL"}' ${auth} '${roomUrl}/api/v1/subs/${eventType}'`,
    `curl ${auth} '${roomUrl}/pull/v1/${eventType}'`,
  ];
}

/** The banner lines `zhengtong demo` prints about the nodes: their addresses, keys and calls to try. */
export function describeDemoExchange(exchange: DemoExchange): string {
  const width = Math.max(...exchange.nodes.map((n) => n.name.length));
  const node = (key: string) => exchange.nodes.find((n) => n.key === key)!;
  const citizen = buildDemoCity({ citizens: 1, enterprises: 0 }).seed.citizens[0]!;
  const d = citizen.idNumber;
  return (
    `\n交换节点 / exchange nodes (各自独立进程 each its own process, ${DEMO_CITY.name})\n` +
    exchange.nodes
      .map(
        (n) =>
          `  ${n.name.padEnd(width, '　')}  客户端 client ${n.clientUrl}  服务端 server ${n.serverUrl}\n    子系统 ${n.subsystemId}  API 密钥 key ${n.apiKey}`,
      )
      .join('\n') +
    `\n跨部门调用 / cross-department calls — 民政局 → 市场监督管理局, 市场监督管理局 → 民政局, ` +
    `市场监督管理局 → 公安局（人口库查询 lookup）, 民政局 → 公安局（人口库核验 verify; 市民 ${citizen.name} 可在“我的数据”看到）:\n` +
    [
      exchange.exampleCurl,
      curlOf(node('scjg'), node('mz'), `/${demoRecipients()[0]!.idNumber}`),
      curlOf(node('scjg'), node('gaj'), `/${d}`),
      curlOf(node('mz'), node('gaj'), `/${d}/verify`, {
        name: citizen.name,
        birthDate: `${d.slice(6, 10)}-${d.slice(10, 12)}-${d.slice(12, 14)}`,
        maritalStatus: '20',
      }),
    ]
      .map((c) => `  ${c}\n`)
      .join('') +
    `变更事件 / change events — 公安局节点为人口库的每次变更发布 population.changed（记录键与属性名，不含取值 key and attribute names, no values）; ` +
    `民政局订阅（拉取）并取下一条 / 民政局 subscribes (pull) and takes the next event (确认 acknowledge: DELETE …/pull/v1/population.changed/<id>):\n` +
    eventCurlsOf(node('mz'), node('gaj'))
      .map((c) => `  ${c}\n`)
      .join('') +
    `  双方节点均记录并签名 / both nodes log and sign each call: zhengtong node evidence <X-Road-Id> --config <node.json>\n`
  );
}
