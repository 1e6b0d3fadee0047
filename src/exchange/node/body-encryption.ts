import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { sql } from 'kysely';
import { writeFileAtomic } from '../../core/crypto/atomic-write.js';
import { CIPHERTEXT_FORMATS, type CryptoSuite } from '../../core/crypto/index.js';
import type { Db } from '../../core/db/database.js';
import { AppError } from '../../core/errors.js';

/*
 * Encryption at rest of the message bodies a node keeps (services whose log setting is `full`).
 *
 * The data key is 32 random bytes in `keys/message-log.key.json` of the node's data folder:
 *   { "type": "zhengtong-data-key", "version": 1, "purpose": "message-log-bodies", "key": "<64 hex>" }
 * It is protected exactly as the node's signing key is (key-file.ts): mode 0600 in the 0700 `keys`
 * folder, written atomically and never over an existing file, and refused on reading when group or
 * others may access it. It is deliberately not wrapped under another key: the signing key lies
 * unwrapped beside it, so a key derived from that would keep nothing from whoever can read `keys/`,
 * and it would tie the readability of every kept body to the signing key's lifetime. What it
 * protects against is a copy of the node's database (a dump, a backup, a PostgreSQL server on
 * another machine), not someone who can read the node's data folder. Two nodes sharing one
 * database (high availability) must share this file too.
 *
 * From the data key, with the node's suite hash H: body key = H("zhengtong message-log body key
 * v1\n" ‖ data key), first `symmetricKeyLength` bytes (32 for AES-256-GCM, 16 for SM4); key id =
 * first 16 hex digits of H("zhengtong message-log key id v1\n" ‖ data key), stored with each
 * encrypted body so a wrong key is named as such. Each body is encrypted with the suite's cipher
 * (ed25519: AES-256-GCM, sm2: SM4-CTR + HMAC-SM3; first byte names the format), with the additional
 * data `zhengtong message-body/1\n<node id>\n<seq>\n<part>`: a ciphertext moved to another record
 * or part, or to another node's log, no longer decrypts.
 */
const KEY_TYPE = 'zhengtong-data-key';
const PURPOSE = 'message-log-bodies';
const DATA_KEY_BYTES = 32;
const MAX_FILE_BYTES = 4096;

/** The additional data that binds a body's ciphertext to its node, record and part. */
export function bodyAad(nodeId: string, seq: number, part: 'request' | 'response'): Buffer {
  return Buffer.from(`zhengtong message-body/1\n${nodeId}\n${seq}\n${part}`, 'utf8');
}

/**
 * Encrypts and decrypts one node's kept bodies with its data key. `encryptsNew` is the node.json
 * setting `messageLog.encryptBodies`: without it the cipher still reads bodies encrypted before.
 *
 * @example const c = BodyCipher.fromDataKey(suite, dataKey, 'node-1', true); c.open(7, 'request', c.seal(7, 'request', body), c.keyId)
 */
export class BodyCipher {
  private constructor(
    private readonly suite: CryptoSuite,
    private readonly key: Buffer,
    readonly keyId: string,
    private readonly nodeId: string,
    readonly encryptsNew: boolean,
  ) {}

  /** Throws CRYPTO_BAD_KEY unless `dataKey` is 32 bytes. */
  static fromDataKey(suite: CryptoSuite, dataKey: Uint8Array, nodeId: string, encryptsNew: boolean): BodyCipher {
    if (dataKey.length !== DATA_KEY_BYTES) throw new AppError('CRYPTO_BAD_KEY', `消息日志数据密钥应为 ${DATA_KEY_BYTES} 字节 (the data key must be 32 bytes)`);
    const derive = (label: string) => suite.hash(Buffer.concat([Buffer.from(label, 'utf8'), dataKey]));
    const key = derive('zhengtong message-log body key v1\n').subarray(0, suite.symmetricKeyLength);
    const keyId = derive('zhengtong message-log key id v1\n').toString('hex').slice(0, 16);
    return new BodyCipher(suite, Buffer.from(key), keyId, nodeId, encryptsNew);
  }

  /** The cipher new bodies are encrypted with, as `CIPHERTEXT_FORMATS` names it. */
  get cipherName(): string {
    return CIPHERTEXT_FORMATS[this.suite.name === 'sm2' ? 0x02 : 0x01];
  }

  /** The ciphertext of body `part` of record `seq`. */
  seal(seq: number, part: 'request' | 'response', plaintext: Uint8Array): Buffer {
    return this.suite.encrypt(this.key, plaintext, bodyAad(this.nodeId, seq, part));
  }

  /**
   * The plaintext of a body stored encrypted with key `keyId`.
   *
   * @throws CRYPTO_BAD_KEY when the body was encrypted with another data key; CRYPTO_DECRYPT_FAILED
   * when the ciphertext was changed or belongs to another record, part or node.
   */
  open(seq: number, part: 'request' | 'response', ciphertext: Uint8Array, keyId: string): Buffer {
    if (keyId !== this.keyId) {
      throw new AppError(
        'CRYPTO_BAD_KEY',
        `消息日志正文（序号 ${seq}，${part}）由数据密钥 ${keyId} 加密，本节点的数据密钥为 ${this.keyId}；请恢复原密钥文件 (the body was encrypted with data key ${keyId}, this node holds ${this.keyId}: restore the original key file)`,
        { seq, part, keyId, nodeKeyId: this.keyId },
      );
    }
    try {
      return this.suite.decrypt(this.key, ciphertext, bodyAad(this.nodeId, seq, part));
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'CRYPTO_DECRYPT_FAILED') throw e;
      throw unreadable(seq, part, keyId);
    }
  }
}

/**
 * The error for an encrypted body whose key this node does not hold.
 *
 * @example throw bodyKeyMissing(7, 'request', 'ab12…')
 */
export function bodyKeyMissing(seq: number, part: 'request' | 'response', keyId: string): AppError {
  return new AppError(
    'CRYPTO_BAD_KEY',
    `消息日志正文（序号 ${seq}，${part}）已加密（数据密钥 ${keyId}），但本节点没有数据密钥文件 keys/message-log.key.json；请从备份恢复 (the body is encrypted with data key ${keyId} but this node has no data key file: restore it from backup)`,
    { seq, part, keyId },
  );
}

function unreadable(seq: number, part: 'request' | 'response', keyId: string): AppError {
  return new AppError(
    'CRYPTO_DECRYPT_FAILED',
    `消息日志正文（序号 ${seq}，${part}）解密失败：密文已被篡改或不属于该记录 (the body of seq ${seq} ${part} cannot be decrypted: the ciphertext was altered or belongs to another record)`,
    { seq, part, keyId },
  );
}

/**
 * Creates the data key file (32 random bytes, mode 0600, atomically) unless it exists; true when
 * it was created. Never replaces an existing file.
 *
 * @example await createDataKeyFile(nodeFiles(dataDir).bodyKey)
 */
export async function createDataKeyFile(file: string, random: (n: number) => Buffer = randomBytes): Promise<boolean> {
  const document = { type: KEY_TYPE, version: 1, purpose: PURPOSE, key: random(DATA_KEY_BYTES).toString('hex') };
  try {
    await writeFileAtomic(file, `${JSON.stringify(document, null, 2)}\n`, 0o600, false);
    return true;
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONFLICT') return false;
    throw e;
  }
}

/**
 * Reads the data key file; undefined when there is none.
 *
 * @throws CRYPTO_BAD_KEY when group or others may access the file (POSIX), or it is not a data key file.
 */
export async function readDataKeyFile(file: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let text: string;
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) throw new AppError('CRYPTO_BAD_KEY', `${file} 不是数据密钥文件 (not a data key file)`, { path: file });
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const octal = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new AppError('CRYPTO_BAD_KEY', `数据密钥文件 ${file} 的权限 ${octal} 允许其他用户访问，密钥应视为已泄露；请执行 chmod 600`, {
        path: file,
        mode: octal,
      });
    }
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  let document: { type?: unknown; version?: unknown; purpose?: unknown; key?: unknown };
  try {
    document = JSON.parse(text) as typeof document;
  } catch {
    document = {};
  }
  if (
    document?.type !== KEY_TYPE ||
    document.version !== 1 ||
    document.purpose !== PURPOSE ||
    typeof document.key !== 'string' ||
    !/^[0-9a-f]{64}$/.test(document.key)
  ) {
    throw new AppError('CRYPTO_BAD_KEY', `${file} 不是 ${KEY_TYPE} 第 1 版文件 (not a version 1 data key file)`, { path: file });
  }
  return Buffer.from(document.key, 'hex');
}

/**
 * The body cipher of a node from its data key file, or undefined when there is no file and
 * `encrypt` is off (or `create` is).
 *
 * With `create` (node start), the file is created when `encrypt` is on and there is none — unless
 * the live log's last kept body is encrypted already, which means the key was lost: then, and when
 * that body was encrypted with another key than the file's, it throws CRYPTO_BAD_KEY rather than
 * start a node that cannot read its own log (only the last body is looked at, so a start stays
 * quick on a large log). Without `create` (offline commands) nothing is written or checked.
 */
export async function loadBodyCipher(input: {
  db: Db;
  suite: CryptoSuite;
  nodeId: string;
  keyFile: string;
  encrypt: boolean;
  create: boolean;
}): Promise<BodyCipher | undefined> {
  let dataKey = await readDataKeyFile(input.keyFile);
  if (input.create) {
    const {
      rows: [last],
    } = await sql<{ key_id: string | null }>`select key_id from message_bodies order by seq desc limit 1`.execute(input.db);
    const lastKeyId = last?.key_id ?? null;
    if (!dataKey && lastKeyId !== null) {
      throw new AppError(
        'CRYPTO_BAD_KEY',
        `消息日志中有用数据密钥 ${lastKeyId} 加密的正文，但数据密钥文件 ${input.keyFile} 不存在；请从备份恢复该文件 (encrypted bodies exist but the data key file is missing: restore it from backup)`,
        { path: input.keyFile, keyId: lastKeyId },
      );
    }
    if (!dataKey && input.encrypt) {
      await createDataKeyFile(input.keyFile);
      dataKey = await readDataKeyFile(input.keyFile);
    }
    if (dataKey) {
      const cipher = BodyCipher.fromDataKey(input.suite, dataKey, input.nodeId, input.encrypt);
      if (lastKeyId !== null && lastKeyId !== cipher.keyId) {
        throw new AppError(
          'CRYPTO_BAD_KEY',
          `消息日志中的正文由数据密钥 ${lastKeyId} 加密，而 ${input.keyFile} 中的密钥为 ${cipher.keyId}；请恢复原密钥文件 (the log's bodies were encrypted with another data key: restore the original key file)`,
          { path: input.keyFile, keyId: lastKeyId, fileKeyId: cipher.keyId },
        );
      }
      return cipher;
    }
    return undefined;
  }
  return dataKey ? BodyCipher.fromDataKey(input.suite, dataKey, input.nodeId, input.encrypt) : undefined;
}
