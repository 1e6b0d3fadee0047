import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { hkdf as jsHkdf, sm3 as jsSm3, sm4 as jsSm4 } from 'sm-crypto-v2';

/**
 * The SM3/SM4 building blocks the SM2 suite needs, from one of two backends with identical
 * output: OpenSSL (native, fast; Node 20's bundled OpenSSL 3 has SM3 and SM4-ECB/CBC/CTR, but not
 * SM4-GCM) or sm-crypto-v2 (pure JS), used only where OpenSSL lacks SM3/SM4 — some distribution
 * builds of OpenSSL (RHEL family) compile them out. Data written with one backend reads with the
 * other: the backends are cross-checked in the tests.
 */
export interface SmPrimitives {
  readonly backend: 'openssl' | 'sm-crypto-v2';
  /** SM3 digest (32 bytes) of the concatenation of `parts`. */
  sm3(...parts: Uint8Array[]): Buffer;
  /** HMAC-SM3 (32 bytes) of the concatenation of `parts`. */
  hmacSm3(key: Uint8Array, ...parts: Uint8Array[]): Buffer;
  /** HKDF (RFC 5869) with SM3, empty salt. */
  hkdfSm3(ikm: Uint8Array, info: string, length: number): Buffer;
  /**
   * SM4 in CTR mode (16-byte key, 16-byte initial counter block, the whole block counting up
   * big-endian mod 2^128, as OpenSSL does). Encryption and decryption are the same operation.
   */
  sm4Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer;
}

/** The OpenSSL backend. Its functions throw if this OpenSSL build lacks SM3/SM4. */
export const opensslSmPrimitives: SmPrimitives = {
  backend: 'openssl',
  sm3: (...parts) => {
    const h = createHash('sm3');
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hmacSm3: (key, ...parts) => {
    const h = createHmac('sm3', key);
    for (const p of parts) h.update(p);
    return h.digest();
  },
  hkdfSm3: (ikm, info, length) => Buffer.from(hkdfSync('sm3', ikm, new Uint8Array(0), info, length)),
  sm4Ctr: (key, iv, data) => {
    const c = createCipheriv('sm4-ctr', key, iv);
    return Buffer.concat([c.update(data), c.final()]);
  },
};

/** The pure-JS backend (sm-crypto-v2). Same outputs, much slower. */
export const jsSmPrimitives: SmPrimitives = {
  backend: 'sm-crypto-v2',
  sm3: (...parts) => Buffer.from(jsSm3(Buffer.concat(parts)), 'hex'),
  hmacSm3: (key, ...parts) => Buffer.from(jsSm3(Buffer.concat(parts), { key, mode: 'hmac' }), 'hex'),
  hkdfSm3: (ikm, info, length) => Buffer.from(jsHkdf(ikm, undefined, info, length)),
  sm4Ctr: (key, iv, data) => {
    // CTR from the raw block cipher: encrypt the counter blocks (ECB, no padding), XOR.
    const blocks = Math.ceil(data.length / 16);
    const counters = Buffer.alloc(blocks * 16);
    const counter = Buffer.from(iv);
    for (let i = 0; i < blocks; i++) {
      counter.copy(counters, i * 16);
      incrementBlock(counter);
    }
    const stream = jsSm4.encrypt(counters, key, { mode: 'ecb', padding: 'none', output: 'array' });
    const out = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i++) out[i] = (data[i] ?? 0) ^ (stream[i] ?? 0);
    return out;
  },
};

/** Adds one to a 16-byte big-endian counter, in place, wrapping at 2^128. */
function incrementBlock(block: Buffer): void {
  for (let i = block.length - 1; i >= 0; i--) {
    const next = ((block[i] ?? 0) + 1) & 0xff;
    block[i] = next;
    if (next !== 0) return;
  }
}

/** True when this Node's OpenSSL computes SM3 and SM4-CTR correctly (checked with known vectors). */
export function opensslHasSm(): boolean {
  try {
    const abc = opensslSmPrimitives.sm3(Buffer.from('abc')).toString('hex');
    opensslSmPrimitives.sm4Ctr(Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(1));
    return abc === '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0';
  } catch {
    return false;
  }
}

/**
 * The backend in use, chosen once at load: OpenSSL when it has SM3/SM4, else sm-crypto-v2.
 *
 * @example smPrimitives.sm3(Buffer.from('abc')).toString('hex') // '66c7f0f4…'
 */
export const smPrimitives: SmPrimitives = opensslHasSm() ? opensslSmPrimitives : jsSmPrimitives;
