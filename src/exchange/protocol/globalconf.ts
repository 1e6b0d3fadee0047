import { getSuite, type PublicKey } from '../../core/crypto/index.js';

/** An access right as nodes see it in the global configuration. */
export interface ConfAccessRight {
  id: string;
  consumer: string;
  service: string;
  endpoints: { method: string; path: string }[];
  fields: string[] | null;
  purpose: string;
  validFrom: string;
  validUntil: string | null;
}

export interface ConfNode {
  id: string;
  memberId: string;
  address: string;
  /** Hex SHA-256 of the node's TLS certificate (DER): peers pin it. */
  certFingerprint: string;
  signSuite: 'ed25519' | 'sm2';
  signPublicKey: string;
  /** Full subsystem identifiers the node serves and acts for. */
  subsystems: string[];
}

/**
 * The global configuration (`zhengtong-globalconf/1`): everything a node needs to call and to
 * answer, published by the center. `version` grows whenever the content changes; a node refuses
 * traffic once `expiresAt` has passed without a newer configuration.
 */
export interface GlobalConf {
  format: 'zhengtong-globalconf/1';
  instance: string;
  version: number;
  generatedAt: string;
  expiresAt: string;
  trustRootPem: string;
  members: { id: string; name: string }[];
  nodes: ConfNode[];
  /** Services with their OpenAPI description, if any (the metaservices listMethods and getOpenAPI answer from it). */
  services: { id: string; title: string; hasOpenApi: boolean; openapi?: unknown }[];
  accessRights: ConfAccessRight[];
}

/** What the center serves: the configuration's exact text and the center's signature over its UTF-8 bytes. */
export interface SignedGlobalConf {
  conf: string;
  suite: 'ed25519' | 'sm2';
  keyFingerprint: string;
  signature: string;
}

/** The center's signing key as pinned by a node at init. */
export interface CenterKey {
  suite: 'ed25519' | 'sm2';
  publicKey: string;
  fingerprint: string;
}

/**
 * Verifies a signed configuration against the pinned center key and parses it. Returns a reason
 * (English, for logs) when it does not verify.
 */
export function verifyGlobalConf(signed: SignedGlobalConf, center: CenterKey): { ok: true; conf: GlobalConf } | { ok: false; reason: string } {
  if (!signed || typeof signed.conf !== 'string' || typeof signed.signature !== 'string') return { ok: false, reason: 'malformed envelope' };
  if (signed.suite !== center.suite || signed.keyFingerprint !== center.fingerprint)
    return { ok: false, reason: 'signed by another key than the pinned center key' };
  const suite = getSuite(center.suite);
  let key: PublicKey;
  try {
    key = suite.importPublicKey(center.publicKey);
  } catch {
    return { ok: false, reason: 'pinned center key unreadable' };
  }
  if (suite.fingerprint(key) !== center.fingerprint) return { ok: false, reason: 'pinned key does not match its fingerprint' };
  if (!suite.verify(key, Buffer.from(signed.conf, 'utf8'), Buffer.from(signed.signature, 'base64'))) return { ok: false, reason: 'bad signature' };
  try {
    const conf = JSON.parse(signed.conf) as GlobalConf;
    if (conf.format !== 'zhengtong-globalconf/1') return { ok: false, reason: `unknown format ${String(conf.format)}` };
    return { ok: true, conf };
  } catch {
    return { ok: false, reason: 'configuration is not JSON' };
  }
}
