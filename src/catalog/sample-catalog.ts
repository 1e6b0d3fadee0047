import { isBaseRegistryClass, type DataItem, type FormatType, type OpenType, type ResourceInput, type ShareType, type UpdateCycle } from './catalog.model.js';

/**
 * Realistic, deterministic Chinese catalog records: the demo city's resources, the test corpus
 * and the benchmark's. `department` keys match the demo city (gaj 公安, scjg 市场监管, zrzy 自然资源…).
 */
interface Topic {
  department: string;
  classCode: string;
  stem: string;
  abstract: string;
  items: Array<[string, string, DataItem['type'], number | null]>;
  keywords: string[];
  service: string;
}

const TOPICS: Topic[] = [
  {
    department: 'gaj',
    classCode: '101',
    stem: '常住人口户籍',
    abstract: '常住人口的户籍登记信息，用于身份核验、户籍证明和人口统计。',
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['性别', 'gender', 'C', 1],
      ['出生日期', 'birthDate', 'D', null],
      ['户籍地址', 'address', 'C', 200],
    ],
    keywords: ['户籍', '人口', '身份核验'],
    service: 'hukou/persons',
  },
  {
    department: 'gaj',
    classCode: '101',
    stem: '流动人口居住登记',
    abstract: '流动人口居住登记与居住证办理信息。',
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['居住地址', 'residence', 'C', 200],
      ['登记日期', 'registeredOn', 'D', null],
    ],
    keywords: ['居住证', '流动人口'],
    service: 'residence/permits',
  },
  {
    department: 'scjg',
    classCode: '102',
    stem: '市场主体登记',
    abstract: '企业、个体工商户和农民专业合作社的设立、变更、注销登记信息。',
    items: [
      ['统一社会信用代码', 'uscc', 'C', 18],
      ['企业名称', 'entName', 'C', 200],
      ['法定代表人', 'legalRep', 'C', 50],
      ['注册资本', 'capital', 'Y', null],
      ['成立日期', 'establishedOn', 'D', null],
    ],
    keywords: ['企业', '法人', '营业执照'],
    service: 'registry/entities',
  },
  {
    department: 'scjg',
    classCode: '204',
    stem: '食品经营许可',
    abstract: '食品经营许可证核发、延续、变更和注销信息。',
    items: [
      ['许可证编号', 'licenceNo', 'C', 30],
      ['经营者名称', 'operator', 'C', 200],
      ['经营场所', 'premises', 'C', 200],
      ['有效期至', 'validUntil', 'D', null],
    ],
    keywords: ['食品安全', '许可'],
    service: 'food/licences',
  },
  {
    department: 'zrzy',
    classCode: '103',
    stem: '不动产登记',
    abstract: '土地、房屋等不动产权利登记信息，含不动产单元号和权利人。',
    items: [
      ['不动产单元号', 'unitNo', 'C', 28],
      ['权利人', 'holder', 'C', 100],
      ['坐落', 'location', 'C', 200],
      ['面积', 'area', 'F', null],
    ],
    keywords: ['不动产', '房屋', '土地'],
    service: 'estate/titles',
  },
  {
    department: 'mz',
    classCode: '203',
    stem: '最低生活保障对象',
    abstract: '城乡最低生活保障对象的认定与救助金发放信息。',
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['保障金额', 'amount', 'Y', null],
      ['保障起始日期', 'since', 'D', null],
    ],
    keywords: ['低保', '社会救助'],
    service: 'relief/recipients',
  },
  {
    department: 'rs',
    classCode: '203',
    stem: '社会保险参保',
    abstract: '职工基本养老保险、失业保险和工伤保险的参保与缴费信息。',
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['参保单位', 'employer', 'C', 200],
      ['缴费基数', 'base', 'Y', null],
      ['参保状态', 'state', 'C', 10],
    ],
    keywords: ['社保', '养老保险', '参保'],
    service: 'insurance/members',
  },
  {
    department: 'wj',
    classCode: '202',
    stem: '医疗机构执业登记',
    abstract: '医疗机构执业许可、校验和变更信息。',
    items: [
      ['机构名称', 'orgName', 'C', 200],
      ['登记号', 'registrationNo', 'C', 30],
      ['诊疗科目', 'departments', 'M', null],
      ['床位数', 'beds', 'I', null],
    ],
    keywords: ['医疗', '卫生', '执业'],
    service: 'health/facilities',
  },
  {
    department: 'wj',
    classCode: '202',
    stem: '出生医学证明',
    abstract: '新生儿出生医学证明签发信息，用于户籍登记和社保参保。',
    items: [
      ['新生儿姓名', 'childName', 'C', 50],
      ['出生日期', 'birthDate', 'D', null],
      ['母亲公民身份号码', 'motherId', 'C', 18],
      ['证明编号', 'certificateNo', 'C', 20],
    ],
    keywords: ['出生', '证明', '新生儿'],
    service: 'health/births',
  },
  {
    department: 'sw',
    classCode: '104',
    stem: '纳税信用等级',
    abstract: '纳税人纳税信用评价等级信息。',
    items: [
      ['统一社会信用代码', 'uscc', 'C', 18],
      ['纳税人名称', 'taxpayer', 'C', 200],
      ['信用等级', 'grade', 'C', 2],
      ['评价年度', 'year', 'I', null],
    ],
    keywords: ['纳税', '信用'],
    service: 'tax/credit',
  },
  {
    department: 'jy',
    classCode: '201',
    stem: '中小学学籍',
    abstract: '全市中小学学生学籍注册与变动信息。',
    items: [
      ['学生姓名', 'name', 'C', 50],
      ['学籍号', 'studentNo', 'C', 19],
      ['学校名称', 'school', 'C', 100],
      ['年级', 'grade', 'C', 10],
    ],
    keywords: ['教育', '学籍', '学校'],
    service: 'education/students',
  },
  {
    department: 'zj',
    classCode: '209',
    stem: '建筑工程施工许可',
    abstract: '建筑工程施工许可证核发信息，含建设单位、工程地址和合同价格。',
    items: [
      ['许可证编号', 'permitNo', 'C', 30],
      ['建设单位', 'builder', 'C', 200],
      ['工程名称', 'project', 'C', 200],
      ['合同价格', 'price', 'Y', null],
    ],
    keywords: ['施工许可', '建筑', '工程'],
    service: 'construction/permits',
  },
  {
    department: 'sj',
    classCode: '201',
    stem: '政务服务事项办件',
    abstract: '政务服务事项的受理、办结和评价信息。',
    items: [
      ['办件编号', 'caseNo', 'C', 32],
      ['事项名称', 'itemName', 'C', 200],
      ['受理时间', 'acceptedAt', 'T', null],
      ['办结状态', 'state', 'C', 10],
    ],
    keywords: ['办件', '政务服务', '好差评'],
    service: 'hall/cases',
  },
];

const DISTRICTS = ['', '鼓楼区', '台江区', '仓山区', '马尾区', '晋安区', '长乐区'];
const SUFFIXES = ['信息', '明细', '统计', '台账', '名录', '变更记录'];
const FORMATS: FormatType[] = ['database', 'api', 'spreadsheet', 'file'];
const CYCLES: UpdateCycle[] = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly'];

/** A small deterministic PRNG (mulberry32): the same catalog on every machine. Not for secrets. */
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

export interface SampleResource {
  /** The demo department key that provides it. */
  department: string;
  input: ResourceInput;
}

/**
 * `n` catalog records, cycling through the topics with districts, suffixes and code lists varied
 * deterministically. The first record of each topic is the city-wide one; base-registry topics are
 * 无条件共享; about one in twelve others is 不予共享 with a legal basis.
 *
 * @param memberCode maps a department key to its USCC, for the exchange-service links.
 * @example sampleCatalog(13, (d) => usccOf[d]) // one city-wide record per topic
 */
export function sampleCatalog(n: number, memberCode: (department: string) => string, instance = 'CN-DEMO'): SampleResource[] {
  const rnd = prng(20260302);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const out: SampleResource[] = [];
  for (let i = 0; i < n; i++) {
    const topic = TOPICS[i % TOPICS.length]!;
    const round = Math.floor(i / TOPICS.length);
    const district = round === 0 ? '' : pick(DISTRICTS);
    const suffix = round === 0 ? '信息' : pick(SUFFIXES);
    const r = rnd();
    const shareType: ShareType = isBaseRegistryClass(topic.classCode) || r < 0.45 ? 'unconditional' : r < 0.92 ? 'conditional' : 'none';
    const openType: OpenType = shareType === 'none' ? 'closed' : pick(['open', 'closed', 'closed', 'conditional'] as const);
    const name = `${district}${topic.stem}${suffix}${round > 6 ? `（${2000 + (round % 27)}年）` : ''}`;
    const [stemService, code] = topic.service.split('/') as [string, string];
    out.push({
      department: topic.department,
      input: {
        classCode: topic.classCode,
        name,
        abstract: `${district || '全市'}${topic.abstract}`,
        formatType: pick(FORMATS),
        formatDetail: null,
        items: topic.items.map(([itemName, field, type, length]) => ({ name: itemName, field, type, length, element: null })),
        shareType,
        shareCondition: shareType === 'conditional' ? '仅限依法履职需要，按申请的信息项共享' : null,
        shareBasis: shareType === 'none' ? '《中华人民共和国个人信息保护法》第三十四条' : null,
        shareMethods: shareType === 'none' ? [] : ['interface'],
        openType,
        openCondition: openType === 'conditional' ? '经实名注册后可下载' : null,
        updateCycle: pick(CYCLES),
        relatedCodes: [],
        keywords: topic.keywords,
        maintainer: `${topic.stem}数据管理岗`,
        links: [{ kind: 'service', ref: `${instance}/GOV/${memberCode(topic.department)}/${stemService}/${code}`, title: `${topic.stem}查询服务` }],
      },
    });
  }
  return out;
}
