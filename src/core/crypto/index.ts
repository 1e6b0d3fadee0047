/**
 * Crypto suites of the platform (`ed25519`: Ed25519 + SHA-256 + AES-256-GCM; `sm2`: SM2 + SM3 +
 * SM4, 国密), key files and Merkle roots for batch signing. This file is the module's only public
 * surface: import from `core/crypto/index.js`, never from the files behind it.
 *
 * @example
 * import { getSuite } from '../core/crypto/index.js';
 * const suite = getSuite(config.cryptoSuite);
 * const signature = suite.sign(keyPair.privateKey, record);
 */
export type { CryptoSuite, Ed25519PrivateKey, Ed25519PublicKey, KeyPair, PrivateKey, PublicKey, Sm2PrivateKey, Sm2PublicKey, SuiteName } from './types.js';
export { getSuite, isSuiteName, SUITE_NAMES } from './suite.js';
export { SM2_DEFAULT_USER_ID } from './sm2-suite.js';
export { CIPHERTEXT_FORMATS } from './ciphertext-format.js';
export { merkleRoot, type MerkleHash } from './merkle.js';
export {
  readKeyFile,
  readPublicKeyFile,
  writeKeyFile,
  writePublicKeyFile,
  type KeyFileContents,
  type ReadKeyFileOptions,
  type WriteKeyFileOptions,
} from './key-file.js';
