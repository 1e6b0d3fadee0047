/**
 * The demo departments' small backend systems, each served behind its own exchange node: the
 * market regulator's enterprise register and the civil-affairs bureau's relief recipients, both
 * drawn from the demo city (the same on every machine). The population registry's backend is the
 * registry adapter (`src/registries/exchange`), which calls the platform.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildDemoCity } from './demo-city.js';

export interface DemoEnterprise {
  uscc: string;
  entName: string;
  legalRep: string;
  capital: number;
  establishedOn: string;
}

export interface DemoRecipient {
  idNumber: string;
  name: string;
  amount: number;
  since: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The demo city's enterprises as the market regulator's register holds them (derived, deterministic). */
export function demoEnterprises(): DemoEnterprise[] {
  const { seed } = buildDemoCity();
  return seed.orgs
    .filter((o) => o.kind === 'enterprise')
    .map((o, i) => ({
      uscc: o.uscc,
      entName: o.name,
      legalRep: seed.citizens[(i * 37) % seed.citizens.length]!.name,
      capital: 100_000 * (1 + ((i * 13) % 50)),
      establishedOn: `${2005 + (i % 20)}-${pad(1 + (i % 12))}-${pad(1 + (i % 28))}`,
    }));
}

/** Every tenth citizen of the demo city receives 最低生活保障 (derived, deterministic). */
export function demoRecipients(): DemoRecipient[] {
  const { seed } = buildDemoCity();
  return seed.citizens
    .map((c, i) => ({ c, i }))
    .filter(({ i }) => i % 10 === 3)
    .map(({ c, i }) => ({ idNumber: c.idNumber, name: c.name, amount: 600 + (i % 7) * 50, since: `${2018 + (i % 8)}-${pad(1 + (i % 12))}-01` }));
}

/**
 * A read-only JSON backend: `GET /{key}` answers the record with that key or 404. What the node
 * forwards (X-Road-Client, X-Road-Id, X-Road-Purpose) is echoed in response headers, so a demo user
 * sees what the provider's system was told.
 */
export function keyedJsonBackend<T>(records: readonly T[], keyOf: (r: T) => string): http.Server {
  const byKey = new Map(records.map((r) => [keyOf(r), r]));
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = Buffer.from(JSON.stringify(body));
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': text.length,
        'x-demo-seen-client': String(req.headers['x-road-client'] ?? ''),
        'x-demo-seen-id': String(req.headers['x-road-id'] ?? ''),
      });
      res.end(text);
    };
    const m = /^\/([^/?]+)\/?(?:\?.*)?$/.exec(req.url ?? '/');
    if (req.method !== 'GET') return send(405, { error: { code: 'METHOD_NOT_ALLOWED', message: '只支持 GET (GET only)' } });
    const record = m ? byKey.get(decodeURIComponent(m[1]!)) : undefined;
    if (!record) return send(404, { error: { code: 'NOT_FOUND', message: '没有该记录 (no such record)' } });
    send(200, record);
  });
}

/** Listens on a free loopback port; resolves with the base URL. */
export function listenLoopback(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}
