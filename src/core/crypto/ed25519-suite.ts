import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.js';
import { decryptAes256Gcm, encryptAes256Gcm } from './aes-gcm.js';
import type { CryptoSuite, Ed25519PrivateKey, Ed25519PublicKey, KeyPair, PrivateKey, PublicKey } from './types.js';

// DER headers that turn a raw 32-byte Ed25519 key into PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

/**
 * The `ed25519` suite: Ed25519 signatures (RFC 8032, pure — the message is signed as is),
 * SHA-256 hashing and AES-256-GCM at rest, all native (node:crypto).
 * Public keys export as base64 SPKI DER — the body of the PEM `-----BEGIN PUBLIC KEY-----`
 * block, one line (`MCowBQYDK2VwAyEA…`); a PEM block is accepted on import too.
 *
 * @example
 * const { publicKey, privateKey } = ed25519Suite.generateKeyPair();
 * ed25519Suite.verify(publicKey, msg, ed25519Suite.sign(privateKey, msg)) // true
 */
export const ed25519Suite: CryptoSuite = {
  name: 'ed25519',
  hashName: 'sha256',
  symmetricKeyLength: 32,
  hash: sha256,
  generateKeyPair: () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return wrapPair(privateKey, publicKey);
  },
  sign: (privateKey, data) => sign(null, data, privateKeyObject(privateKey)),
  verify: (publicKey, data, signature) => {
    const keyObject = publicKeyObject(publicKey);
    if (signature.length !== 64) return false;
    try {
      return verify(null, data, keyObject, signature);
    } catch {
      return false;
    }
  },
  encrypt: encryptAes256Gcm,
  decrypt: decryptAes256Gcm,
  generateSymmetricKey: () => randomBytes(32),
  exportPublicKey: (publicKey) => publicKeyObject(publicKey).export({ type: 'spki', format: 'der' }).toString('base64'),
  importPublicKey: (text) => {
    const trimmed = text.trim();
    let keyObject: KeyObject;
    try {
      keyObject = trimmed.startsWith('-----BEGIN') ? createPublicKey(trimmed) : createPublicKey({ key: base64(trimmed), format: 'der', type: 'spki' });
    } catch {
      throw badKey('Ed25519 公钥格式不合法（应为 base64 SPKI 或 PEM）');
    }
    if (keyObject.asymmetricKeyType !== 'ed25519') throw badKey('不是 Ed25519 公钥');
    return { suite: 'ed25519', keyObject };
  },
  exportPrivateKey: (privateKey) => {
    const der = privateKeyObject(privateKey).export({ type: 'pkcs8', format: 'der' });
    return der.subarray(PKCS8_PREFIX.length).toString('hex');
  },
  importKeyPair: (privateKeyHex) => {
    if (!HEX_32_BYTES.test(privateKeyHex)) throw badKey('Ed25519 私钥应为 64 位十六进制（32 字节种子）');
    const der = Buffer.concat([PKCS8_PREFIX, Buffer.from(privateKeyHex, 'hex')]);
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    return wrapPair(privateKey, createPublicKey(privateKey));
  },
  fingerprint: (publicKey) => sha256(ed25519Suite.exportPublicKey(publicKey)).toString('hex'),
};

/** The raw 32-byte public key (RFC 8032 encoding), e.g. to compare with published test vectors. */
export function rawEd25519PublicKey(publicKey: PublicKey): Buffer {
  return publicKeyObject(publicKey).export({ type: 'spki', format: 'der' }).subarray(SPKI_PREFIX.length);
}

function wrapPair(privateKey: KeyObject, publicKey: KeyObject): KeyPair {
  const pub: Ed25519PublicKey = { suite: 'ed25519', keyObject: publicKey };
  const priv: Ed25519PrivateKey = { suite: 'ed25519', keyObject: privateKey };
  return { publicKey: pub, privateKey: priv };
}

function privateKeyObject(key: PrivateKey): KeyObject {
  if (key.suite !== 'ed25519' || key.keyObject.type !== 'private' || key.keyObject.asymmetricKeyType !== 'ed25519') {
    throw badKey('需要 Ed25519 私钥');
  }
  return key.keyObject;
}

function publicKeyObject(key: PublicKey): KeyObject {
  if (key.suite !== 'ed25519' || key.keyObject.type !== 'public' || key.keyObject.asymmetricKeyType !== 'ed25519') {
    throw badKey('需要 Ed25519 公钥');
  }
  return key.keyObject;
}

function base64(text: string): Buffer {
  if (!BASE64.test(text)) throw badKey('Ed25519 公钥格式不合法（应为 base64 SPKI 或 PEM）');
  return Buffer.from(text, 'base64');
}

function badKey(message: string): AppError {
  return new AppError('CRYPTO_BAD_KEY', message);
}
