import { sm2 } from 'sm-crypto-v2';
import { AppError } from '../errors.js';
import type { KeyPair, PrivateKey, PublicKey, Sm2PrivateKey, Sm2PublicKey } from './types.js';

/** The order n of the SM2 curve's base point (GB/T 32918.5). */
export const SM2_ORDER = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

const PUBLIC_HEX = /^04[0-9a-f]{128}$/; // lower case: one text per key, so one fingerprint
const PRIVATE_HEX = /^[0-9a-fA-F]{64}$/;

// Secret scalars live here, not on the key objects, so a logged or serialised key shows no secret.
// Keyed by object identity: only keys this module made have an entry.
const secrets = new WeakMap<Sm2PrivateKey, string>();

/**
 * A fresh SM2 key pair (sm-crypto-v2, CSPRNG via globalThis.crypto).
 *
 * @example const { publicKey } = generateSm2KeyPair(); publicKey.hex.slice(0, 2) // '04'
 */
export function generateSm2KeyPair(): KeyPair {
  for (;;) {
    const { privateKey } = sm2.generateKeyPairHex();
    // The generator draws from [1, n-1]; SM2 needs d ≤ n-2 so that 1+d is invertible mod n.
    if (isValidScalar(privateKey)) return importSm2KeyPair(privateKey);
  }
}

/**
 * The key pair for a 64-hex-digit private scalar d, 1 ≤ d ≤ n-2; throws CRYPTO_BAD_KEY otherwise.
 *
 * @example importSm2KeyPair('3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8')
 */
export function importSm2KeyPair(privateKeyHex: string): KeyPair {
  if (!PRIVATE_HEX.test(privateKeyHex) || !isValidScalar(privateKeyHex)) {
    throw new AppError('CRYPTO_BAD_KEY', 'SM2 私钥应为 64 位十六进制，取值 1 ≤ d ≤ n-2');
  }
  const secret = privateKeyHex.toLowerCase();
  const publicKey: Sm2PublicKey = Object.freeze({
    suite: 'sm2',
    hex: sm2.getPublicKeyFromPrivateKey(secret).toLowerCase(),
  });
  const privateKey: Sm2PrivateKey = Object.freeze({ suite: 'sm2', publicKey });
  secrets.set(privateKey, secret);
  return { publicKey, privateKey };
}

/**
 * Parses an uncompressed public key `04‖x‖y` (130 hex digits) and checks that the point is on
 * the curve; throws CRYPTO_BAD_KEY otherwise.
 *
 * @example importSm2PublicKey(keyPair.publicKey.hex)
 */
export function importSm2PublicKey(text: string): Sm2PublicKey {
  const hex = text.trim().toLowerCase();
  if (!PUBLIC_HEX.test(hex) || !isOnCurve(hex)) {
    throw new AppError('CRYPTO_BAD_KEY', 'SM2 公钥格式不合法（应为 04 开头、130 位十六进制的曲线上的点）');
  }
  return Object.freeze({ suite: 'sm2', hex });
}

/**
 * The secret scalar (64 hex digits) and public key of a private key made here; throws
 * CRYPTO_BAD_KEY for any other (another suite's, or a hand-built object).
 *
 * @example const { secret, publicKey } = openSm2PrivateKey(keyPair.privateKey)
 */
export function openSm2PrivateKey(key: PrivateKey): { secret: string; publicKey: Sm2PublicKey } {
  const secret = key.suite === 'sm2' ? secrets.get(key) : undefined;
  if (key.suite !== 'sm2' || secret === undefined) {
    throw new AppError('CRYPTO_BAD_KEY', '需要由 generateKeyPair 或 importKeyPair 生成的 SM2 私钥');
  }
  return { secret, publicKey: key.publicKey };
}

/** Narrows to an SM2 public key; throws CRYPTO_BAD_KEY for a key of another suite. */
export function asSm2PublicKey(key: PublicKey): Sm2PublicKey {
  if (key.suite !== 'sm2' || !PUBLIC_HEX.test(key.hex)) throw new AppError('CRYPTO_BAD_KEY', '需要 SM2 公钥');
  return key;
}

function isValidScalar(hex: string): boolean {
  const d = BigInt(`0x${hex}`);
  return d >= 1n && d <= SM2_ORDER - 2n;
}

function isOnCurve(hex: string): boolean {
  try {
    return sm2.verifyPublicKey(hex);
  } catch {
    return false; // sm-crypto-v2 throws, rather than returning false, for points off the curve
  }
}
