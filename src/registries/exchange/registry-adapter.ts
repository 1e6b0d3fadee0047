/**
 * The registry department's backend adapter: the system behind its exchange node that offers a
 * base registry as a service to other departments. It turns the node's calls into calls of the
 * platform's exchange-facing registry API with the department's service credential, passing on
 * who asks (`X-Road-Client`), why (`X-Road-Purpose`) and the message id, and answers with flat
 * attribute-keyed JSON, so the node's field filter (the catalog grant's data items, which are the
 * registry's attribute names) applies to every answer:
 *
 * - `GET /{key}`: the record's attributes (查询);
 * - `POST /{key}/verify` with `{ "attribute": claimed value, … }`: `{ "attribute": "match" | "no-match" }` (核验);
 *   an unknown key answers 404;
 * - `GET /{key}/history`: `{ "attribute": [{ occurredAt, value, seq, leafHash }, …] }`, oldest first;
 *   `seq` and `leafHash` name the registry log entry, so a change event (`registry-events.ts`) can
 *   be matched to its entry and the entry proved in the registry's signed log.
 */
import http from 'node:http';

export interface RegistryAdapterOptions {
  /** The platform's base URL. */
  platformUrl: string;
  /** The registry department's service credential (an API key of one of its staff accounts). */
  apiKey: string;
  registry: string;
  /** Largest request body accepted (claims), bytes. */
  maxBodyBytes?: number;
}

const FORWARDED = ['x-road-client', 'x-road-purpose', 'x-road-id', 'x-road-userid'] as const;

function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(Object.assign(new Error('body too large'), { status: 413 }));
      else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(Object.assign(new Error('body is not JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

/**
 * An HTTP server (not yet listening) serving one registry to the department's node.
 *
 * @example const server = createRegistryAdapter({ platformUrl: 'http://127.0.0.1:8080', apiKey, registry: 'population' });
 */
export function createRegistryAdapter(options: RegistryAdapterOptions): http.Server {
  const limit = options.maxBodyBytes ?? 64 * 1024;
  const base = `${options.platformUrl.replace(/\/$/, '')}/api/v1/registries/${encodeURIComponent(options.registry)}/exchange/records`;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': text.length }).end(text);
  };
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) => send(res, status, { error: { code, message } });

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://adapter');
    const m = /^\/([^/]+)(\/verify|\/history)?\/?$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'NOT_FOUND', '路径应为 /{key}、/{key}/verify 或 /{key}/history (unknown path)');
    const op = m[2] === '/verify' ? 'verify' : m[2] === '/history' ? 'history' : 'read';
    if ((op === 'verify') !== (req.method === 'POST') || (op !== 'verify' && req.method !== 'GET'))
      return fail(res, 405, 'METHOD_NOT_ALLOWED', op === 'verify' ? '核验用 POST (verify is a POST)' : '查询用 GET (reads are GETs)');
    const headers: Record<string, string> = { 'x-api-key': options.apiKey, accept: 'application/json' };
    for (const h of FORWARDED) {
      const v = req.headers[h];
      if (typeof v === 'string' && v) headers[h] = v;
    }
    const target = `${base}/${m[1]!}${op === 'read' ? '' : `/${op}`}`;
    (async () => {
      let body: string | undefined;
      if (op === 'verify') {
        const claims = await readJson(req, limit);
        if (!claims || typeof claims !== 'object' || Array.isArray(claims))
          return fail(res, 400, 'VALIDATION_FAILED', '请求体应为 { 属性: 声明值 } (the body must be an object of claimed values)');
        body = JSON.stringify({ claims });
        headers['content-type'] = 'application/json';
      } else req.resume();
      const r = await fetch(target, { method: op === 'verify' ? 'POST' : 'GET', headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(15_000) });
      const answer = (await r.json()) as Record<string, unknown>;
      if (!r.ok) return send(res, r.status, answer);
      if (op === 'read') return send(res, 200, answer.attributes ?? {});
      if (op === 'verify') {
        const v = answer as { found: boolean; results: Record<string, string> };
        if (!v.found) return fail(res, 404, 'REGISTRY_RECORD_NOT_FOUND', '库中没有该记录 (no such record)');
        return send(res, 200, v.results);
      }
      type Entry = { seq: number; occurredAt: string; leafHash: string; changes: Record<string, { value: unknown }> };
      const byAttribute: Record<string, Array<{ occurredAt: string; value: unknown; seq: number; leafHash: string }>> = {};
      for (const e of (answer as { items: Entry[] }).items)
        for (const [name, change] of Object.entries(e.changes))
          (byAttribute[name] ??= []).push({ occurredAt: e.occurredAt, value: change.value, seq: e.seq, leafHash: e.leafHash });
      send(res, 200, byAttribute);
    })().catch((e: unknown) => {
      const status = (e as { status?: number }).status;
      if (res.headersSent) res.destroy();
      else if (status) fail(res, status, status === 413 ? 'BODY_TOO_LARGE' : 'VALIDATION_FAILED', (e as Error).message);
      else fail(res, 502, 'PLATFORM_UNAVAILABLE', '平台基础信息库无应答 (the platform registry did not answer)');
    });
  });
}
