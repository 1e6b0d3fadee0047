/**
 * DER codec for SM2 signatures: `SEQUENCE { r INTEGER, s INTEGER }` (GB/T 35276 / GM/T 0009),
 * the encoding sm-crypto (`der: true`), OpenSSL, BouncyCastle and the 国密 hardware all use.
 *
 * We encode and decode it ourselves rather than through sm-crypto-v2 because its decoder is
 * lenient: it takes non-minimal encodings and trailing bytes, so one signature would have many
 * byte strings (malleability). This decoder accepts exactly one encoding per (r, s).
 */

/**
 * Encodes (r, s), both positive, as canonical DER.
 *
 * @example encodeSm2Signature(1n, 2n).toString('hex') // '3006020101020102'
 */
export function encodeSm2Signature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([encodeInteger(r), encodeInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/**
 * Decodes a canonical DER signature; undefined for anything else (wrong tags, non-minimal or
 * long-form lengths, negative or zero-padded integers, trailing bytes). Range checks against the
 * curve order are the caller's.
 *
 * @example decodeSm2Signature(Buffer.from('3006020101020102', 'hex')) // { r: 1n, s: 2n }
 */
export function decodeSm2Signature(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  // r and s are below 2^256, so the whole thing is at most 72 bytes: short-form lengths only.
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const r = decodeInteger(der, 2);
  if (!r) return undefined;
  const s = decodeInteger(der, r.end);
  if (!s || s.end !== der.length) return undefined;
  return { r: r.value, s: s.value };
}

function encodeInteger(value: bigint): Buffer {
  if (value <= 0n) throw new RangeError('SM2 signature integers are positive');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  // A leading byte with its top bit set would read as negative: prefix a zero byte.
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  const content = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from([0x02, content.length]), content]);
}

function decodeInteger(der: Uint8Array, at: number): { value: bigint; end: number } | undefined {
  const length = der[at + 1];
  if (der[at] !== 0x02 || length === undefined || length < 1 || length > 33) return undefined;
  const end = at + 2 + length;
  if (end > der.length) return undefined;
  const content = der.subarray(at + 2, end);
  const first = content[0] ?? 0;
  const second = content[1];
  if (first >= 0x80) return undefined; // negative
  if (first === 0x00 && (second === undefined || second < 0x80)) return undefined; // zero or padded
  return { value: BigInt(`0x${Buffer.from(content).toString('hex')}`), end };
}
