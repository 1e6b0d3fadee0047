import { createCipheriv, randomBytes } from 'node:crypto';
import { sm4 as jsSm4 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { getSuite } from './index.js';
import { jsSmPrimitives, opensslHasSm, opensslSmPrimitives, smPrimitives } from './sm-primitives.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('SM3 (GB/T 32905)', () => {
  const vectors: [string, string][] = [
    ['abc', '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0'],
    ['abcd'.repeat(16), 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732'],
  ];

  it.each(vectors)('sm2 suite hash(%j) is the standard digest', (input, digest) => {
    expect(getSuite('sm2').hash(input).toString('hex')).toBe(digest);
    expect(getSuite('sm2').hash(Buffer.from(input)).toString('hex')).toBe(digest);
  });

  it.each(vectors)('both backends agree on %j', (input, digest) => {
    expect(hex(jsSmPrimitives.sm3(Buffer.from(input)))).toBe(digest);
    if (opensslHasSm()) expect(hex(opensslSmPrimitives.sm3(Buffer.from(input)))).toBe(digest);
  });

  it('hashes the concatenation of its parts', () => {
    expect(hex(smPrimitives.sm3(Buffer.from('ab'), Buffer.from('c')))).toBe(vectors[0]?.[1]);
  });
});

describe('SM4 (GB/T 32907)', () => {
  const key = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');

  it('OpenSSL sm4-ecb encrypts the standard block', () => {
    const cipher = createCipheriv('sm4-ecb', key, null).setAutoPadding(false);
    expect(hex(Buffer.concat([cipher.update(key), cipher.final()]))).toBe('681edf34d206965e86b3e94f536e4246');
  });

  it('sm-crypto-v2 (the fallback) encrypts the standard block', () => {
    const out = jsSm4.encrypt(key, key, { mode: 'ecb', padding: 'none', output: 'array' });
    expect(hex(out)).toBe('681edf34d206965e86b3e94f536e4246');
  });
});

describe.skipIf(!opensslHasSm())('the pure-JS fallback produces what OpenSSL produces', () => {
  it('SM4-CTR, across lengths and across the 2^128 counter wrap', () => {
    const key = randomBytes(16);
    const ivs = [randomBytes(16), Buffer.alloc(16, 0xff), Buffer.from('00000000000000000000000000fffffe', 'hex')];
    for (const iv of ivs) {
      for (const length of [0, 1, 15, 16, 17, 64, 1000]) {
        const data = randomBytes(length);
        expect(hex(jsSmPrimitives.sm4Ctr(key, iv, data))).toBe(hex(opensslSmPrimitives.sm4Ctr(key, iv, data)));
      }
    }
  });

  it('HMAC-SM3 and HKDF-SM3', () => {
    const key = randomBytes(16);
    const parts = [randomBytes(3), randomBytes(70)];
    expect(hex(jsSmPrimitives.hmacSm3(key, ...parts))).toBe(hex(opensslSmPrimitives.hmacSm3(key, ...parts)));
    expect(hex(jsSmPrimitives.hkdfSm3(key, 'info', 48))).toBe(hex(opensslSmPrimitives.hkdfSm3(key, 'info', 48)));
  });

  it('OpenSSL is the backend in use here', () => {
    expect(smPrimitives.backend).toBe('openssl');
  });
});
