/**
 * RFC 9162 §2.1.3.2 inclusion proof verification in the browser, for suites whose hash the
 * browser has (ed25519 → SHA-256). Returns undefined when it cannot check (SM3, or no WebCrypto
 * outside a secure context): the page then says the server's proof matched instead.
 */
const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const bytes = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

async function nodeHash(left: string, right: string): Promise<string> {
  const l = bytes(left);
  const r = bytes(right);
  const buf = new Uint8Array(1 + l.length + r.length);
  buf[0] = 0x01;
  buf.set(l, 1);
  buf.set(r, 1 + l.length);
  return hex(await crypto.subtle.digest('SHA-256', buf));
}

export async function verifyInclusionInBrowser(
  suite: string,
  proof: { leafIndex: number; treeSize: number; leafHash: string; auditPath: string[] },
  rootHash: string,
): Promise<boolean | undefined> {
  if (suite !== 'ed25519' || typeof crypto === 'undefined' || !crypto.subtle) return undefined;
  if (proof.leafIndex >= proof.treeSize) return false;
  let fn = proof.leafIndex;
  let sn = proof.treeSize - 1;
  let r = proof.leafHash;
  for (const p of proof.auditPath) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else r = await nodeHash(r, p);
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r === rootHash;
}
