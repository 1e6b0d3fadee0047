import { open } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { getSuite } from './suite.js';
import type { CryptoSuite, KeyPair, PublicKey } from './types.js';

/*
 * Key files are JSON, one object, UTF-8, trailing newline:
 *   key pair:   { "type": "zhengtong-key-pair", "version": 1, "suite": "sm2",
 *                 "fingerprint": "<hex>", "publicKey": "<exportPublicKey>", "privateKey": "<64 hex>" }
 *   public key: { "type": "zhengtong-public-key", "version": 1, "suite": "sm2",
 *                 "fingerprint": "<hex>", "publicKey": "<exportPublicKey>" }
 * JSON rather than PEM because the suite must travel with the key (PEM has no SM2-with-our-ID
 * type, and base64 of a 32-byte seed would not say which suite it belongs to). `fingerprint` is
 * for people comparing keys; on reading it is recomputed and must match.
 */
const KEY_PAIR_TYPE = 'zhengtong-key-pair';
const PUBLIC_KEY_TYPE = 'zhengtong-public-key';
const MAX_FILE_BYTES = 64 * 1024;

export interface WriteKeyFileOptions {
  /** Replace an existing file (default false: an existing file is an AppError CONFLICT). */
  overwrite?: boolean;
}

export interface ReadKeyFileOptions {
  /**
   * Accept a key file that group or others may read or write (default false). Off by default, as
   * ssh does, because such a key must be presumed disclosed; turn it on only where the platform's
   * modes mean nothing (some container volume mounts), and log the returned flag.
   */
  allowInsecurePermissions?: boolean;
}

export interface KeyFileContents {
  suite: CryptoSuite;
  keyPair: KeyPair;
  /** True if the file's mode gives group or others any access (only when allowed in options). */
  insecurePermissions: boolean;
}

/**
 * Writes a key pair to `path` with mode 0600, atomically (see `writeFileAtomic`). Throws
 * CRYPTO_BAD_KEY if the pair is not of `suite`, CONFLICT if the file exists and not `overwrite`.
 *
 * @example await writeKeyFile('node.key.json', suite.generateKeyPair(), suite)
 */
export async function writeKeyFile(path: string, keyPair: KeyPair, suite: CryptoSuite, options: WriteKeyFileOptions = {}): Promise<void> {
  const document = {
    type: KEY_PAIR_TYPE,
    version: 1,
    suite: suite.name,
    fingerprint: suite.fingerprint(keyPair.publicKey),
    publicKey: suite.exportPublicKey(keyPair.publicKey),
    privateKey: suite.exportPrivateKey(keyPair.privateKey),
  };
  if (suite.exportPublicKey(suite.importKeyPair(document.privateKey).publicKey) !== document.publicKey) {
    throw new AppError('CRYPTO_BAD_KEY', '私钥与公钥不匹配');
  }
  await writeFileAtomic(path, `${JSON.stringify(document, null, 2)}\n`, 0o600, options.overwrite ?? false);
}

/**
 * Reads a key file written by `writeKeyFile`. Throws CRYPTO_BAD_KEY if group or others have any
 * access to the file (unless allowed; POSIX only — on Windows modes are not checked), or if it is
 * not a well-formed key file whose private key, public key and fingerprint agree;
 * CRYPTO_UNKNOWN_SUITE for an unknown suite. File-system errors (ENOENT, EACCES) propagate.
 *
 * @example const { suite, keyPair } = await readKeyFile('node.key.json')
 */
export async function readKeyFile(path: string, options: ReadKeyFileOptions = {}): Promise<KeyFileContents> {
  const { text, mode } = await readSmallFile(path);
  const insecurePermissions = process.platform !== 'win32' && (mode & 0o077) !== 0;
  if (insecurePermissions && !options.allowInsecurePermissions) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new AppError('CRYPTO_BAD_KEY', `密钥文件 ${path} 的权限 ${octal} 允许其他用户访问，私钥应视为已泄露；请执行 chmod 600`, {
      path,
      mode: octal,
    });
  }
  const document = parseDocument(text, path, KEY_PAIR_TYPE);
  const suite = getSuite(stringField(document, 'suite', path));
  const keyPair = suite.importKeyPair(stringField(document, 'privateKey', path));
  checkPublicPart(document, suite, keyPair.publicKey, path);
  return { suite, keyPair, insecurePermissions };
}

/**
 * Writes only the public key (mode 0644, atomically), e.g. for `audit verify --public-key FILE`.
 *
 * @example await writePublicKeyFile('node.pub.json', keyPair.publicKey, suite)
 */
export async function writePublicKeyFile(path: string, publicKey: PublicKey, suite: CryptoSuite, options: WriteKeyFileOptions = {}): Promise<void> {
  const document = {
    type: PUBLIC_KEY_TYPE,
    version: 1,
    suite: suite.name,
    fingerprint: suite.fingerprint(publicKey),
    publicKey: suite.exportPublicKey(publicKey),
  };
  await writeFileAtomic(path, `${JSON.stringify(document, null, 2)}\n`, 0o644, options.overwrite ?? false);
}

/**
 * Reads a file written by `writePublicKeyFile`. Throws CRYPTO_BAD_KEY for anything else —
 * including a key-pair file, so private keys are not passed around where a public key will do.
 *
 * @example const { suite, publicKey } = await readPublicKeyFile('node.pub.json')
 */
export async function readPublicKeyFile(path: string): Promise<{ suite: CryptoSuite; publicKey: PublicKey; fingerprint: string }> {
  const document = parseDocument((await readSmallFile(path)).text, path, PUBLIC_KEY_TYPE);
  const suite = getSuite(stringField(document, 'suite', path));
  const publicKey = suite.importPublicKey(stringField(document, 'publicKey', path));
  checkPublicPart(document, suite, publicKey, path);
  return { suite, publicKey, fingerprint: suite.fingerprint(publicKey) };
}

/** Reads through one file handle, so the mode checked is that of the file read (no race). */
async function readSmallFile(path: string): Promise<{ text: string; mode: number }> {
  const handle = await open(path, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
      throw new AppError('CRYPTO_BAD_KEY', `${path} 不是密钥文件`, { path });
    }
    return { text: await handle.readFile('utf8'), mode: stat.mode };
  } finally {
    await handle.close();
  }
}

function parseDocument(text: string, path: string, type: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new AppError('CRYPTO_BAD_KEY', `${path} 不是合法的 JSON 密钥文件`, { path });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new AppError('CRYPTO_BAD_KEY', `${path} 不是合法的 JSON 密钥文件`, { path });
  }
  const record = document as Record<string, unknown>;
  if (record.type === KEY_PAIR_TYPE && type === PUBLIC_KEY_TYPE) {
    throw new AppError('CRYPTO_BAD_KEY', `${path} 是私钥文件；此处只需要公钥文件（writePublicKeyFile 导出）`, { path });
  }
  if (record.type !== type || record.version !== 1) {
    throw new AppError('CRYPTO_BAD_KEY', `${path} 不是 ${type} 第 1 版文件`, { path });
  }
  return record;
}

function stringField(document: Record<string, unknown>, name: string, path: string): string {
  const value = document[name];
  if (typeof value !== 'string') throw new AppError('CRYPTO_BAD_KEY', `${path} 缺少字段 ${name}`, { path });
  return value;
}

/** The stored public key and fingerprint must be those of the key actually loaded. */
function checkPublicPart(document: Record<string, unknown>, suite: CryptoSuite, publicKey: PublicKey, path: string): void {
  const stored = suite.importPublicKey(stringField(document, 'publicKey', path));
  if (suite.exportPublicKey(stored) !== suite.exportPublicKey(publicKey)) {
    throw new AppError('CRYPTO_BAD_KEY', `${path} 中的公钥与私钥不匹配`, { path });
  }
  if (document.fingerprint !== undefined && document.fingerprint !== suite.fingerprint(publicKey)) {
    throw new AppError('CRYPTO_BAD_KEY', `${path} 中的指纹与公钥不符`, { path });
  }
}
