import smCrypto from 'sm-crypto';
import { sm2 as smV2 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { getSuite, SM2_DEFAULT_USER_ID } from './index.js';
import { decodeSm2Signature, encodeSm2Signature } from './sm2-der.js';
import { SM2_ORDER } from './sm2-keys.js';

const suite = getSuite('sm2');
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('SM2 signatures (GB/T 32918, with Z over ID 1234567812345678)', () => {
  it('verifies the GM/T 0003.5 Annex A example signature', () => {
    // d, P = dG, message "message digest", default ID, and the published (r, s).
    const { publicKey } = suite.importKeyPair('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8');
    expect(suite.exportPublicKey(publicKey)).toBe(
      '04' + '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020' + 'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
    );
    const signature = encodeSm2Signature(
      0xf5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3n,
      0xb1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aan,
    );
    expect(suite.verify(publicKey, bytes('message digest'), signature)).toBe(true);
    expect(suite.verify(publicKey, bytes('message digesT'), signature)).toBe(false);
  });

  it('signs and verifies; a changed message, key or signature fails', () => {
    const pair = suite.generateKeyPair();
    const other = suite.generateKeyPair();
    const msg = bytes('用户 u1 于 2025-01-01 登录');
    const sig = suite.sign(pair.privateKey, msg);
    expect(sig[0]).toBe(0x30); // DER SEQUENCE
    expect(sig.length).toBeGreaterThanOrEqual(8);
    expect(sig.length).toBeLessThanOrEqual(72);
    expect(suite.verify(pair.publicKey, msg, sig)).toBe(true);
    expect(suite.verify(pair.publicKey, bytes('用户 u2 于 2025-01-01 登录'), sig)).toBe(false);
    expect(suite.verify(other.publicKey, msg, sig)).toBe(false);
    const flipped = Buffer.from(sig);
    flipped[sig.length - 1] = (flipped[sig.length - 1] ?? 0) ^ 1;
    expect(suite.verify(pair.publicKey, msg, flipped)).toBe(false);
    expect(suite.verify(pair.publicKey, msg, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
    expect(suite.verify(pair.publicKey, msg, new Uint8Array(0))).toBe(false);
  });

  it('signs the empty message and long messages', () => {
    const pair = suite.generateKeyPair();
    for (const msg of [new Uint8Array(0), Buffer.alloc(1 << 20, 7)]) {
      expect(suite.verify(pair.publicKey, msg, suite.sign(pair.privateKey, msg))).toBe(true);
    }
  });

  it('refuses r or s outside [1, n-1] (well-formed DER, same value mod n)', () => {
    const pair = suite.generateKeyPair();
    const msg = bytes('x');
    const rs = decodeSm2Signature(suite.sign(pair.privateKey, msg));
    if (!rs) throw new Error('our own signature must decode');
    for (const [r, s] of [
      [rs.r, rs.s + SM2_ORDER],
      [rs.r + SM2_ORDER, rs.s],
    ] as const) {
      const sig = encodeSm2Signature(r, s);
      expect(decodeSm2Signature(sig)).toEqual({ r, s });
      expect(suite.verify(pair.publicKey, msg, sig)).toBe(false);
    }
  });
});

describe('SM2 interoperability with sm-crypto 0.5', () => {
  const msg = bytes('政务信息资源交换 exchange #42');
  const msgArray = Array.from(msg);

  it('sm-crypto verifies our signatures (der, hash: true, default ID)', () => {
    const pair = suite.generateKeyPair();
    const publicHex = suite.exportPublicKey(pair.publicKey);
    for (let i = 0; i < 20; i++) {
      const sig = hexOf(suite.sign(pair.privateKey, msg));
      expect(smCrypto.sm2.doVerifySignature(msgArray, sig, publicHex, { der: true, hash: true })).toBe(true);
      expect(
        smCrypto.sm2.doVerifySignature(msgArray, sig, publicHex, {
          der: true,
          hash: true,
          userId: 'alice@example.com',
        }),
      ).toBe(false);
    }
  });

  it('we verify sm-crypto signatures (der, hash: true, default ID)', () => {
    const { privateKey, publicKey } = smCrypto.sm2.generateKeyPairHex();
    const ours = suite.importPublicKey(publicKey);
    for (let i = 0; i < 20; i++) {
      const sig = smCrypto.sm2.doSignature(msgArray, privateKey, { der: true, hash: true, publicKey });
      expect(suite.verify(ours, msg, Buffer.from(sig, 'hex'))).toBe(true);
    }
  });

  it('the ID in Z is 1234567812345678: an explicit default verifies, another ID does not', () => {
    expect(SM2_DEFAULT_USER_ID).toBe('1234567812345678');
    const { privateKey, publicKey } = smCrypto.sm2.generateKeyPairHex();
    const ours = suite.importPublicKey(publicKey);
    const withDefault = smCrypto.sm2.doSignature(msgArray, privateKey, {
      der: true,
      hash: true,
      userId: '1234567812345678',
    });
    const withOther = smCrypto.sm2.doSignature(msgArray, privateKey, {
      der: true,
      hash: true,
      userId: 'alice@example.com',
    });
    const withoutZ = smCrypto.sm2.doSignature(msgArray, privateKey, { der: true, hash: false });
    expect(suite.verify(ours, msg, Buffer.from(withDefault, 'hex'))).toBe(true);
    expect(suite.verify(ours, msg, Buffer.from(withOther, 'hex'))).toBe(false);
    expect(suite.verify(ours, msg, Buffer.from(withoutZ, 'hex'))).toBe(false);
  });

  it('we verify sm-crypto-v2 `hash: true` signatures (our own e = SM3(Z ‖ M) is the same)', () => {
    const pair = suite.generateKeyPair();
    const publicHex = suite.exportPublicKey(pair.publicKey);
    const sig = smV2.doSignature(msg, suite.exportPrivateKey(pair.privateKey), {
      der: true,
      hash: true,
      publicKey: publicHex,
    });
    expect(suite.verify(pair.publicKey, msg, Buffer.from(sig, 'hex'))).toBe(true);
    expect(smV2.doVerifySignature(msg, hexOf(suite.sign(pair.privateKey, msg)), publicHex, { der: true, hash: true })).toBe(true);
  });

  it('keys are the same numbers in both libraries', () => {
    const { privateKey, publicKey } = smCrypto.sm2.generateKeyPairHex();
    const pair = suite.importKeyPair(privateKey);
    expect(suite.exportPublicKey(pair.publicKey)).toBe(publicKey.toLowerCase());
    expect(suite.exportPrivateKey(pair.privateKey)).toBe(privateKey.toLowerCase());
  });
});

describe('SM2 keys', () => {
  it('export public keys as 04‖x‖y hex and fingerprint them with SM3 of that text', () => {
    const { publicKey } = suite.generateKeyPair();
    const text = suite.exportPublicKey(publicKey);
    expect(text).toMatch(/^04[0-9a-f]{128}$/);
    expect(suite.exportPublicKey(suite.importPublicKey(text.toUpperCase()))).toBe(text);
    expect(suite.fingerprint(publicKey)).toBe(smCrypto.sm3(text));
  });

  it.each([
    ['off the curve', `04${'11'.repeat(64)}`],
    ['compressed', `02${'11'.repeat(32)}`],
    ['too short', '04abcd'],
    ['an Ed25519 key', 'MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPaYiMlrwIaaPcHURo='],
  ])('refuse a public key that is %s', (_name, text) => {
    expect(() => suite.importPublicKey(text)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
  });

  it.each([
    ['zero', '0'.repeat(64)],
    ['n - 1 (1 + d not invertible)', (SM2_ORDER - 1n).toString(16)],
    ['n', SM2_ORDER.toString(16)],
    ['not hex', 'g'.repeat(64)],
    ['short', '01'],
  ])('refuse a private key that is %s', (_name, text) => {
    expect(() => suite.importKeyPair(text)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
  });

  it('accept n - 2, the largest private key', () => {
    const pair = suite.importKeyPair((SM2_ORDER - 2n).toString(16));
    const sig = suite.sign(pair.privateKey, bytes('m'));
    expect(suite.verify(pair.publicKey, bytes('m'), sig)).toBe(true);
  });
});
