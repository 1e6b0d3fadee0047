import { seedDemoCatalog } from '../catalog/index.js';
import { findOrgByUscc, seedIdentity } from '../identity/index.js';
import type { Platform } from '../platform.js';
import { seedDemoRegistries } from '../registries/index.js';
import { buildDemoCity, type DemoAccount } from './demo-city.js';

/**
 * Seeds the demo city into a platform. Idempotent: what exists already is left alone, so running
 * it on every start is safe. Returns what was added and the accounts to print.
 */
export async function seedDemoCity(platform: Platform, options: { citizens?: number; enterprises?: number } = {}) {
  const { seed, accounts } = buildDemoCity(options);
  const added = await seedIdentity(platform.identity, seed);
  const departments = await Promise.all(
    seed.orgs
      .filter((o) => o.kind === 'department')
      .map(async (o) => ({ key: o.key, uscc: o.uscc, orgId: (await findOrgByUscc(platform.identity, o.uscc))!.id })),
  );
  const catalog = await seedDemoCatalog(platform.catalog, departments);
  const registries = await seedDemoRegistries(platform.registries.service, {
    departments: departments.map((d) => ({ id: d.orgId, uscc: d.uscc, name: seed.orgs.find((o) => o.key === d.key)!.name })),
    citizens: seed.citizens,
    enterprises: seed.orgs.filter((o) => o.kind === 'enterprise'),
  });
  return { added, catalog, registries, accounts: accounts as DemoAccount[] };
}
