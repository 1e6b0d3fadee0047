import type { GlobalConf } from './globalconf.js';
import { parseMemberId, parseServiceId, parseSubsystemId } from './identifiers.js';
import { XRoadError } from './xroad-errors.js';

/**
 * The X-Road metaservices in the shape of the GovStack Information Mediator directory API
 * (`GovStack_IM_Directory_Services_API.yaml`): `GET /listClients` answered by the caller's own
 * node, and `listMethods`, `allowedMethods`, `getOpenAPI` as service codes of a subsystem,
 * answered by the node that provides the subsystem (so they travel, are signed and are logged
 * like any other message). GovStack calls a subsystem an application (`APPLICATION`,
 * `applicationCode`); lists are under `member`, as the specification names them.
 */
export const METASERVICES = ['listMethods', 'allowedMethods', 'getOpenAPI'] as const;
export type Metaservice = (typeof METASERVICES)[number];

export const isMetaservice = (code: string): code is Metaservice => (METASERVICES as readonly string[]).includes(code);

export interface ClientDetails {
  name: string;
  id: { objectType: 'MEMBER' | 'APPLICATION'; instanceId: string; memberClass: string; memberCode: string; applicationCode?: string };
}

export interface Endpoint {
  method: string;
  path: string;
}

export interface ServiceDetails {
  objectType: 'SERVICE';
  serviceType: 'REST' | 'OPENAPI';
  instanceId: string;
  memberClass: string;
  memberCode: string;
  applicationCode: string;
  serviceCode: string;
  title: string;
  endpointList: { member: Endpoint[] };
}

/**
 * `GET /listClients[?instanceId=]`: the members of the instance and the subsystems (applications)
 * nodes serve, from the global configuration.
 *
 * @throws XRoadError Client.InvalidRequest naming `instanceId` when it is another instance.
 */
export function listClients(conf: GlobalConf, instanceId: string | null): { member: ClientDetails[] } {
  if (instanceId !== null && instanceId !== conf.instance)
    throw new XRoadError('Client.InvalidRequest', `instanceId: unknown instance ${instanceId} (this is ${conf.instance}; no federation)`);
  const names = new Map(conf.members.map((m) => [m.id, m.name]));
  const out: ClientDetails[] = [];
  for (const m of conf.members) {
    const id = parseMemberId(m.id);
    if (id) out.push({ name: m.name, id: { objectType: 'MEMBER', instanceId: id.instance, memberClass: id.memberClass, memberCode: id.memberCode } });
  }
  const subsystems = [...new Set(conf.nodes.flatMap((n) => n.subsystems))].sort();
  for (const s of subsystems) {
    const id = parseSubsystemId(s);
    if (!id) continue;
    const member = `${id.instance}/${id.memberClass}/${id.memberCode}`;
    out.push({
      name: names.get(member) ?? member,
      id: { objectType: 'APPLICATION', instanceId: id.instance, memberClass: id.memberClass, memberCode: id.memberCode, applicationCode: id.subsystem },
    });
  }
  return { member: out };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The endpoints an OpenAPI description declares (`GET /persons/{id}` …), in its order. */
export function endpointsOf(openapi: unknown): Endpoint[] {
  const paths = (openapi as { paths?: Record<string, Record<string, unknown>> } | null)?.paths;
  if (!paths || typeof paths !== 'object') return [];
  const out: Endpoint[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!item || typeof item !== 'object') continue;
    for (const method of Object.keys(item)) if (METHODS.includes(method)) out.push({ method: method.toUpperCase(), path });
  }
  return out;
}

function details(serviceId: string, title: string, openapi: unknown, endpoints: Endpoint[]): ServiceDetails {
  const id = parseServiceId(serviceId)!;
  return {
    objectType: 'SERVICE',
    serviceType: openapi ? 'OPENAPI' : 'REST',
    instanceId: id.instance,
    memberClass: id.memberClass,
    memberCode: id.memberCode,
    applicationCode: id.subsystem,
    serviceCode: id.service,
    title,
    endpointList: { member: endpoints },
  };
}

/** The services of `subsystem` this node provides (in the configuration and configured locally). */
function servicesOf(conf: GlobalConf, subsystem: string, provided: (code: string) => boolean) {
  return conf.services.filter((s) => s.id.startsWith(`${subsystem}/`) && parseServiceId(s.id) && provided(parseServiceId(s.id)!.service));
}

/**
 * Answers a metaservice on the provider node. `query` is the URL's query string (`?…` or '').
 *
 * @throws XRoadError Client.InvalidRequest naming a missing/bad parameter, Server.ServerProxy.UnknownService.
 */
export function answerMetaservice(
  name: Metaservice,
  input: { conf: GlobalConf; subsystem: string; client: string; query: string; at: string; provided: (code: string) => boolean },
): unknown {
  const params = new URLSearchParams(input.query);
  const services = servicesOf(input.conf, input.subsystem, input.provided);
  if (name === 'getOpenAPI') {
    const code = params.get('serviceCode');
    if (!code) throw new XRoadError('Client.InvalidRequest', 'serviceCode: required (the code of the service whose description is wanted)');
    const service = services.find((s) => s.id === `${input.subsystem}/${code}`);
    if (!service) throw new XRoadError('Server.ServerProxy.UnknownService', `serviceCode: ${code}`);
    if (!service.openapi) throw new XRoadError('Server.ServerProxy.UnknownService', `serviceCode: ${code} has no OpenAPI description`);
    return service.openapi;
  }
  const only = params.get('serviceId');
  const wanted = only ? services.filter((s) => s.id === `${input.subsystem}/${only}` || s.id === only) : services;
  if (name === 'listMethods') return { member: wanted.map((s) => details(s.id, s.title, s.openapi ?? null, endpointsOf(s.openapi))) };
  // allowedMethods: the services the calling subsystem holds a right for now, with the granted endpoints.
  const member: ServiceDetails[] = [];
  for (const s of wanted) {
    const rights = input.conf.accessRights.filter(
      (r) => r.consumer === input.client && r.service === s.id && r.validFrom <= input.at && (r.validUntil === null || r.validUntil > input.at),
    );
    if (rights.length === 0) continue;
    const all = rights.some((r) => r.endpoints.length === 0);
    const declared = endpointsOf(s.openapi);
    const endpoints = all ? (declared.length > 0 ? declared : [{ method: '*', path: '/*' }]) : dedupe(rights.flatMap((r) => r.endpoints));
    member.push(details(s.id, s.title, s.openapi ?? null, endpoints));
  }
  return { member };
}

function dedupe(list: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return list.filter((e) => !seen.has(`${e.method} ${e.path}`) && !!seen.add(`${e.method} ${e.path}`));
}
