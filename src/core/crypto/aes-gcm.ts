import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync, type KeyObject } from 'node:crypto';
import { assertCiphertextFormat, assertKeyLength, decryptFailed } from './ciphertext-format.js';

const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * What per-value encryption spends besides the cipher (a registry import seals two values a row):
 * the key imported into OpenSSL once per key (the last 64 keys kept), and IVs cut from a block of
 * CSPRNG bytes filled 512 IVs at a time instead of one call each.
 */
const keyObjects = new Map<string, KeyObject>();
function keyObjectOf(key: Uint8Array): KeyObject {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  let k = keyObjects.get(id);
  if (!k) {
    k = createSecretKey(key);
    if (keyObjects.size >= 64) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(id, k);
  }
  return k;
}
const ivPool = Buffer.alloc(IV_BYTES * 512);
let ivAt = ivPool.length;
function freshIv(): Buffer {
  if (ivAt === ivPool.length) {
    randomFillSync(ivPool);
    ivAt = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivAt, ivAt + IV_BYTES)); // a copy: the pool is refilled later
  ivAt += IV_BYTES;
  return iv;
}

/**
 * AES-256-GCM encryption at rest. Layout: `[0x01][iv: 12][ciphertext][tag: 16]`; the GCM
 * additional data is `0x01 ‖ aad`, so the format byte is authenticated too.
 * The IV is random: keep below ~2^32 encryptions per key (NIST SP 800-38D), i.e. rotate keys.
 * Throws CRYPTO_BAD_KEY unless `key` is 32 bytes.
 *
 * @example const ct = encryptAes256Gcm(key, Buffer.from('身份证号'), Buffer.from('citizen:42'))
 */
export function encryptAes256Gcm(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Buffer {
  assertKeyLength(key, KEY_BYTES, 'AES-256-GCM');
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([Buffer.from([FORMAT]), aad]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT]), iv, body, cipher.getAuthTag()]);
}

/**
 * Inverse of `encryptAes256Gcm`. Throws CRYPTO_DECRYPT_FAILED for a wrong key, wrong `aad`, or a
 * ciphertext that is tampered, truncated or of another format; CRYPTO_BAD_KEY for a bad key length.
 *
 * @example decryptAes256Gcm(key, ct, Buffer.from('citizen:42')).toString() // '身份证号'
 */
export function decryptAes256Gcm(key: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Buffer {
  assertKeyLength(key, KEY_BYTES, 'AES-256-GCM');
  assertCiphertextFormat(ciphertext, FORMAT, 1 + IV_BYTES + TAG_BYTES);
  const iv = ciphertext.subarray(1, 1 + IV_BYTES);
  const body = ciphertext.subarray(1 + IV_BYTES, ciphertext.length - TAG_BYTES);
  const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyObjectOf(key), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([Buffer.from([FORMAT]), aad]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return decryptFailed();
  }
}
