import fs from 'node:fs/promises';
import path from 'node:path';
import { getSuite, readKeyFile, writeKeyFile, writePublicKeyFile, type CryptoSuite, type KeyPair, type SuiteName } from './crypto/index.js';
import { AppError } from './errors.js';

/** The platform's own keys: the signing key (audit checkpoints, global configuration) and the data key (secrets at rest). */
export interface PlatformKeys {
  suite: CryptoSuite;
  signing: KeyPair;
  fingerprint: string;
  /** Symmetric key for encryption at rest with the suite's cipher (AES-256-GCM or SM4). */
  dataKey: Buffer;
  signingKeyPath: string;
  publicKeyPath: string;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/**
 * Loads the platform's keys from `keyDir`, creating them on first start: `platform-signing.key.json`
 * (0600), `platform-signing.pub.json` (the public half, for offline `audit verify`), and
 * `data.key` (0600). A key file of another suite than the configured one is refused.
 */
export async function loadOrCreatePlatformKeys(keyDir: string, suiteName: SuiteName): Promise<PlatformKeys> {
  const suite = getSuite(suiteName);
  await fs.mkdir(keyDir, { recursive: true, mode: 0o700 });
  const signingKeyPath = path.join(keyDir, 'platform-signing.key.json');
  const publicKeyPath = path.join(keyDir, 'platform-signing.pub.json');
  const dataKeyPath = path.join(keyDir, 'data.key');

  if (!(await exists(signingKeyPath))) {
    const pair = suite.generateKeyPair();
    await writeKeyFile(signingKeyPath, pair, suite);
    await writePublicKeyFile(publicKeyPath, pair.publicKey, suite, { overwrite: true });
  }
  const loaded = await readKeyFile(signingKeyPath);
  if (loaded.suite.name !== suite.name) {
    throw new AppError(
      'CRYPTO_BAD_KEY',
      `密钥文件 ${signingKeyPath} 属于 ${loaded.suite.name} 套件，但配置为 ${suite.name} (ZT_CRYPTO_SUITE does not match the key file)`,
    );
  }
  if (!(await exists(publicKeyPath))) await writePublicKeyFile(publicKeyPath, loaded.keyPair.publicKey, suite);

  if (!(await exists(dataKeyPath))) {
    await fs.writeFile(dataKeyPath, suite.generateSymmetricKey().toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const dataKey = Buffer.from((await fs.readFile(dataKeyPath, 'utf8')).trim(), 'hex');
  if (dataKey.length !== suite.symmetricKeyLength) {
    throw new AppError('CRYPTO_BAD_KEY', `数据密钥 ${dataKeyPath} 长度应为 ${suite.symmetricKeyLength} 字节 (wrong data key length for the suite)`);
  }
  return { suite, signing: loaded.keyPair, fingerprint: suite.fingerprint(loaded.keyPair.publicKey), dataKey, signingKeyPath, publicKeyPath };
}

/** Seals short secrets (TOTP seeds) with the data key; `aad` binds a sealed value to its purpose. */
export function secretBoxOf(keys: Pick<PlatformKeys, 'suite' | 'dataKey'>, purpose = 'zhengtong/secret/1') {
  const aad = Buffer.from(purpose);
  return {
    seal: (plain: string): string => keys.suite.encrypt(keys.dataKey, Buffer.from(plain, 'utf8'), aad).toString('base64'),
    open: (sealed: string): string => keys.suite.decrypt(keys.dataKey, Buffer.from(sealed, 'base64'), aad).toString('utf8'),
  };
}
