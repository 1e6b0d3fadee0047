import { seedIdentity } from '../identity/index.js';
import type { Platform } from '../platform.js';
import { buildDemoCity, type DemoAccount } from './demo-city.js';

/**
 * Seeds the demo city into a platform. Idempotent: what exists already is left alone, so running
 * it on every start is safe. Returns what was added and the accounts to print.
 */
export async function seedDemoCity(platform: Platform, options: { citizens?: number; enterprises?: number } = {}) {
  const { seed, accounts } = buildDemoCity(options);
  const added = await seedIdentity(platform.identity, seed);
  return { added, accounts: accounts as DemoAccount[] };
}
