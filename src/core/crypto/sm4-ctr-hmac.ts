import { randomBytes, timingSafeEqual } from 'node:crypto';
import { assertCiphertextFormat, assertKeyLength, decryptFailed } from './ciphertext-format.js';
import { smPrimitives } from './sm-primitives.js';

const FORMAT = 0x02;
const IV_BYTES = 16;
const TAG_BYTES = 32;
const KEY_BYTES = 16;
const HKDF_INFO = 'zhengtong sm4-ctr hmac-sm3 v2';

/**
 * SM4 encryption at rest, authenticated by encrypt-then-MAC, because this OpenSSL has no SM4-GCM
 * (native SM4-CTR + HMAC-SM3 is also far faster than a pure-JS SM4-GCM). The construction follows
 * RFC 7518 §5.2 (AES_CBC_HMAC_SHA2) with SM4-CTR and HMAC-SM3:
 * - from the 16-byte key K, HKDF-SM3(K, info 'zhengtong sm4-ctr hmac-sm3 v2') gives 48 bytes:
 *   the SM4 key (first 16) and the MAC key (next 32) — one key never serves both uses;
 * - iv is 16 random bytes, the initial CTR counter block;
 * - tag = HMAC-SM3(macKey, 0x02 ‖ aad ‖ iv ‖ ciphertext ‖ uint64be(bit length of aad)), untruncated;
 * - layout: `[0x02][iv: 16][ciphertext][tag: 32]`.
 * Throws CRYPTO_BAD_KEY unless `key` is 16 bytes.
 *
 * @example const ct = encryptSm4CtrHmacSm3(key, Buffer.from('身份证号'), Buffer.from('citizen:42'))
 */
export function encryptSm4CtrHmacSm3(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Buffer {
  assertKeyLength(key, KEY_BYTES, 'SM4');
  const { encKey, macKey } = deriveKeys(key);
  const iv = randomBytes(IV_BYTES);
  const body = smPrimitives.sm4Ctr(encKey, iv, plaintext);
  return Buffer.concat([Buffer.from([FORMAT]), iv, body, tagOf(macKey, aad, iv, body)]);
}

/**
 * Inverse of `encryptSm4CtrHmacSm3`; checks the tag (in constant time) before decrypting.
 * Throws CRYPTO_DECRYPT_FAILED for a wrong key, wrong `aad`, or a ciphertext that is tampered,
 * truncated or of another format; CRYPTO_BAD_KEY for a bad key length.
 *
 * @example decryptSm4CtrHmacSm3(key, ct, Buffer.from('citizen:42')).toString() // '身份证号'
 */
export function decryptSm4CtrHmacSm3(key: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Buffer {
  assertKeyLength(key, KEY_BYTES, 'SM4');
  assertCiphertextFormat(ciphertext, FORMAT, 1 + IV_BYTES + TAG_BYTES);
  const { encKey, macKey } = deriveKeys(key);
  const iv = ciphertext.subarray(1, 1 + IV_BYTES);
  const body = ciphertext.subarray(1 + IV_BYTES, ciphertext.length - TAG_BYTES);
  const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
  if (!timingSafeEqual(tag, tagOf(macKey, aad, iv, body))) return decryptFailed();
  return smPrimitives.sm4Ctr(encKey, iv, body);
}

/**
 * The derived keys of the last few keys in use (a node or registry encrypts many values under one
 * key; deriving per call cost about as much as the encryption). Keyed by the key's bytes, bounded.
 */
const derived = new Map<string, { encKey: Buffer; macKey: Buffer }>();
const DERIVED_MAX = 64;

function deriveKeys(key: Uint8Array): { encKey: Buffer; macKey: Buffer } {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  let keys = derived.get(id);
  if (!keys) {
    const okm = smPrimitives.hkdfSm3(key, HKDF_INFO, 16 + 32);
    keys = { encKey: okm.subarray(0, 16), macKey: okm.subarray(16) };
    if (derived.size >= DERIVED_MAX) derived.delete(derived.keys().next().value!);
    derived.set(id, keys);
  }
  return keys;
}

function tagOf(macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, body: Uint8Array): Buffer {
  const aadBits = Buffer.alloc(8);
  aadBits.writeBigUInt64BE(BigInt(aad.length) * 8n);
  return smPrimitives.hmacSm3(macKey, Buffer.from([FORMAT]), aad, iv, body, aadBits);
}
