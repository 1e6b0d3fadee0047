/** Batch signatures: one signature over a Merkle root proves each message of the batch on its own. */
import { describe, expect, it } from 'vitest';
import { getSuite, merkleRoot } from '../src/core/crypto/index.js';
import { BatchSigner, merkleTreeWithPaths, rootFromPath, VerifiedRoots, verifySignatureToken } from '../src/exchange/protocol/batch-signature.js';

describe.each(['ed25519', 'sm2'] as const)('batch signatures (%s)', (name) => {
  const suite = getSuite(name);
  const keys = suite.generateKeyPair();

  it('builds the RFC 6962 tree of core/crypto and a path per leaf that leads to its root', () => {
    for (const n of [1, 2, 3, 5, 8, 13]) {
      const leaves = Array.from({ length: n }, (_, i) => Buffer.from(`message ${i}`));
      const { root, paths } = merkleTreeWithPaths(leaves, suite.hash);
      expect(root.equals(merkleRoot(leaves, suite.hash))).toBe(true);
      leaves.forEach((leaf, i) => expect(rootFromPath(leaf, paths[i]!, suite.hash)!.equals(root)).toBe(true));
      if (n > 1) expect(rootFromPath(Buffer.from('message x'), paths[0]!, suite.hash)!.equals(root)).toBe(false);
    }
  });

  it('signs messages of one turn with one signature; each verifies alone, altered ones do not', async () => {
    const signer = new BatchSigner(suite, keys.privateKey);
    const messages = Array.from({ length: 7 }, (_, i) => Buffer.from(`["zt-exchange-request/1","GET","/r1/x","id-${i}"]`));
    const tokens = await Promise.all(messages.map((m) => signer.sign(m)));
    expect(signer.stats).toEqual({ signatures: 1, messages: 7 });
    expect(tokens.every((t) => t.startsWith('zt-batch/1:'))).toBe(true);
    const roots = new VerifiedRoots();
    messages.forEach((m, i) => {
      expect(verifySignatureToken(suite, keys.publicKey, m, tokens[i]!)).toBe(true);
      expect(verifySignatureToken(suite, keys.publicKey, m, tokens[i]!, { roots, keyId: 'k' })).toBe(true);
      expect(verifySignatureToken(suite, keys.publicKey, messages[(i + 1) % 7]!, tokens[i]!, { roots, keyId: 'k' })).toBe(false);
    });
    const other = suite.generateKeyPair();
    expect(verifySignatureToken(suite, other.publicKey, messages[0]!, tokens[0]!)).toBe(false);
    expect(verifySignatureToken(suite, keys.publicKey, messages[0]!, tokens[0]!.replace(/:[^:]*$/, ':AAAA'))).toBe(false);
    expect(verifySignatureToken(suite, keys.publicKey, messages[0]!, 'zt-batch/1:Lzz:AAAA')).toBe(false);
  });

  it('signs a message alone in its turn plainly', async () => {
    const signer = new BatchSigner(suite, keys.privateKey);
    const m = Buffer.from('single');
    const token = await signer.sign(m);
    expect(token.startsWith('zt-batch/1:')).toBe(false);
    expect(suite.verify(keys.publicKey, m, Buffer.from(token, 'base64'))).toBe(true);
    expect(verifySignatureToken(suite, keys.publicKey, m, token)).toBe(true);
  });
});
