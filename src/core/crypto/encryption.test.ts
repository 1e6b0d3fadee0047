import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CIPHERTEXT_FORMATS, getSuite, type SuiteName } from './index.js';

const suites: [SuiteName, number, number][] = [
  // name, key bytes, ciphertext overhead
  ['ed25519', 32, 1 + 12 + 16],
  ['sm2', 16, 1 + 16 + 32],
];
const failed = expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' });

describe.each(suites)('encryption at rest, %s suite', (name, keyBytes, overhead) => {
  const suite = getSuite(name);
  const key = suite.generateSymmetricKey();
  const aad = Buffer.from('citizen:110101199003074477');

  it('round-trips, with and without aad, for any length', () => {
    expect(key).toHaveLength(keyBytes);
    expect(suite.symmetricKeyLength).toBe(keyBytes);
    for (const plaintext of [Buffer.alloc(0), Buffer.from('身份证号'), randomBytes(1000)]) {
      const sealed = suite.encrypt(key, plaintext, aad);
      expect(sealed).toHaveLength(plaintext.length + overhead);
      expect(suite.decrypt(key, sealed, aad).equals(plaintext)).toBe(true);
      expect(suite.decrypt(key, suite.encrypt(key, plaintext), undefined).equals(plaintext)).toBe(true);
    }
  });

  it('uses a fresh IV each time', () => {
    const plaintext = Buffer.from('same');
    expect(suite.encrypt(key, plaintext).equals(suite.encrypt(key, plaintext))).toBe(false);
  });

  it('fails on any flipped bit, truncation, wrong key or wrong aad', () => {
    const sealed = suite.encrypt(key, Buffer.from('敏感个人信息'), aad);
    for (let i = 0; i < sealed.length; i++) {
      const tampered = Buffer.from(sealed);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(() => suite.decrypt(key, tampered, aad), `byte ${i}`).toThrow(failed);
    }
    expect(() => suite.decrypt(key, sealed.subarray(0, sealed.length - 1), aad)).toThrow(failed);
    expect(() => suite.decrypt(key, sealed.subarray(0, 5), aad)).toThrow(failed);
    expect(() => suite.decrypt(key, new Uint8Array(0), aad)).toThrow(failed);
    expect(() => suite.decrypt(suite.generateSymmetricKey(), sealed, aad)).toThrow(failed);
    expect(() => suite.decrypt(key, sealed, Buffer.from('citizen:other'))).toThrow(failed);
    expect(() => suite.decrypt(key, sealed)).toThrow(failed);
  });

  it('refuses keys of the wrong length', () => {
    const bad = expect.objectContaining({ code: 'CRYPTO_BAD_KEY' });
    expect(() => suite.encrypt(randomBytes(keyBytes === 32 ? 16 : 32), Buffer.from('x'))).toThrow(bad);
    expect(() => suite.decrypt(randomBytes(keyBytes + 1), suite.encrypt(key, Buffer.from('x')))).toThrow(bad);
  });

  it('names the other suite when handed its ciphertext', () => {
    const other = getSuite(name === 'sm2' ? 'ed25519' : 'sm2');
    const foreign = other.encrypt(other.generateSymmetricKey(), Buffer.from('x'));
    expect(() => suite.decrypt(key, foreign)).toThrow(/与当前密码套件不符/);
  });
});

describe('ciphertext layouts are as documented (so other tools can read them)', () => {
  it('ed25519 suite: [0x01][iv 12][AES-256-GCM ciphertext][tag 16], GCM aad = 0x01 ‖ aad', () => {
    const suite = getSuite('ed25519');
    const key = suite.generateSymmetricKey();
    const aad = Buffer.from('a');
    const sealed = suite.encrypt(key, Buffer.from('hello'), aad);
    expect(sealed[0]).toBe(0x01);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
    decipher.setAAD(Buffer.concat([Buffer.from([1]), aad]));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()]);
    expect(plain.toString()).toBe('hello');
  });

  it('sm2 suite: [0x02][iv 16][SM4-CTR ciphertext][HMAC-SM3 tag 32], keys from HKDF-SM3', () => {
    const suite = getSuite('sm2');
    const key = suite.generateSymmetricKey();
    const aad = Buffer.from('a');
    const okm = Buffer.from(hkdfSync('sm3', key, Buffer.alloc(0), 'zhengtong sm4-ctr hmac-sm3 v2', 48));
    const [encKey, macKey] = [okm.subarray(0, 16), okm.subarray(16)];
    const iv = randomBytes(16);
    const cipher = createCipheriv('sm4-ctr', encKey, iv);
    const body = Buffer.concat([cipher.update('hello'), cipher.final()]);
    const aadBits = Buffer.alloc(8);
    aadBits.writeBigUInt64BE(BigInt(aad.length * 8));
    const tag = createHmac('sm3', macKey)
      .update(Buffer.concat([Buffer.from([2]), aad, iv, body, aadBits]))
      .digest();
    const handMade = Buffer.concat([Buffer.from([2]), iv, body, tag]);
    expect(suite.decrypt(key, handMade, aad).toString()).toBe('hello');
  });

  it('registers each format byte once', () => {
    expect(Object.keys(CIPHERTEXT_FORMATS)).toEqual(['1', '2']);
  });
});
