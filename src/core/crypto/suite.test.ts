import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { getSuite, isSuiteName, SUITE_NAMES, type PrivateKey } from './index.js';

const badKey = expect.objectContaining({ code: 'CRYPTO_BAD_KEY' });

describe('getSuite', () => {
  it('returns the two suites by name', () => {
    expect(SUITE_NAMES).toEqual(['ed25519', 'sm2']);
    expect(getSuite('ed25519')).toMatchObject({ name: 'ed25519', hashName: 'sha256', symmetricKeyLength: 32 });
    expect(getSuite('sm2')).toMatchObject({ name: 'sm2', hashName: 'sm3', symmetricKeyLength: 16 });
  });

  it.each(['', 'SM2', 'Ed25519', 'rsa', 'sm3', 'toString', '__proto__'])('throws CRYPTO_UNKNOWN_SUITE for %j', (name) => {
    expect(() => getSuite(name)).toThrow(expect.objectContaining({ code: 'CRYPTO_UNKNOWN_SUITE' }));
    expect(isSuiteName(name)).toBe(false);
  });
});

describe('keys belong to their suite', () => {
  const ed = getSuite('ed25519');
  const sm = getSuite('sm2');
  const edPair = ed.generateKeyPair();
  const smPair = sm.generateKeyPair();
  const msg = Buffer.from('m');

  it('refuses a key of the other suite with CRYPTO_BAD_KEY, in every direction', () => {
    expect(() => ed.sign(smPair.privateKey, msg)).toThrow(badKey);
    expect(() => sm.sign(edPair.privateKey, msg)).toThrow(badKey);
    expect(() => ed.verify(smPair.publicKey, msg, ed.sign(edPair.privateKey, msg))).toThrow(badKey);
    expect(() => sm.verify(edPair.publicKey, msg, sm.sign(smPair.privateKey, msg))).toThrow(badKey);
    expect(() => ed.exportPublicKey(smPair.publicKey)).toThrow(badKey);
    expect(() => sm.exportPrivateKey(edPair.privateKey)).toThrow(badKey);
    expect(() => sm.fingerprint(edPair.publicKey)).toThrow(badKey);
  });

  it('refuses an SM2 private key object it did not make', () => {
    const forged: PrivateKey = { suite: 'sm2', publicKey: { suite: 'sm2', hex: sm.exportPublicKey(smPair.publicKey) } };
    expect(() => sm.sign(forged, msg)).toThrow(badKey);
  });

  it('does not show private key material when a key is logged or serialised', () => {
    for (const [suite, pair] of [
      [sm, smPair],
      [ed, edPair],
    ] as const) {
      const secret = suite.exportPrivateKey(pair.privateKey);
      expect(JSON.stringify(pair)).not.toContain(secret);
      expect(inspect(pair, { depth: 10, showHidden: true })).not.toContain(secret);
    }
  });

  it('suite functions work detached from the suite object', () => {
    const { hash, sign, verify } = sm;
    expect(verify(smPair.publicKey, msg, sign(smPair.privateKey, msg))).toBe(true);
    expect(hash('abc').toString('hex')).toMatch(/^66c7f0f4/);
  });
});
