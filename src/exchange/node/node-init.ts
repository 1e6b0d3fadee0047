import { createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { getSuite, writeKeyFile, type SuiteName } from '../../core/crypto/index.js';
import { AppError } from '../../core/errors.js';
import { randomToken } from '../../core/ids.js';
import type { CenterKey } from '../protocol/globalconf.js';
import { createDataKeyFile } from './body-encryption.js';
import { nodeFiles, type NodeConfig } from './node-config.js';

export interface InitNodeInput {
  centerUrl: string;
  memberId: string;
  subsystems: string[];
  /** Folder for node.json, keys, database and logged bodies. */
  dir: string;
  suite: SuiteName;
  host: string;
  clientPort: number;
  serverPort: number;
  /** Published address of the server side; default `https://host:serverPort`. */
  address?: string;
  /** Expected center fingerprint (printed by the platform); when given, a different center is refused. */
  centerFingerprint?: string;
  /** Provided services: code → backend URL. */
  services?: Record<string, { backend: string; timeoutMs?: number; log?: 'full' | 'metadata' }>;
  /** Encrypt kept message bodies at rest (node.json `messageLog.encryptBodies`); default false. */
  encryptBodies?: boolean;
}

/**
 * `zhengtong node init`: pins the center's key, creates the node's signing key (suite), TLS key
 * (ECDSA P-256) and message-log data key (used once `messageLog.encryptBodies` is on), submits the registration request and writes `node.json`. Returns the API key
 * of each subsystem once (only their SHA-256 is kept).
 *
 * @throws EXCHANGE_CENTER_UNTRUSTED when `centerFingerprint` does not match; the center's typed error when it refuses the request.
 */
export async function initNode(input: InitNodeInput): Promise<{ nodeId: string; configFile: string; apiKeys: Record<string, string>; center: CenterKey }> {
  const dir = path.resolve(input.dir);
  const configFile = path.join(dir, 'node.json');
  if (fs.existsSync(configFile)) throw new AppError('CONFLICT', `${configFile} 已存在 (the node is already initialised)`);
  const infoRes = await fetch(new URL('/api/v1/exchange/center', input.centerUrl), { signal: AbortSignal.timeout(10_000) });
  if (!infoRes.ok) throw new AppError('SERVICE_UNAVAILABLE', `交换中心无应答 / the center answered HTTP ${infoRes.status}`);
  const info = (await infoRes.json()) as CenterKey & { instance: string; trustRootPem: string };
  const centerSuite = getSuite(info.suite);
  if (centerSuite.fingerprint(centerSuite.importPublicKey(info.publicKey)) !== info.fingerprint)
    throw new AppError('EXCHANGE_CENTER_UNTRUSTED', '交换中心公钥与指纹不一致');
  if (input.centerFingerprint && input.centerFingerprint.toLowerCase() !== info.fingerprint) {
    throw new AppError('EXCHANGE_CENTER_UNTRUSTED', `交换中心指纹为 ${info.fingerprint}，与预期 ${input.centerFingerprint} 不符`);
  }

  const files = nodeFiles(dir);
  fs.mkdirSync(path.dirname(files.signingKey), { recursive: true, mode: 0o700 });
  const suite = getSuite(input.suite);
  const signing = suite.generateKeyPair();
  await writeKeyFile(files.signingKey, signing, suite);
  await createDataKeyFile(files.bodyKey);
  const tls = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(files.tlsKey, tls.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  fs.writeFileSync(files.trustRoot, info.trustRootPem);

  const address = input.address ?? `https://${input.host}:${input.serverPort}`;
  const res = await fetch(new URL('/api/v1/exchange/registrations', input.centerUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      memberId: input.memberId,
      subsystems: input.subsystems,
      address,
      tlsPublicKey: tls.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      signSuite: suite.name,
      signPublicKey: suite.exportPublicKey(signing.publicKey),
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const reg = (await res.json()) as { id?: string; error?: { code: string; message: string; details?: Record<string, unknown> } };
  if (!res.ok || !reg.id) {
    fs.rmSync(path.dirname(files.signingKey), { recursive: true, force: true });
    const code = (reg.error?.code ?? 'SERVICE_UNAVAILABLE') as AppError['code'];
    throw new AppError(code, reg.error?.message ?? `HTTP ${res.status}`, reg.error?.details);
  }

  const apiKeys: Record<string, string> = {};
  const subsystems: NodeConfig['subsystems'] = {};
  for (const s of input.subsystems) {
    apiKeys[s] = `ztk_${randomToken(24)}`;
    subsystems[s] = { apiKeySha256: createHash('sha256').update(apiKeys[s]).digest('hex') };
  }
  const center: CenterKey = { suite: info.suite, publicKey: info.publicKey, fingerprint: info.fingerprint };
  const config = {
    nodeId: reg.id,
    centerUrl: input.centerUrl,
    center,
    instance: info.instance,
    memberId: input.memberId,
    subsystems,
    address,
    host: input.host,
    clientPort: input.clientPort,
    serverPort: input.serverPort,
    dbUrl: 'node.db',
    dataDir: '.',
    suite: suite.name,
    services: Object.fromEntries(
      Object.entries(input.services ?? {}).map(([code, s]) => [code, { backend: s.backend, timeoutMs: s.timeoutMs ?? 30_000, log: s.log ?? 'full' }]),
    ),
    messageLog: { encryptBodies: input.encryptBodies ?? false },
    pollIntervalMs: 60_000,
    maxBodyBytes: 10 * 1024 * 1024,
    maxClockSkewMs: 5 * 60_000,
    warnBeforeExpiryMs: 2 * 3600_000,
    logLevel: 'info',
  };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return { nodeId: reg.id, configFile, apiKeys, center };
}
