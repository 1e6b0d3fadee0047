import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getSuite } from '../../core/crypto/index.js';
import { BodyCipher, createDataKeyFile, readDataKeyFile } from './body-encryption.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zt-body-key-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(['ed25519', 'sm2'] as const)('message body cipher (%s)', (name) => {
  const suite = getSuite(name);
  const dataKey = randomBytes(32);
  const cipher = BodyCipher.fromDataKey(suite, dataKey, 'CN-DEMO/GOV/node-1', true);
  const body = Buffer.from('{"idNumber":"350102199001011234","name":"张三"}');

  it('encrypts with the suite cipher (format byte) and reads back only at its own node, record and part', () => {
    const ct = cipher.seal(7, 'response', body);
    expect(ct[0]).toBe(name === 'sm2' ? 0x02 : 0x01);
    expect(ct.includes(Buffer.from('350102199001011234'))).toBe(false);
    expect(cipher.open(7, 'response', ct, cipher.keyId).equals(body)).toBe(true);
    expect(() => cipher.open(8, 'response', ct, cipher.keyId)).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    expect(() => cipher.open(7, 'request', ct, cipher.keyId)).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    const otherNode = BodyCipher.fromDataKey(suite, dataKey, 'CN-DEMO/GOV/node-2', true);
    expect(otherNode.keyId).toBe(cipher.keyId);
    expect(() => otherNode.open(7, 'response', ct, cipher.keyId)).toThrow(expect.objectContaining({ code: 'CRYPTO_DECRYPT_FAILED' }));
    const flipped = Buffer.from(ct);
    flipped[flipped.length >> 1]! ^= 1;
    expect(() => cipher.open(7, 'response', flipped, cipher.keyId)).toThrow(/解密失败.*cannot be decrypted/);
  });

  it('names a body encrypted with another data key instead of failing to decrypt it', () => {
    const other = BodyCipher.fromDataKey(suite, randomBytes(32), 'CN-DEMO/GOV/node-1', true);
    expect(other.keyId).not.toBe(cipher.keyId);
    const ct = cipher.seal(1, 'request', body);
    expect(() => other.open(1, 'request', ct, cipher.keyId)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
    expect(() => BodyCipher.fromDataKey(suite, randomBytes(16), 'n', true)).toThrow(expect.objectContaining({ code: 'CRYPTO_BAD_KEY' }));
  });
});

describe('data key file', () => {
  it('is created once with mode 0600 and 32 bytes, never overwritten, and refused when others may read it', async () => {
    const file = path.join(dir, 'message-log.key.json');
    expect(await readDataKeyFile(file)).toBeUndefined();
    expect(await createDataKeyFile(file)).toBe(true);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const key = await readDataKeyFile(file);
    expect(key).toHaveLength(32);
    expect(await createDataKeyFile(file)).toBe(false);
    expect((await readDataKeyFile(file))!.equals(key!)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['message-log.key.json']); // no temporary file left behind
    if (process.platform !== 'win32') {
      fs.chmodSync(file, 0o644);
      await expect(readDataKeyFile(file)).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY', message: expect.stringContaining('chmod 600') });
      fs.chmodSync(file, 0o600);
    }
    fs.writeFileSync(file, '{"type":"zhengtong-data-key","version":1,"purpose":"message-log-bodies","key":"00"}', { mode: 0o600 });
    await expect(readDataKeyFile(file)).rejects.toMatchObject({ code: 'CRYPTO_BAD_KEY' });
  });
});
