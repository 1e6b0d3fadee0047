import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeSm2Signature, encodeSm2Signature } from './sm2-der.js';

const der = (h: string): Buffer => Buffer.from(h, 'hex');

describe('SM2 signature DER', () => {
  it('encodes minimally, with a zero byte only before a top bit', () => {
    expect(encodeSm2Signature(1n, 2n).toString('hex')).toBe('3006020101020102');
    expect(encodeSm2Signature(0x80n, 0x7fn).toString('hex')).toBe('30070202008002017f');
  });

  it('round-trips random 256-bit values', () => {
    for (let i = 0; i < 200; i++) {
      const r = BigInt(`0x${randomBytes(32).toString('hex')}`) || 1n;
      const s = BigInt(`0x${randomBytes((i % 32) + 1).toString('hex')}`) || 1n;
      expect(decodeSm2Signature(encodeSm2Signature(r, s))).toEqual({ r, s });
    }
  });

  it.each([
    ['trailing byte', '300602010102010200'],
    ['wrong outer length', '3007020101020102'],
    ['zero-padded r', '300702020001020102'],
    ['zero-padded s', '300702010102020002'],
    ['negative r', '3006020181020102'],
    ['zero r', '3006020100020102'],
    ['empty integer', '30050200020102'],
    ['long-form length', '308106020101020102'],
    ['wrong tag', '3106020101020102'],
    ['integer tag wrong', '3006030101020102'],
    ['raw r‖s instead of DER', 'aa'.repeat(64)],
    ['empty', ''],
  ])('rejects %s', (_name, h) => {
    expect(decodeSm2Signature(der(h))).toBeUndefined();
  });
});
