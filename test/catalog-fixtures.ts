/** Shared fixtures of the catalog tests: a reviewer on top of `seedBasics`, and resource bodies. */
import { seedIdentity } from '../src/identity/index.js';
import { makeUscc } from '../src/standards/index.js';
import { PASSWORD, seedBasics, type TestPlatform } from './helpers.js';

export const POLICE_USCC = makeUscc('1', '1', '350100', '00310001');
export const MARKET_USCC = makeUscc('1', '1', '350100', '00310002');

/** `seedBasics` plus a catalog reviewer (`reviewer`) at the city government. */
export async function seedCatalogPeople(p: TestPlatform) {
  const ids = await seedBasics(p);
  await seedIdentity(p.identity, {
    orgs: [{ key: 'gov', kind: 'department', name: '测试市人民政府', uscc: makeUscc('1', '1', '350100', '00300001'), regionCode: '350100' }],
    staff: [{ username: 'reviewer', displayName: '目录审核员', orgKey: 'gov', roles: ['catalog-reviewer'], password: PASSWORD }],
    citizens: [],
    agents: [],
  });
  return ids;
}

/** A valid resource body (有条件共享 population data of the police) with overrides. */
export function resourceBody(overrides: Record<string, unknown> = {}) {
  return {
    classCode: '201',
    name: '常住人口户籍信息',
    abstract: '本市常住人口的户籍登记信息，包括姓名、公民身份号码、户籍地址等，用于政务服务中的身份核验。',
    formatType: 'database',
    formatDetail: 'JSON API',
    items: [
      { name: '姓名', field: 'name', type: 'C', length: 50, element: 'DE00001' },
      { name: '公民身份号码', field: 'idNumber', type: 'C', length: 18, element: 'DE00002' },
      { name: '户籍地址', field: 'address', type: 'C', length: 200, element: null },
    ],
    shareType: 'conditional',
    shareCondition: '仅限办理政务服务事项时核验身份',
    shareMethods: ['interface'],
    openType: 'closed',
    updateCycle: 'daily',
    keywords: ['户籍', '人口'],
    maintainer: '户政管理处 张三 0591-00000000',
    links: [{ kind: 'service', ref: `CN-DEMO/GOV/${POLICE_USCC}/hukou/persons`, title: '户籍信息查询' }],
    ...overrides,
  };
}
