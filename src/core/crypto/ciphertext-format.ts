import { AppError } from '../errors.js';

/**
 * The first byte of every ciphertext names its format, so formats can change without guessing
 * and a ciphertext handed to the wrong suite fails with a clear message. Never reuse a number.
 */
export const CIPHERTEXT_FORMATS = {
  0x01: 'AES-256-GCM (ed25519 suite)',
  0x02: 'SM4-CTR + HMAC-SM3 (sm2 suite)',
} as const satisfies Record<number, string>;

/**
 * Throws CRYPTO_DECRYPT_FAILED unless `ciphertext` starts with `format` and is at least
 * `minLength` bytes long.
 *
 * @example assertCiphertextFormat(ct, 0x01, 1 + 12 + 16)
 */
export function assertCiphertextFormat(ciphertext: Uint8Array, format: keyof typeof CIPHERTEXT_FORMATS, minLength: number): void {
  const found = ciphertext[0];
  if (found !== format) {
    const known = found === undefined ? undefined : (CIPHERTEXT_FORMATS as Record<number, string>)[found];
    const what = known ? `密文格式为 ${known}，与当前密码套件不符` : '密文格式未知';
    throw new AppError('CRYPTO_DECRYPT_FAILED', `解密失败：${what}`);
  }
  if (ciphertext.length < minLength) throw new AppError('CRYPTO_DECRYPT_FAILED', '解密失败：密文被截断');
}

/**
 * Throws CRYPTO_BAD_KEY unless `key` is `length` bytes long.
 *
 * @example assertKeyLength(key, 32, 'AES-256')
 */
export function assertKeyLength(key: Uint8Array, length: number, cipher: string): void {
  if (!(key instanceof Uint8Array) || key.length !== length) {
    throw new AppError('CRYPTO_BAD_KEY', `${cipher} 密钥应为 ${length} 字节`);
  }
}

/** Throws CRYPTO_DECRYPT_FAILED: the one message for every authentication failure (no oracle). */
export function decryptFailed(): never {
  throw new AppError('CRYPTO_DECRYPT_FAILED', '解密失败：密钥错误或密文、附加数据被篡改');
}
