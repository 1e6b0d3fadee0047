import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rawEd25519PublicKey } from './ed25519-suite.js';
import { getSuite } from './index.js';

const suite = getSuite('ed25519');
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('SHA-256 (FIPS 180-4)', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ])('hash(%j)', (input, digest) => {
    expect(suite.hash(input).toString('hex')).toBe(digest);
    expect(suite.hashName).toBe('sha256');
  });
});

describe('Ed25519 (RFC 8032)', () => {
  // RFC 8032 §7.1, TEST 1: the empty message.
  const seed = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
  const publicRaw = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  const signature = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('reproduces test vector 1 from the raw 32-byte seed', () => {
    const { publicKey, privateKey } = suite.importKeyPair(seed);
    expect(rawEd25519PublicKey(publicKey).toString('hex')).toBe(publicRaw);
    expect(suite.sign(privateKey, new Uint8Array(0)).toString('hex')).toBe(signature);
    expect(suite.verify(publicKey, new Uint8Array(0), Buffer.from(signature, 'hex'))).toBe(true);
    expect(suite.exportPrivateKey(privateKey)).toBe(seed);
  });

  it('signs and verifies; a changed message, key or signature fails', () => {
    const pair = suite.generateKeyPair();
    const other = suite.generateKeyPair();
    const msg = bytes('用户 u1 于 2025-01-01 登录');
    const sig = suite.sign(pair.privateKey, msg);
    expect(sig).toHaveLength(64);
    expect(suite.verify(pair.publicKey, msg, sig)).toBe(true);
    expect(suite.verify(pair.publicKey, bytes('用户 u2 于 2025-01-01 登录'), sig)).toBe(false);
    expect(suite.verify(other.publicKey, msg, sig)).toBe(false);
    const flipped = Buffer.from(sig);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(suite.verify(pair.publicKey, msg, flipped)).toBe(false);
    expect(suite.verify(pair.publicKey, msg, sig.subarray(0, 63))).toBe(false);
    expect(suite.verify(pair.publicKey, msg, new Uint8Array(0))).toBe(false);
  });

  it('exports public keys as one-line base64 SPKI, imports them and PEM', () => {
    const pair = suite.importKeyPair(seed);
    const text = suite.exportPublicKey(pair.publicKey);
    expect(text).toMatch(/^MCowBQYDK2VwAyEA[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(text, 'base64').subarray(12).toString('hex')).toBe(publicRaw);
    const again = suite.importPublicKey(text);
    expect(suite.verify(again, new Uint8Array(0), Buffer.from(signature, 'hex'))).toBe(true);
    const pem = `-----BEGIN PUBLIC KEY-----\n${text}\n-----END PUBLIC KEY-----\n`;
    expect(suite.exportPublicKey(suite.importPublicKey(pem))).toBe(text);
  });

  it('fingerprints a key as SHA-256 of its exported text', () => {
    const { publicKey } = suite.importKeyPair(seed);
    const expected = createHash('sha256').update(suite.exportPublicKey(publicKey)).digest('hex');
    expect(suite.fingerprint(publicKey)).toBe(expected);
  });

  it.each([
    ['not base64', '!!!'],
    ['truncated', 'MCowBQYDK2VwAyEA'],
    ['an SM2 key', `04${'ab'.repeat(64)}`],
  ])('refuses a public key that is %s', (_name, text) => {
    expect(() => suite.importPublicKey(text)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
  });

  it('refuses a public key of another algorithm', () => {
    const { publicKey } = generateKeyPairSync('ed448');
    const text = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => suite.importPublicKey(text)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
  });

  it.each(['', 'zz'.repeat(32), seed.slice(2), `${seed}00`])('refuses private key %j', (text) => {
    expect(() => suite.importKeyPair(text)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
  });
});
