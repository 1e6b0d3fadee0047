import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoCity, seedDemoCity } from '../src/demo/index.js';
import { validateIdentifier } from '../src/standards/index.js';
import { createTestPlatform, DIALECTS, type TestPlatform } from './helpers.js';

describe('the demo city data', () => {
  const { seed } = buildDemoCity();

  it('has about ten departments with valid government USCCs under the city government', () => {
    const departments = seed.orgs.filter((o) => o.kind === 'department');
    expect(departments.length).toBeGreaterThanOrEqual(10);
    for (const name of ['公安局', '市场监督管理局', '自然资源和规划局', '民政局', '人力资源和社会保障局', '卫生健康委员会', '税务局', '政务服务数据管理局']) {
      expect(departments.some((d) => d.name.endsWith(name))).toBe(true);
    }
    for (const d of departments) {
      expect(validateIdentifier('uscc', d.uscc).valid).toBe(true);
      expect(d.uscc.startsWith('11')).toBe(true);
      expect(validateIdentifier('division', d.regionCode).valid).toBe(true);
    }
  });

  it('has 1,000 distinct citizens and 200 distinct enterprises with valid identifiers on real division codes', () => {
    expect(new Set(seed.citizens.map((c) => c.idNumber)).size).toBe(1000);
    for (const c of seed.citizens) {
      const r = validateIdentifier('citizen-id', c.idNumber, { today: '2026-11-28' });
      expect(r.valid, c.idNumber).toBe(true);
      expect(r.valid && r.parsed.regionInTable).toBe(true);
    }
    const enterprises = seed.orgs.filter((o) => o.kind === 'enterprise');
    expect(new Set(enterprises.map((e) => e.uscc)).size).toBe(200);
    for (const e of enterprises) expect(validateIdentifier('uscc', e.uscc).valid, e.uscc).toBe(true);
  });

  it('is the same on every run', () => {
    expect(buildDemoCity().seed).toEqual(seed);
  });
});

describe.each(DIALECTS)('seeding the demo city (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform(dialect);
  });
  afterAll(async () => p.destroy());

  it('seeds once and is idempotent', async () => {
    const first = await seedDemoCity(p, { citizens: 50, enterprises: 10 });
    expect(first.added).toEqual({ orgs: 21, staff: 34, citizens: 50, agents: 1 });
    const second = await seedDemoCity(p, { citizens: 50, enterprises: 10 });
    expect(second.added).toEqual({ orgs: 0, staff: 0, citizens: 0, agents: 0 });
    const login = await p.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'sysadmin', password: 'Zt@demo2026' } });
    expect(login.json().mfa).toBe('enroll');
  });
});
