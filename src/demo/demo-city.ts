import type { Role } from '../core/actor.js';
import type { SeedIdentityInput } from '../identity/index.js';
import { makeCitizenId, makeUscc } from '../standards/index.js';

/** The password every demo account shares. Printed by `zhengtong demo`; never use it outside a demo. */
export const DEMO_PASSWORD = 'Zt@demo2026';

/** The fictional city sits on real GB/T 2260 codes: 福州市 (350100) and its districts. */
export const DEMO_CITY = { name: '示范市', regionCode: '350100', districts: ['350102', '350103', '350104', '350105', '350111', '350112'] } as const;

const DEPARTMENTS: Array<{ key: string; name: string; short: string }> = [
  { key: 'gaj', name: '示范市公安局', short: 'gaj' },
  { key: 'scjg', name: '示范市市场监督管理局', short: 'scjg' },
  { key: 'zrzy', name: '示范市自然资源和规划局', short: 'zrzy' },
  { key: 'mz', name: '示范市民政局', short: 'mz' },
  { key: 'rs', name: '示范市人力资源和社会保障局', short: 'rs' },
  { key: 'wj', name: '示范市卫生健康委员会', short: 'wj' },
  { key: 'sw', name: '示范市税务局', short: 'sw' },
  { key: 'sj', name: '示范市政务服务数据管理局', short: 'sj' },
  { key: 'jy', name: '示范市教育局', short: 'jy' },
  { key: 'zj', name: '示范市住房和城乡建设局', short: 'zj' },
];

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉鹏宇浩然欣怡子涵梓轩一诺雨萱晨阳思远嘉怡佳琪志强海燕春梅玉兰德明晓东';
const TRADE_NAMES = [
  '闽江',
  '榕城',
  '鼓山',
  '三坊',
  '七巷',
  '海峡',
  '东南',
  '福海',
  '金山',
  '仓前',
  '马尾',
  '晋安',
  '台江',
  '乌山',
  '西湖',
  '左海',
  '五四',
  '温泉',
  '茉莉',
  '榕树',
];
const INDUSTRIES = ['科技', '贸易', '建设工程', '餐饮管理', '物流', '医药', '文化传媒', '电子商务', '教育咨询', '食品'];

/** A small deterministic PRNG (mulberry32): the demo city is the same on every machine. Not for secrets. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** Organisation code bodies over the USCC alphabet only (no I, O, S, V, Z). */
const orgBody = (prefix: string, n: number) => (prefix + pad(n, 8 - prefix.length)).slice(0, 8);

export interface DemoAccount {
  username: string;
  role: string;
  org: string;
}

/**
 * The demo city's people and organisations: the city government, ten departments with valid
 * government USCCs (11…), staff per department (the three separated administrators in the data
 * bureau), `citizens` citizens with valid identity numbers (three with active accounts) and
 * `enterprises` enterprises with valid USCCs (one with an agent account).
 */
export function buildDemoCity(options: { citizens?: number; enterprises?: number } = {}): { seed: SeedIdentityInput; accounts: DemoAccount[] } {
  const citizenCount = options.citizens ?? 1000;
  const enterpriseCount = options.enterprises ?? 200;
  const rand = prng(20261128);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const char = (s: string): string => pick(Array.from(s));

  const orgs: SeedIdentityInput['orgs'] = [
    {
      key: 'gov',
      kind: 'department',
      name: `${DEMO_CITY.name}人民政府`,
      uscc: makeUscc('1', '1', DEMO_CITY.regionCode, orgBody('0030', 1)),
      regionCode: DEMO_CITY.regionCode,
    },
  ];
  DEPARTMENTS.forEach((d, i) =>
    orgs.push({
      key: d.key,
      kind: 'department',
      name: d.name,
      uscc: makeUscc('1', '1', DEMO_CITY.regionCode, orgBody('0031', i + 1)),
      regionCode: DEMO_CITY.regionCode,
      parentKey: 'gov',
    }),
  );

  const staff: SeedIdentityInput['staff'] = [
    { username: 'sysadmin', displayName: '系统管理员', orgKey: 'sj', roles: ['system-admin'], password: DEMO_PASSWORD },
    { username: 'secadmin', displayName: '安全管理员', orgKey: 'sj', roles: ['security-admin'], password: DEMO_PASSWORD },
    { username: 'auditadmin', displayName: '审计管理员', orgKey: 'sj', roles: ['audit-admin'], password: DEMO_PASSWORD },
    { username: 'reviewer', displayName: '目录审核员', orgKey: 'sj', roles: ['catalog-reviewer', 'dept-staff'], password: DEMO_PASSWORD },
  ];
  for (const d of DEPARTMENTS) {
    staff.push({
      username: `${d.short}.admin`,
      displayName: `${d.name.replace(DEMO_CITY.name, '')}管理员`,
      orgKey: d.key,
      roles: ['dept-admin'] as Role[],
      password: DEMO_PASSWORD,
    });
    for (let j = 1; j <= 2; j++)
      staff.push({
        username: `${d.short}.staff${j}`,
        displayName: char(SURNAMES) + char(GIVEN) + char(GIVEN),
        orgKey: d.key,
        roles: ['dept-staff'] as Role[],
        password: DEMO_PASSWORD,
      });
  }

  const citizens: SeedIdentityInput['citizens'] = [];
  const seen = new Set<string>();
  while (citizens.length < citizenCount) {
    const region = pick(DEMO_CITY.districts);
    const year = 1940 + Math.floor(rand() * 68);
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const idNumber = makeCitizenId(region, `${year}-${pad(month, 2)}-${pad(day, 2)}`, Math.floor(rand() * 1000));
    if (seen.has(idNumber)) continue;
    seen.add(idNumber);
    const name = char(SURNAMES) + char(GIVEN) + (rand() < 0.6 ? char(GIVEN) : '');
    citizens.push({ idNumber, name, phone: `13${pad(Math.floor(rand() * 1e9), 9)}`, ...(citizens.length < 3 ? { password: DEMO_PASSWORD } : {}) });
  }

  for (let i = 1; i <= enterpriseCount; i++) {
    const region = pick(DEMO_CITY.districts);
    orgs.push({
      key: `ent${i}`,
      kind: 'enterprise',
      name: `${DEMO_CITY.name}${pick(TRADE_NAMES)}${pick(INDUSTRIES)}有限公司（${pad(i, 3)}）`,
      uscc: makeUscc('9', '1', region, 'MA' + pad((i * 7919) % 1_000_000, 6)), // 7919 is coprime with 10^6: distinct for every i
      regionCode: region,
    });
  }
  const firstEnterprise = orgs.find((o) => o.kind === 'enterprise');
  const agents: SeedIdentityInput['agents'] = firstEnterprise
    ? [
        {
          username: 'agent',
          name: '企业经办人',
          idNumber: citizens[3]?.idNumber ?? citizens[0]!.idNumber,
          orgKey: firstEnterprise.key,
          password: DEMO_PASSWORD,
        },
      ]
    : [];

  const accounts: DemoAccount[] = [
    { username: 'sysadmin', role: '系统管理员 system admin', org: '政务服务数据管理局' },
    { username: 'secadmin', role: '安全管理员 security admin', org: '政务服务数据管理局' },
    { username: 'auditadmin', role: '审计管理员 audit admin', org: '政务服务数据管理局' },
    { username: 'reviewer', role: '目录审核员 catalog reviewer', org: '政务服务数据管理局' },
    { username: 'gaj.admin', role: '部门管理员 department admin', org: '公安局' },
    { username: 'gaj.staff1', role: '部门工作人员 department staff', org: '公安局' },
    ...citizens.slice(0, 3).map((c) => ({ username: c.idNumber, role: `市民 citizen (${c.name})`, org: '—' })),
    ...(firstEnterprise ? [{ username: 'agent', role: `企业经办人 agent (统一社会信用代码 ${firstEnterprise.uscc})`, org: firstEnterprise.name }] : []),
  ];
  return { seed: { orgs, staff, citizens, agents }, accounts };
}
