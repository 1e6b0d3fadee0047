import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getSuite, readKeyFile, readPublicKeyFile, writeKeyFile, writePublicKeyFile, type SuiteName } from './index.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zt-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';
const code = (c: string): unknown => expect.objectContaining({ code: c });

describe.each(['ed25519', 'sm2'] as SuiteName[])('key files, %s suite', (name) => {
  const suite = getSuite(name);

  it('write a key pair with mode 0600 and read it back, leaving no temporary file', async () => {
    const path = join(dir, 'node.key.json');
    const keyPair = suite.generateKeyPair();
    await writeKeyFile(path, keyPair, suite);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['node.key.json']);

    const read = await readKeyFile(path);
    expect(read.suite.name).toBe(name);
    expect(read.insecurePermissions).toBe(false);
    const msg = Buffer.from('audit record');
    expect(suite.verify(keyPair.publicKey, msg, read.suite.sign(read.keyPair.privateKey, msg))).toBe(true);

    const document = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    expect(document).toMatchObject({
      type: 'zhengtong-key-pair',
      version: 1,
      suite: name,
      publicKey: suite.exportPublicKey(keyPair.publicKey),
      fingerprint: suite.fingerprint(keyPair.publicKey),
      privateKey: suite.exportPrivateKey(keyPair.privateKey),
    });
  });

  it('never overwrite unless asked', async () => {
    const path = join(dir, 'node.key.json');
    const first = suite.generateKeyPair();
    await writeKeyFile(path, first, suite);
    await expect(writeKeyFile(path, suite.generateKeyPair(), suite)).rejects.toThrow(code('CONFLICT'));
    expect(suite.exportPublicKey((await readKeyFile(path)).keyPair.publicKey)).toBe(suite.exportPublicKey(first.publicKey));
    const second = suite.generateKeyPair();
    await writeKeyFile(path, second, suite, { overwrite: true });
    expect(suite.exportPublicKey((await readKeyFile(path)).keyPair.publicKey)).toBe(suite.exportPublicKey(second.publicKey));
    expect(await readdir(dir)).toEqual(['node.key.json']);
  });

  it.runIf(posix)('refuse a key file others can read, unless allowed (then flag it)', async () => {
    const path = join(dir, 'node.key.json');
    await writeKeyFile(path, suite.generateKeyPair(), suite);
    for (const mode of [0o640, 0o604, 0o620]) {
      await chmod(path, mode);
      await expect(readKeyFile(path)).rejects.toThrow(code('CRYPTO_BAD_KEY'));
      const read = await readKeyFile(path, { allowInsecurePermissions: true });
      expect(read.insecurePermissions).toBe(true);
    }
    await chmod(path, 0o400);
    expect((await readKeyFile(path)).insecurePermissions).toBe(false);
  });

  it('refuse a key file whose parts disagree', async () => {
    const path = join(dir, 'node.key.json');
    await writeKeyFile(path, suite.generateKeyPair(), suite);
    const document = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    const other = suite.generateKeyPair();
    const variants = [
      { ...document, publicKey: suite.exportPublicKey(other.publicKey) },
      { ...document, fingerprint: suite.fingerprint(other.publicKey) },
      { ...document, privateKey: 'zz' },
      { ...document, version: 2 },
      { ...document, type: 'zhengtong-public-key' },
    ];
    for (const variant of variants) {
      await writeFile(path, JSON.stringify(variant), { mode: 0o600 });
      await expect(readKeyFile(path)).rejects.toThrow(code('CRYPTO_BAD_KEY'));
    }
    await writeFile(path, JSON.stringify({ ...document, suite: 'rsa' }), { mode: 0o600 });
    await expect(readKeyFile(path)).rejects.toThrow(code('CRYPTO_UNKNOWN_SUITE'));
  });

  it('write and read the public part alone', async () => {
    const path = join(dir, 'node.pub.json');
    const keyPair = suite.generateKeyPair();
    await writePublicKeyFile(path, keyPair.publicKey, suite);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o644);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('privateKey');
    const read = await readPublicKeyFile(path);
    expect(read.suite.name).toBe(name);
    expect(read.fingerprint).toBe(suite.fingerprint(keyPair.publicKey));
    const msg = Buffer.from('audit record');
    expect(read.suite.verify(read.publicKey, msg, suite.sign(keyPair.privateKey, msg))).toBe(true);
  });

  it('refuse a key-pair file where a public key file is expected', async () => {
    const path = join(dir, 'node.key.json');
    await writeKeyFile(path, suite.generateKeyPair(), suite);
    await expect(readPublicKeyFile(path)).rejects.toThrow(/私钥文件/);
  });
});

describe('key files, malformed input', () => {
  it('refuse what is not a key file', async () => {
    const path = join(dir, 'x.json');
    for (const content of ['', 'not json', '[]', 'null', '{"type":"zhengtong-public-key","version":1}']) {
      await writeFile(path, content, { mode: 0o600 });
      await expect(readPublicKeyFile(path)).rejects.toThrow(code('CRYPTO_BAD_KEY'));
      await expect(readKeyFile(path)).rejects.toThrow(code('CRYPTO_BAD_KEY'));
    }
    await expect(readKeyFile(dir)).rejects.toThrow(code('CRYPTO_BAD_KEY'));
  });

  it('let a missing file fail as the file system says', async () => {
    await expect(readKeyFile(join(dir, 'missing.json'))).rejects.toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('refuse a key pair of another suite', async () => {
    const pair = getSuite('ed25519').generateKeyPair();
    await expect(writeKeyFile(join(dir, 'k.json'), pair, getSuite('sm2'))).rejects.toThrow(code('CRYPTO_BAD_KEY'));
    expect(await readdir(dir)).toEqual([]);
  });
});
