import { createHash, createPublicKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { isIP } from 'node:net';
import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs it
import * as x509 from '@peculiar/x509';
import { validationError } from '../../core/errors.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Certificates are ECDSA P-256 with SHA-256: what Node's TLS (OpenSSL) accepts everywhere. */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const NODE_CERT_DAYS = 365;

/** The center's certification authority, loaded: its certificate and private signing key. */
export interface TrustRoot {
  certPem: string;
  privateKey: CryptoKey;
}

function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f; // a positive INTEGER
  return b.toString('hex');
}

/** Hex SHA-256 of a certificate's DER bytes: how the global configuration names a node's certificate. */
export function certificateFingerprint(certPem: string): string {
  return createHash('sha256').update(new NodeX509(certPem).raw).digest('hex');
}

/**
 * Creates a new self-signed root (10 years). Returns the certificate and the PKCS#8 private key
 * in PEM; the caller seals the key before storing it.
 */
export async function createTrustRoot(name: string, now: Date): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${name}, O=zhengtong exchange center`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter,
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`.replace('\n\n', '\n');
  return { certPem: cert.toString('pem'), keyPem };
}

/** Loads a root from its certificate and PKCS#8 PEM key. */
export async function loadTrustRoot(certPem: string, keyPem: string): Promise<TrustRoot> {
  const der = Buffer.from(keyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
  return { certPem, privateKey };
}

/**
 * Checks that `pem` is an ECDSA P-256 public key (SPKI PEM) and returns it normalised.
 *
 * @throws VALIDATION_FAILED on `field` otherwise.
 */
export function checkNodeTlsKey(pem: string, field: string): string {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw validationError([{ field, reason: '应为 ECDSA P-256 公钥（SPKI PEM）(must be an ECDSA P-256 public key in SPKI PEM)' }]);
  }
}

/**
 * Issues a node's TLS certificate (one year), usable as server and client certificate for mutual
 * TLS. The subject names the node and its member; the alternative names are the node address's
 * host plus loopback, though nodes authenticate each other by certificate fingerprint, not name.
 */
export async function issueNodeCertificate(
  root: TrustRoot,
  input: { nodeId: string; memberId: string; publicKeyPem: string; host: string; now: Date },
): Promise<{ certPem: string; fingerprint: string; notAfter: string }> {
  const spki = createPublicKey(input.publicKeyPem).export({ type: 'spki', format: 'der' });
  const publicKey = await webcrypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const ca = new x509.X509Certificate(root.certPem);
  const notAfter = new Date(input.now.getTime() + NODE_CERT_DAYS * 86_400_000);
  const names: x509.JsonGeneralName[] = [
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
  ];
  if (input.host && input.host !== 'localhost' && input.host !== '127.0.0.1') names.push({ type: isIP(input.host) ? 'ip' : 'dns', value: input.host });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${input.nodeId}, O=${input.memberId.replace(/[,+="<>#;\\]/g, '_')}`,
    issuer: ca.subject,
    notBefore: new Date(input.now.getTime() - 60_000),
    notAfter,
    signingAlgorithm: ALG,
    publicKey,
    signingKey: root.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  return { certPem, fingerprint: certificateFingerprint(certPem), notAfter: notAfter.toISOString() };
}
