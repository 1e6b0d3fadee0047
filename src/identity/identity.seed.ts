import { SYSTEM_ACTOR, type Role } from '../core/actor.js';
import { newId } from '../core/ids.js';
import type { IdentityDeps } from './identity.deps.js';
import * as repo from './identity.repository.js';
import type { OrgRow, UserRow } from './identity.repository.js';
import { hashPassword } from './password.js';
import { blankUser, checkRoleSet } from './user.service.js';

/** Bulk data for a new installation (the demo city, or an import). Keys tie staff to their org. */
export interface SeedIdentityInput {
  orgs: Array<{ key: string; kind: 'department' | 'enterprise'; name: string; uscc: string; regionCode: string; parentKey?: string }>;
  staff: Array<{ username: string; displayName: string; orgKey: string; roles: Role[]; password: string }>;
  /** Citizens with a password get an active account; without one, an unclaimed record they can activate by signing up. */
  citizens: Array<{ idNumber: string; name: string; phone?: string; password?: string }>;
  agents: Array<{ username: string; name: string; idNumber: string; orgKey: string; password: string }>;
}

/**
 * Inserts organisations and people in one transaction with one audit record, skipping anything
 * whose USCC or account name already exists, so running it twice changes nothing. Every
 * account's password gets its own salt.
 */
export async function seedIdentity(deps: IdentityDeps, input: SeedIdentityInput): Promise<{ orgs: number; staff: number; citizens: number; agents: number }> {
  for (const s of input.staff) checkRoleSet(s.roles);
  const now = deps.clock.now().toISOString();
  // Passwords are hashed after the rows are built, four at a time: scrypt runs on libuv's
  // thread pool, so this uses every core instead of one hash after another.
  const toHash: Array<{ row: UserRow; password: string }> = [];
  const hashLater = (row: UserRow, password: string | undefined): UserRow => {
    if (password) toHash.push({ row, password });
    return row;
  };
  const blank = blankUser(now);

  const orgIds = new Map<string, string>();
  const newOrgs: OrgRow[] = [];
  for (const o of input.orgs) {
    const existing = await repo.findOrgByUscc(deps.db, o.uscc);
    if (existing) {
      orgIds.set(o.key, existing.id);
      continue;
    }
    const id = newId();
    orgIds.set(o.key, id);
    newOrgs.push({
      id,
      kind: o.kind,
      name: o.name,
      uscc: o.uscc,
      region_code: o.regionCode,
      parent_id: o.parentKey ? (orgIds.get(o.parentKey) ?? null) : null,
      status: 'active',
      created_at: now,
      updated_at: now,
    });
  }

  const taken = async (username: string) => !!(await repo.findUserByUsername(deps.db, username));
  const staffRows: Array<{ row: UserRow; roles: Role[] }> = [];
  for (const s of input.staff) {
    if (await taken(s.username)) continue;
    staffRows.push({
      roles: s.roles,
      row: hashLater(
        {
          id: newId(),
          kind: 'staff',
          username: s.username,
          id_number: null,
          display_name: s.displayName,
          phone: null,
          org_id: orgIds.get(s.orgKey) ?? null,
          password_hash: null,
          status: 'active',
          ...blank,
        },
        s.password,
      ),
    });
  }
  const citizenRows: UserRow[] = [];
  for (const c of input.citizens) {
    if (await taken(c.idNumber)) continue;
    citizenRows.push(
      hashLater(
        {
          id: newId(),
          kind: 'citizen',
          username: c.idNumber,
          id_number: c.idNumber,
          display_name: c.name,
          phone: c.phone ?? null,
          org_id: null,
          password_hash: null,
          status: c.password ? 'active' : 'unclaimed',
          ...blank,
        },
        c.password,
      ),
    );
  }
  const agentRows: UserRow[] = [];
  for (const a of input.agents) {
    if (await taken(a.username)) continue;
    agentRows.push(
      hashLater(
        {
          id: newId(),
          kind: 'agent',
          username: a.username,
          id_number: a.idNumber,
          display_name: a.name,
          phone: null,
          org_id: orgIds.get(a.orgKey) ?? null,
          password_hash: null,
          status: 'active',
          ...blank,
        },
        a.password,
      ),
    );
  }

  const counts = { orgs: newOrgs.length, staff: staffRows.length, citizens: citizenRows.length, agents: agentRows.length };
  if (Object.values(counts).every((n) => n === 0)) return counts;
  for (let i = 0; i < toHash.length; i += 4) {
    await Promise.all(toHash.slice(i, i + 4).map(async (h) => (h.row.password_hash = await hashPassword(h.password, deps.settings.passwordCost))));
  }
  await deps.db.transaction().execute(async (trx) => {
    // Parents first: orgs were listed parent-before-child.
    for (const o of newOrgs) await repo.insertOrg(trx, o);
    await repo.insertUsers(trx, [...staffRows.map((s) => s.row), ...citizenRows, ...agentRows]);
    for (const s of staffRows) await repo.setRoles(trx, s.row.id, s.roles, now);
    await deps.audit.append(trx, { actor: SYSTEM_ACTOR, action: 'identity.seed', summary: counts });
  });
  return counts;
}
