import type { KeyObject } from 'node:crypto';

/** The crypto suites the platform can be configured with. */
export type SuiteName = 'ed25519' | 'sm2';

/** An Ed25519 public key; the KeyObject is what node:crypto signs and verifies with. */
export interface Ed25519PublicKey {
  readonly suite: 'ed25519';
  readonly keyObject: KeyObject;
}

/** An Ed25519 private key. The KeyObject never prints or serialises its secret by accident. */
export interface Ed25519PrivateKey {
  readonly suite: 'ed25519';
  readonly keyObject: KeyObject;
}

/** An SM2 public key: `hex` is the uncompressed point `04‖x‖y`, 130 lowercase hex digits. */
export interface Sm2PublicKey {
  readonly suite: 'sm2';
  readonly hex: string;
}

/**
 * An SM2 private key. The secret scalar is deliberately not a property: it is held out of the
 * object (see sm2-keys.ts) so that logging or `JSON.stringify`-ing a key cannot leak it. Only
 * `generateKeyPair` / `importKeyPair` make these; a hand-built object is refused (CRYPTO_BAD_KEY).
 */
export interface Sm2PrivateKey {
  readonly suite: 'sm2';
  /** The matching public key, kept so signing need not recompute it (a scalar multiplication). */
  readonly publicKey: Sm2PublicKey;
}

export type PublicKey = Ed25519PublicKey | Sm2PublicKey;
export type PrivateKey = Ed25519PrivateKey | Sm2PrivateKey;

/** A private key and its public key, always of the same suite. */
export interface KeyPair {
  readonly publicKey: PublicKey;
  readonly privateKey: PrivateKey;
}

/**
 * One crypto suite: signatures, hashing and authenticated encryption at rest, chosen together.
 *
 * Contracts common to every suite:
 * - keys of another suite are refused with CRYPTO_BAD_KEY (a configuration error, not a bad
 *   signature);
 * - `verify` returns false for any wrong, malformed or truncated signature; it never throws for
 *   those;
 * - `decrypt` throws CRYPTO_DECRYPT_FAILED for a wrong key, tampered or truncated ciphertext or
 *   wrong `aad`, and CRYPTO_BAD_KEY for a key of the wrong length;
 * - functions do not use `this`, so they can be passed around (`merkleRoot(leaves, suite.hash)`).
 */
export interface CryptoSuite {
  readonly name: SuiteName;
  readonly hashName: 'sha256' | 'sm3';
  /** Bytes of the symmetric key `encrypt` takes: 32 (AES-256) or 16 (SM4). */
  readonly symmetricKeyLength: number;
  /** Hash of `data` (a string is hashed as UTF-8). */
  hash(data: Uint8Array | string): Buffer;
  generateKeyPair(): KeyPair;
  sign(privateKey: PrivateKey, data: Uint8Array): Buffer;
  verify(publicKey: PublicKey, data: Uint8Array, signature: Uint8Array): boolean;
  /** Authenticated encryption; output layout `[format version byte][suite-specific]`. */
  encrypt(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer;
  decrypt(key: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Buffer;
  /** A fresh random key of `symmetricKeyLength` bytes. */
  generateSymmetricKey(): Buffer;
  /** The public key as one line of text, for publishing (base64 SPKI for Ed25519, hex for SM2). */
  exportPublicKey(publicKey: PublicKey): string;
  /** Inverse of `exportPublicKey`; throws CRYPTO_BAD_KEY for anything that is not a valid key. */
  importPublicKey(text: string): PublicKey;
  /** The raw 32-byte secret as 64 hex digits (Ed25519 seed, SM2 scalar). Handle with care. */
  exportPrivateKey(privateKey: PrivateKey): string;
  /** Inverse of `exportPrivateKey`: the pair, with the public key derived from the secret. */
  importKeyPair(privateKeyHex: string): KeyPair;
  /** Hex hash (this suite's hash) of the UTF-8 text `exportPublicKey` returns. */
  fingerprint(publicKey: PublicKey): string;
}
