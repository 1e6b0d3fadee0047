import type { Kysely } from 'kysely';
import { tablesOf, type Db } from '../../core/db/database.js';

export interface MemberRow {
  id: string;
  instance: string;
  member_class: string;
  member_code: string;
  name: string;
  created_at: string;
}

export interface SubsystemRow {
  id: string;
  member_id: string;
  code: string;
  node_id: string | null;
  created_at: string;
}

export interface NodeRow {
  id: string;
  member_id: string;
  subsystems: string;
  address: string;
  tls_public_key: string;
  sign_suite: string;
  sign_public_key: string;
  status: 'pending' | 'approved' | 'rejected' | 'revoked';
  cert_pem: string | null;
  cert_fingerprint: string | null;
  cert_not_after: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface ServiceRow {
  id: string;
  subsystem_id: string;
  code: string;
  title: string;
  openapi: string | null;
  catalog_resource_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface AccessRightRow {
  id: string;
  consumer: string;
  service: string;
  endpoints: string;
  fields: string | null;
  purpose: string;
  valid_from: string;
  valid_until: string | null;
  source: string;
  created_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
}

interface CenterTables {
  exchange_members: MemberRow;
  exchange_subsystems: SubsystemRow;
  exchange_nodes: NodeRow;
  exchange_services: ServiceRow;
  exchange_access_rights: AccessRightRow;
  exchange_ca: { id: number; cert_pem: string; sealed_key: string; created_at: string };
  exchange_globalconf_versions: { version: number; content_hash: string; created_at: string };
}

const q = (db: Db): Kysely<CenterTables> => tablesOf<CenterTables>(db);

// ── members and subsystems ───────────────────────────────────────────────────

export async function insertMember(db: Db, row: MemberRow): Promise<void> {
  await q(db).insertInto('exchange_members').values(row).execute();
}

export async function findMember(db: Db, id: string): Promise<MemberRow | undefined> {
  return q(db).selectFrom('exchange_members').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listMembers(db: Db): Promise<MemberRow[]> {
  return q(db).selectFrom('exchange_members').selectAll().orderBy('id').execute();
}

export async function insertSubsystem(db: Db, row: SubsystemRow): Promise<void> {
  await q(db).insertInto('exchange_subsystems').values(row).execute();
}

export async function findSubsystem(db: Db, id: string): Promise<SubsystemRow | undefined> {
  return q(db).selectFrom('exchange_subsystems').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setSubsystemNode(db: Db, id: string, nodeId: string): Promise<void> {
  await q(db).updateTable('exchange_subsystems').set({ node_id: nodeId }).where('id', '=', id).execute();
}

export async function listSubsystems(db: Db): Promise<SubsystemRow[]> {
  return q(db).selectFrom('exchange_subsystems').selectAll().orderBy('id').execute();
}

// ── nodes ────────────────────────────────────────────────────────────────────

export async function insertNode(db: Db, row: NodeRow): Promise<void> {
  await q(db).insertInto('exchange_nodes').values(row).execute();
}

export async function findNode(db: Db, id: string): Promise<NodeRow | undefined> {
  return q(db).selectFrom('exchange_nodes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateNode(db: Db, id: string, patch: Partial<Omit<NodeRow, 'id'>>): Promise<void> {
  await q(db).updateTable('exchange_nodes').set(patch).where('id', '=', id).execute();
}

export async function listNodes(db: Db, status?: NodeRow['status']): Promise<NodeRow[]> {
  let query = q(db).selectFrom('exchange_nodes').selectAll();
  if (status) query = query.where('status', '=', status);
  return query.orderBy('created_at').orderBy('id').execute();
}

// ── services ─────────────────────────────────────────────────────────────────

export async function insertService(db: Db, row: ServiceRow): Promise<void> {
  await q(db).insertInto('exchange_services').values(row).execute();
}

export async function findService(db: Db, id: string): Promise<ServiceRow | undefined> {
  return q(db).selectFrom('exchange_services').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listServices(db: Db): Promise<ServiceRow[]> {
  return q(db).selectFrom('exchange_services').selectAll().orderBy('id').execute();
}

// ── access rights ────────────────────────────────────────────────────────────

export async function insertAccessRight(db: Db, row: AccessRightRow): Promise<void> {
  await q(db).insertInto('exchange_access_rights').values(row).execute();
}

export async function findAccessRight(db: Db, id: string): Promise<AccessRightRow | undefined> {
  return q(db).selectFrom('exchange_access_rights').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function revokeAccessRight(db: Db, id: string, at: string, reason: string): Promise<number> {
  const r = await q(db)
    .updateTable('exchange_access_rights')
    .set({ revoked_at: at, revoke_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Rights not revoked whose period contains `at`. */
export async function accessRightsInForce(db: Db, at: string): Promise<AccessRightRow[]> {
  return q(db)
    .selectFrom('exchange_access_rights')
    .selectAll()
    .where('revoked_at', 'is', null)
    .where('valid_from', '<=', at)
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', at)]))
    .orderBy('service')
    .orderBy('consumer')
    .orderBy('id')
    .execute();
}

export async function listAccessRights(db: Db, f: { service?: string; consumer?: string; includeRevoked?: boolean }): Promise<AccessRightRow[]> {
  let query = q(db).selectFrom('exchange_access_rights').selectAll();
  if (f.service) query = query.where('service', '=', f.service);
  if (f.consumer) query = query.where('consumer', '=', f.consumer);
  if (!f.includeRevoked) query = query.where('revoked_at', 'is', null);
  return query.orderBy('created_at').orderBy('id').limit(1000).execute();
}

/** Rights (revoked ones too) whose service id ends in `/code`; the caller checks the parsed code (a `_` or `%` in it matches more). */
export async function accessRightsWithServiceCode(db: Db, code: string): Promise<AccessRightRow[]> {
  return q(db).selectFrom('exchange_access_rights').selectAll().where('service', 'like', `%/${code}`).orderBy('created_at').orderBy('id').limit(1000).execute();
}

// ── trust root and configuration versions ────────────────────────────────────

export async function findCa(db: Db): Promise<{ cert_pem: string; sealed_key: string } | undefined> {
  return q(db).selectFrom('exchange_ca').select(['cert_pem', 'sealed_key']).where('id', '=', 1).executeTakeFirst();
}

/** Inserts the CA row unless one exists (another instance may have won the race); returns the row in force. */
export async function insertCaIfAbsent(db: Db, certPem: string, sealedKey: string, at: string): Promise<{ cert_pem: string; sealed_key: string }> {
  await q(db)
    .insertInto('exchange_ca')
    .values({ id: 1, cert_pem: certPem, sealed_key: sealedKey, created_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return (await findCa(db))!;
}

export async function latestConfVersion(db: Db): Promise<{ version: number; content_hash: string } | undefined> {
  return q(db).selectFrom('exchange_globalconf_versions').select(['version', 'content_hash']).orderBy('version', 'desc').limit(1).executeTakeFirst();
}

export async function insertConfVersion(db: Db, version: number, contentHash: string, at: string): Promise<void> {
  await q(db)
    .insertInto('exchange_globalconf_versions')
    .values({ version, content_hash: contentHash, created_at: at })
    .onConflict((oc) => oc.column('version').doNothing())
    .execute();
}
