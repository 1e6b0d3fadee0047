/**
 * A realistic provincial catalog for the scale benchmark: departments of the province and of its
 * cities (real Fujian division codes), each cataloguing its subjects per county and year with the
 * qualifiers real catalogs use (明细, 统计, 台账…), data items of the subject's domain, keywords,
 * and the spread of sharing types, formats and update cycles. Deterministic (mulberry32).
 */
import type { DataItem, FormatType, OpenType, ResourceInput, ShareType, UpdateCycle } from '../src/catalog/index.js';

export interface CorpusDepartment {
  key: string;
  name: string;
  regionCode: string;
  domain: number;
}

interface Domain {
  dept: string;
  classCode: string;
  keywords: string[];
  subjects: Array<[string, string[]]>; // subject, its own keywords
  items: Array<[string, string, DataItem['type'], number | null]>;
}

const DOMAINS: Domain[] = [
  {
    dept: '公安局',
    classCode: '101',
    keywords: ['户籍', '人口'],
    subjects: [
      ['常住人口户籍', ['身份核验']],
      ['流动人口居住登记', ['居住证']],
      ['出入境证件签发', ['护照', '通行证']],
      ['机动车驾驶证', ['驾驶证']],
      ['机动车登记', ['车辆']],
      ['户口迁移', ['迁移']],
      ['居民身份证办理', ['身份证']],
      ['治安管理处罚', ['治安']],
    ],
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['性别', 'gender', 'C', 1],
      ['出生日期', 'birthDate', 'D', null],
      ['户籍地址', 'address', 'C', 200],
      ['办理日期', 'handledOn', 'D', null],
    ],
  },
  {
    dept: '市场监督管理局',
    classCode: '102',
    keywords: ['企业', '市场主体'],
    subjects: [
      ['市场主体登记', ['营业执照', '法人']],
      ['食品经营许可', ['食品安全', '许可']],
      ['药品零售许可', ['药品']],
      ['特种设备使用登记', ['特种设备']],
      ['企业年度报告', ['年报']],
      ['行政处罚决定', ['处罚']],
      ['商标质押登记', ['商标']],
      ['计量器具检定', ['计量']],
    ],
    items: [
      ['统一社会信用代码', 'uscc', 'C', 18],
      ['企业名称', 'entName', 'C', 200],
      ['法定代表人', 'legalRep', 'C', 50],
      ['注册资本', 'capital', 'Y', null],
      ['成立日期', 'establishedOn', 'D', null],
      ['登记机关', 'authority', 'C', 100],
    ],
  },
  {
    dept: '人力资源和社会保障局',
    classCode: '203',
    keywords: ['社保', '就业'],
    subjects: [
      ['城镇职工基本养老保险参保', ['养老保险']],
      ['失业保险金发放', ['失业']],
      ['工伤认定', ['工伤']],
      ['职业技能等级认定', ['技能']],
      ['就业困难人员认定', ['援助']],
      ['社会保障卡发放', ['社保卡']],
      ['劳动人事争议仲裁', ['仲裁']],
      ['高校毕业生就业登记', ['毕业生']],
    ],
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['参保单位', 'employer', 'C', 200],
      ['缴费基数', 'base', 'Y', null],
      ['参保日期', 'enrolledOn', 'D', null],
    ],
  },
  {
    dept: '卫生健康委员会',
    classCode: '202',
    keywords: ['医疗', '健康'],
    subjects: [
      ['出生医学证明', ['出生']],
      ['医疗机构执业许可', ['医疗机构']],
      ['医师执业注册', ['医师']],
      ['预防接种', ['疫苗']],
      ['传染病报告', ['疾控']],
      ['居民电子健康档案', ['健康档案']],
      ['母婴保健技术服务', ['母婴']],
      ['死亡医学证明', ['死亡']],
    ],
    items: [
      ['机构名称', 'orgName', 'C', 200],
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['执业地点', 'site', 'C', 200],
      ['签发日期', 'issuedOn', 'D', null],
    ],
  },
  {
    dept: '教育局',
    classCode: '201',
    keywords: ['教育', '学校'],
    subjects: [
      ['中小学学籍', ['学籍']],
      ['教师资格认定', ['教师']],
      ['民办学校办学许可', ['民办学校']],
      ['学生资助', ['资助']],
      ['义务教育招生入学', ['招生']],
      ['中等职业学校毕业证书', ['毕业证书']],
    ],
    items: [
      ['学生姓名', 'student', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['学校名称', 'school', 'C', 200],
      ['入学日期', 'enrolledOn', 'D', null],
    ],
  },
  {
    dept: '自然资源局',
    classCode: '103',
    keywords: ['不动产', '国土'],
    subjects: [
      ['不动产登记', ['产权']],
      ['建设用地规划许可', ['规划']],
      ['土地出让合同', ['土地出让']],
      ['地质灾害隐患点', ['地质灾害']],
      ['基本农田保护', ['耕地']],
      ['测绘成果', ['测绘']],
    ],
    items: [
      ['不动产单元号', 'unitNo', 'C', 28],
      ['权利人', 'holder', 'C', 200],
      ['坐落', 'location', 'C', 200],
      ['面积', 'area', 'F', null],
      ['登记日期', 'registeredOn', 'D', null],
    ],
  },
  {
    dept: '住房和城乡建设局',
    classCode: '209',
    keywords: ['住房', '建设'],
    subjects: [
      ['建筑工程施工许可', ['施工']],
      ['商品房预售许可', ['预售']],
      ['住房公积金缴存', ['公积金']],
      ['保障性住房资格', ['保障房']],
      ['建筑业企业资质', ['资质']],
      ['城镇老旧小区改造', ['老旧小区']],
    ],
    items: [
      ['项目名称', 'project', 'C', 200],
      ['建设单位', 'builder', 'C', 200],
      ['许可证号', 'permitNo', 'C', 30],
      ['合同价款', 'price', 'Y', null],
      ['发证日期', 'issuedOn', 'D', null],
    ],
  },
  {
    dept: '税务局',
    classCode: '208',
    keywords: ['纳税', '税务'],
    subjects: [
      ['纳税信用等级', ['信用']],
      ['增值税发票开具', ['发票']],
      ['个人所得税汇算', ['个税']],
      ['欠税公告', ['欠税']],
      ['税务登记', ['登记']],
    ],
    items: [
      ['纳税人识别号', 'taxpayerId', 'C', 20],
      ['纳税人名称', 'taxpayer', 'C', 200],
      ['税款所属期', 'period', 'C', 7],
      ['应纳税额', 'tax', 'Y', null],
    ],
  },
  {
    dept: '民政局',
    classCode: '210',
    keywords: ['民政', '救助'],
    subjects: [
      ['婚姻登记', ['结婚', '离婚']],
      ['城乡最低生活保障', ['低保']],
      ['特困人员供养', ['特困']],
      ['社会组织登记', ['社会组织']],
      ['养老机构备案', ['养老']],
      ['殡葬服务', ['殡葬']],
    ],
    items: [
      ['姓名', 'name', 'C', 50],
      ['公民身份号码', 'idNumber', 'C', 18],
      ['救助金额', 'amount', 'Y', null],
      ['审批日期', 'approvedOn', 'D', null],
    ],
  },
  {
    dept: '生态环境局',
    classCode: '211',
    keywords: ['环保', '生态'],
    subjects: [
      ['排污许可', ['排污']],
      ['环境影响评价审批', ['环评']],
      ['空气质量监测', ['空气质量']],
      ['水环境质量监测', ['水质']],
      ['危险废物经营许可', ['危废']],
    ],
    items: [
      ['单位名称', 'orgName', 'C', 200],
      ['监测点位', 'station', 'C', 100],
      ['监测时间', 'measuredAt', 'T', null],
      ['监测值', 'value', 'F', null],
    ],
  },
  {
    dept: '交通运输局',
    classCode: '201',
    keywords: ['交通', '运输'],
    subjects: [
      ['道路运输经营许可', ['道路运输']],
      ['公交线路站点', ['公交']],
      ['出租汽车驾驶员从业资格', ['出租车']],
      ['公路建设项目', ['公路']],
      ['港口经营许可', ['港口']],
    ],
    items: [
      ['经营者名称', 'operator', 'C', 200],
      ['许可证号', 'permitNo', 'C', 30],
      ['线路名称', 'route', 'C', 100],
      ['有效期至', 'validUntil', 'D', null],
    ],
  },
  {
    dept: '应急管理局',
    classCode: '212',
    keywords: ['应急', '安全生产'],
    subjects: [
      ['安全生产许可', ['安全许可']],
      ['危险化学品经营许可', ['危化品']],
      ['生产安全事故', ['事故']],
      ['应急救援队伍', ['救援']],
      ['自然灾害灾情', ['灾情']],
    ],
    items: [
      ['单位名称', 'orgName', 'C', 200],
      ['事故类型', 'kind', 'C', 50],
      ['发生时间', 'occurredAt', 'T', null],
      ['伤亡人数', 'casualties', 'I', null],
    ],
  },
];

/** Fujian: the province, its cities, and counties of each (GB/T 2260). */
const CITIES: Array<[string, string, string[]]> = [
  ['350100', '福州市', ['鼓楼区', '台江区', '仓山区', '马尾区', '晋安区', '长乐区', '闽侯县', '连江县', '福清市']],
  ['350200', '厦门市', ['思明区', '海沧区', '湖里区', '集美区', '同安区', '翔安区']],
  ['350300', '莆田市', ['城厢区', '涵江区', '荔城区', '秀屿区', '仙游县']],
  ['350400', '三明市', ['三元区', '沙县区', '永安市', '尤溪县', '将乐县']],
  ['350500', '泉州市', ['鲤城区', '丰泽区', '洛江区', '晋江市', '石狮市', '南安市', '惠安县', '安溪县']],
  ['350600', '漳州市', ['芗城区', '龙文区', '龙海区', '漳浦县', '诏安县']],
  ['350700', '南平市', ['延平区', '建阳区', '武夷山市', '邵武市', '建瓯市']],
  ['350800', '龙岩市', ['新罗区', '永定区', '长汀县', '上杭县', '漳平市']],
  ['350900', '宁德市', ['蕉城区', '福安市', '福鼎市', '霞浦县', '古田县']],
];

const QUALIFIERS = ['信息', '明细', '统计', '台账', '名录', '变更记录', '汇总', '清单', '年报', '月报'];
const FORMATS: FormatType[] = ['database', 'api', 'spreadsheet', 'file', 'self-describing'];
const CYCLES: UpdateCycle[] = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'half-yearly', 'yearly'];

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

/** Every department of every city: 9 cities × 12 domains = 108 providers. */
export function corpusDepartments(): CorpusDepartment[] {
  const out: CorpusDepartment[] = [];
  CITIES.forEach(([code, city], c) => DOMAINS.forEach((d, i) => out.push({ key: `c${c}d${i}`, name: `${city}${d.dept}`, regionCode: code, domain: i })));
  return out;
}

export interface CorpusRecord {
  department: string;
  input: ResourceInput;
}

/**
 * `n` records: department (city × domain), subject, county, year and qualifier drawn from the
 * PRNG, so a subject word matches about 1 in 80 records, a domain keyword 1 in 12, a county 1 in 60.
 */
export function* scaleCorpus(n: number, seed = 20261204): Generator<CorpusRecord> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const depts = corpusDepartments();
  for (let i = 0; i < n; i++) {
    const dept = pick(depts);
    const domain = DOMAINS[dept.domain]!;
    const [subject, subjectKeywords] = pick(domain.subjects);
    const county = pick(CITIES.find(([code]) => code === dept.regionCode)![2]);
    const year = 2012 + Math.floor(rnd() * 15);
    const qualifier = pick(QUALIFIERS);
    const r = rnd();
    const shareType: ShareType = domain.classCode < '104' || r < 0.45 ? 'unconditional' : r < 0.92 ? 'conditional' : 'none';
    const openType: OpenType = shareType === 'none' ? 'closed' : pick(['open', 'closed', 'closed', 'conditional'] as const);
    const items = domain.items.filter(() => rnd() < 0.8);
    if (!items.length) items.push(domain.items[0]!);
    yield {
      department: dept.key,
      input: {
        classCode: domain.classCode,
        name: `${county}${year}年${subject}${qualifier}`,
        abstract: `${county}${year}年度${subject}的${qualifier}，由${dept.name}负责采集和维护，用于${pick(['政务服务', '监管执法', '统计分析', '公共服务', '决策支持'])}。`,
        formatType: pick(FORMATS),
        formatDetail: null,
        items: items.map(([name, field, type, length]) => ({ name, field, type, length, element: null })),
        shareType,
        shareCondition: shareType === 'conditional' ? '仅限依法履职需要，按申请的信息项共享' : null,
        shareBasis: shareType === 'none' ? '《中华人民共和国个人信息保护法》第三十四条' : null,
        shareMethods: shareType === 'none' ? [] : [pick(['interface', 'database', 'file'] as const)],
        openType,
        openCondition: openType === 'conditional' ? '经实名注册后可下载' : null,
        updateCycle: pick(CYCLES),
        relatedCodes: [],
        keywords: [...domain.keywords.slice(0, 1 + Math.floor(rnd() * 2)), ...subjectKeywords],
        maintainer: `${dept.name}数据管理科`,
        links: [],
      },
    };
  }
}

/** Query words of the mix: subject words (narrow), domain keywords (broad), counties, qualifiers. */
export function corpusQueryWords(): { narrow: string[]; broad: string[]; place: string[] } {
  return {
    narrow: DOMAINS.flatMap((d) => d.subjects.flatMap(([, k]) => k)),
    broad: DOMAINS.flatMap((d) => d.keywords),
    place: CITIES.flatMap(([, , counties]) => counties),
  };
}

export const CORPUS_CITY_CODES = CITIES.map(([code]) => code);
