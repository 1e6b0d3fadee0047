import { describe, expect, it } from 'vitest';
import { getSuite, merkleRoot, type MerkleHash } from './index.js';

const sha256 = getSuite('ed25519').hash;
const sm3 = getSuite('sm2').hash;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** RFC 6962 §2.1 word for word (recursive split at the largest power of two below n). */
function referenceRoot(leaves: Uint8Array[], hash: MerkleHash): Buffer {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  if (leaves.length === 1) return hash(Buffer.concat([Buffer.from([0]), leaves[0] ?? new Uint8Array(0)]));
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  const left = referenceRoot(leaves.slice(0, k), hash);
  const right = referenceRoot(leaves.slice(k), hash);
  return hash(Buffer.concat([Buffer.from([1]), left, right]));
}

describe('merkleRoot (RFC 6962)', () => {
  // The Certificate Transparency reference inputs and tree heads for sizes 0..8.
  const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
  const roots = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];

  it.each(roots.map((root, size) => [size, root] as const))('matches the reference head for %i leaves', (size, root) => {
    expect(hex(merkleRoot(leaves.slice(0, size), sha256))).toBe(root);
  });

  it('builds the RFC 6962 tree for every size up to 70, with SM3 too', () => {
    const many = Array.from({ length: 70 }, (_, i) => sm3(`message ${i}`));
    for (let n = 0; n <= many.length; n++) {
      expect(hex(merkleRoot(many.slice(0, n), sm3)), `size ${n}`).toBe(hex(referenceRoot(many.slice(0, n), sm3)));
    }
  });

  it('depends on the order of the leaves and on every leaf', () => {
    const [a, b, c] = [sha256('a'), sha256('b'), sha256('c')];
    const root = hex(merkleRoot([a, b, c], sha256));
    expect(hex(merkleRoot([b, a, c], sha256))).not.toBe(root);
    expect(hex(merkleRoot([a, b, sha256('d')], sha256))).not.toBe(root);
    expect(hex(merkleRoot([a, b], sha256))).not.toBe(root);
  });

  it('keeps leaves and interior nodes apart (a node cannot pose as a leaf)', () => {
    const [a, b] = [sha256('a'), sha256('b')];
    const leafA = sha256(Buffer.concat([Buffer.from([0]), a]));
    const leafB = sha256(Buffer.concat([Buffer.from([0]), b]));
    expect(hex(merkleRoot([a, b], sha256))).toBe(hex(sha256(Buffer.concat([Buffer.from([1]), leafA, leafB]))));
    expect(hex(merkleRoot([Buffer.concat([leafA, leafB])], sha256))).not.toBe(hex(merkleRoot([a, b], sha256)));
  });
});
