/**
 * Registry log proofs at a size where stored subtree hashes matter (more than 256 entries):
 * tree heads, inclusion and consistency proofs must equal what the whole log gives, verify with
 * the RFC 9162 checks, and be answered from the stored nodes — shown by deleting leaves the
 * proof does not need.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../src/core/actor.js';
import { POPULATION, rootOfLeafHashes, verifyConsistency, verifyInclusion, verifyRegistryLog, type Attributes } from '../src/registries/index.js';
import { makeCitizenId } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

describe.each(DIALECTS)('registry log proofs from stored subtrees (%s)', (dialect) => {
  let p: TestPlatform;
  let leaves: Buffer[] = [];
  const actor = { ...SYSTEM_ACTOR, orgId: 'proof-police' };
  const person = (i: number): { key: string; attrs: Attributes } => {
    const id = makeCitizenId(['350102', '350103', '350104'][i % 3]!, `19${60 + (i % 30)}-0${1 + (i % 9)}-1${i % 9}`, Math.floor(i / 3) % 1000);
    return {
      key: id,
      attrs: { name: `证明${i}`, sex: Number(id[16]) % 2 === 1 ? '1' : '2', birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}` },
    };
  };
  const allLeaves = async () =>
    (await sql<{ leaf_hash: string }>`select leaf_hash from registry_entries where registry = 'population' order by seq`.execute(p.database.db)).rows.map((r) =>
      Buffer.from(r.leaf_hash, 'hex'),
    );
  const nodes = async () =>
    (
      await sql<{ level: number; idx: number }>`select level, idx from registry_log_nodes where registry = 'population' order by level, idx`.execute(
        p.database.db,
      )
    ).rows;

  beforeAll(async () => {
    p = await createTestPlatform(dialect);
    await p.database.db
      .insertInto('registry_source_bindings')
      .values({
        source: 'public-security',
        org_id: actor.orgId,
        org_name: '证明测试公安局',
        org_uscc: '11350100003100017X',
        updated_at: new Date().toISOString(),
      })
      .execute();
    // 1,100 entries in uneven batches (a batch may or may not cross a 256 boundary), then single writes across 1,280.
    const service = p.registries.service;
    let i = 0;
    for (const n of [100, 300, 1, 155, 300, 244]) {
      const batch = Array.from({ length: n }, () => person(i++));
      await p.database.db.transaction().execute((trx) => service.bulkWriteIn(trx, actor, POPULATION, batch, '证明测试', ['public-security']));
    }
    while (i < 1290) {
      const { key, attrs } = person(i++);
      await p.database.db.transaction().execute((trx) => service.writeIn(trx, actor, undefined, POPULATION, key, attrs, '逐条登记', 'create'));
    }
    leaves = await allLeaves();
  }, 120_000);
  afterAll(async () => p.destroy());

  it('stores every complete subtree of 256 entries and more, once', async () => {
    expect(leaves).toHaveLength(1290);
    // 1290 entries: five subtrees of 256, two of 512, one of 1024.
    expect(await nodes()).toEqual([...[0, 1, 2, 3, 4].map((idx) => ({ level: 8, idx })), { level: 9, idx: 0 }, { level: 9, idx: 1 }, { level: 10, idx: 0 }]);
  });

  it('signs the same root the whole log gives, and proves inclusion and consistency at any size', async () => {
    const hash = p.keys.suite.hash;
    const svc = p.registries.service;
    const { currentTreeHead, entryInclusionProof, logConsistencyProof } = await import('../src/registries/registry-proofs.js');
    const head = await currentTreeHead(p.database.db, 'population', hash, svc.deps.signer, p.clock.now());
    expect(head.treeSize).toBe(1290);
    expect(head.rootHash).toBe(rootOfLeafHashes(hash, leaves).toString('hex'));
    for (const size of [1290, 1024, 1025, 777, 512, 257, 256, 255, 3]) {
      const root = rootOfLeafHashes(hash, leaves.slice(0, size));
      for (const seq of [1, 2, Math.ceil(size / 2), size - 1, size].filter((s) => s >= 1 && s <= size)) {
        const proof = await entryInclusionProof(p.database.db, 'population', seq, size, hash);
        expect(proof.rootHash, `root of ${size}`).toBe(root.toString('hex'));
        const path = proof.auditPath.map((h) => Buffer.from(h, 'hex'));
        expect(verifyInclusion(hash, leaves[seq - 1]!, seq - 1, size, path, root), `seq ${seq} in ${size}`).toBe(true);
        expect(verifyInclusion(hash, leaves[seq % size]!, seq - 1, size, path, root)).toBe(seq % size === seq - 1);
      }
      for (const first of [1, 255, 256, 257, 600, size - 1].filter((f) => f >= 1 && f < size)) {
        const c = await logConsistencyProof(p.database.db, 'population', first, size, hash);
        const firstRoot = rootOfLeafHashes(hash, leaves.slice(0, first));
        expect(c.firstRootHash).toBe(firstRoot.toString('hex'));
        const proof = c.proof.map((h) => Buffer.from(h, 'hex'));
        expect(verifyConsistency(hash, first, size, firstRoot, root, proof), `${first} → ${size}`).toBe(true);
        expect(verifyConsistency(hash, first, size, hash('forged'), root, proof)).toBe(false);
      }
    }
    await expect(entryInclusionProof(p.database.db, 'population', 5, 1291, hash)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await verifyRegistryLog(p.database.db, POPULATION, { hash, sealer: svc.deps.sealer })).ok).toBe(true);
  });

  it('finds a stored subtree hash that does not match the log', async () => {
    const hash = p.keys.suite.hash;
    const db = p.database.db;
    const original = (await sql<{ hash: string }>`select hash from registry_log_nodes where registry = 'population' and level = 9 and idx = 1`.execute(db))
      .rows[0]!.hash;
    await sql`update registry_log_nodes set hash = ${'00'.repeat(32)} where registry = 'population' and level = 9 and idx = 1`.execute(db);
    const r = await verifyRegistryLog(db, POPULATION, { hash });
    expect(r).toMatchObject({ ok: false, firstBadSeq: 1024 });
    expect(r.reason).toContain('子树');
    await sql`update registry_log_nodes set hash = ${original} where registry = 'population' and level = 9 and idx = 1`.execute(db);
    expect((await verifyRegistryLog(db, POPULATION, { hash })).ok).toBe(true);
  });

  it('answers proofs from the stored subtrees without reading the leaves they cover', async () => {
    const hash = p.keys.suite.hash;
    const { entryInclusionProof, logConsistencyProof } = await import('../src/registries/registry-proofs.js');
    const root = rootOfLeafHashes(hash, leaves);
    // Entries 1–1024 are covered by the stored subtree (10, 0): remove all but the one proved.
    await sql`delete from registry_entries where registry = 'population' and seq <= 1024 and seq <> 300`.execute(p.database.db);
    const far = await entryInclusionProof(p.database.db, 'population', 1200, 1290, hash);
    expect(far.rootHash).toBe(root.toString('hex'));
    expect(
      verifyInclusion(
        hash,
        leaves[1199]!,
        1199,
        1290,
        far.auditPath.map((h) => Buffer.from(h, 'hex')),
        root,
      ),
    ).toBe(true);
    const c = await logConsistencyProof(p.database.db, 'population', 1024, 1290, hash);
    expect(
      verifyConsistency(
        hash,
        1024,
        1290,
        rootOfLeafHashes(hash, leaves.slice(0, 1024)),
        root,
        c.proof.map((h) => Buffer.from(h, 'hex')),
      ),
    ).toBe(true);
    // A proof inside the removed range needs leaves that are gone: refused, not wrong.
    await expect(entryInclusionProof(p.database.db, 'population', 300, 1290, hash)).rejects.toThrow();
  });
});
