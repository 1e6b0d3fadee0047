/**
 * The catalog's vocabulary (GB/T 21063.3 and the 2017 编制指南): code lists with their Chinese
 * labels, the seeded classification, and the shapes of a resource and its parts.
 */

/** 信息资源格式 (GB/T 21063.3): code → label. */
export const FORMAT_TYPES = {
  file: '电子文件',
  spreadsheet: '电子表格',
  database: '数据库',
  image: '图形图像',
  stream: '流媒体',
  'self-describing': '自描述格式',
  api: '服务接口',
} as const;
export type FormatType = keyof typeof FORMAT_TYPES;

/** 信息项数据类型: C 字符 N 数值 Y 货币 D 日期 T 日期时间 L 逻辑 M 备注 B 二进制 I 整数 F 浮点. */
export const ITEM_TYPES = {
  C: '字符型',
  N: '数值型',
  Y: '货币型',
  D: '日期型',
  T: '日期时间型',
  L: '逻辑型',
  M: '备注型',
  B: '二进制',
  I: '整数型',
  F: '浮点型',
} as const;
export type ItemType = keyof typeof ITEM_TYPES;

/** 共享类型: 1 无条件共享, 2 有条件共享, 3 不予共享. */
export const SHARE_TYPES = { unconditional: '无条件共享', conditional: '有条件共享', none: '不予共享' } as const;
export type ShareType = keyof typeof SHARE_TYPES;

/** 共享方式. */
export const SHARE_METHODS = { database: '数据库', file: '文件', interface: '服务接口' } as const;
export type ShareMethod = keyof typeof SHARE_METHODS;

/** 开放属性. */
export const OPEN_TYPES = { open: '无条件开放', conditional: '有条件开放', closed: '不予开放' } as const;
export type OpenType = keyof typeof OPEN_TYPES;

/** 更新周期, with the longest a department may go between data updates and still be on schedule (days). */
export const UPDATE_CYCLES = {
  realtime: { zh: '实时', days: 1 },
  daily: { zh: '每日', days: 1 },
  weekly: { zh: '每周', days: 7 },
  monthly: { zh: '每月', days: 31 },
  quarterly: { zh: '每季度', days: 92 },
  'half-yearly': { zh: '每半年', days: 183 },
  yearly: { zh: '每年', days: 366 },
} as const;
export type UpdateCycle = keyof typeof UPDATE_CYCLES;

/** 目录状态: 草稿 → 待审核 → 已发布, or 退回, and 已下线. */
export const RESOURCE_STATUSES = { draft: '草稿', pending: '待审核', published: '已发布', returned: '退回', offline: '已下线' } as const;
export type ResourceStatus = keyof typeof RESOURCE_STATUSES;

export const LINK_KINDS = { service: '交换服务', file: '文件', api: '接口' } as const;
export type LinkKind = keyof typeof LINK_KINDS;

export const APPLICATION_STATUSES = { pending: '待答复', approved: '已批准', refused: '已拒绝', withdrawn: '已撤销' } as const;
export type ApplicationStatus = keyof typeof APPLICATION_STATUSES;

export interface DataItem {
  /** 信息项名称 (`公民身份号码`). */
  name: string;
  /** The field's identifier in the data the service returns (`idNumber`): what a grant lists. */
  field: string;
  type: ItemType;
  length: number | null;
  /** 数据元 reference (an identifier in the data-element dictionary), when there is one. */
  element: string | null;
}

export interface ResourceLink {
  kind: LinkKind;
  /** An exchange service id (`CN-DEMO/GOV/<USCC>/<subsystem>/<service>`), a file name or an API URL. */
  ref: string;
  title: string | null;
}

/** What a department writes about a resource (the editable core metadata). */
export interface ResourceInput {
  classCode: string;
  name: string;
  abstract: string;
  formatType: FormatType;
  formatDetail?: string | null;
  items: DataItem[];
  shareType: ShareType;
  shareCondition?: string | null;
  shareBasis?: string | null;
  shareMethods: ShareMethod[];
  openType: OpenType;
  openCondition?: string | null;
  updateCycle: UpdateCycle;
  relatedCodes?: string[];
  keywords?: string[];
  maintainer: string;
  links?: ResourceLink[];
}

/** The base registries (人口, 法人单位, 自然资源和空间地理, 电子证照): their resources are always 无条件共享. */
export const BASE_REGISTRY_CLASSES = ['101', '102', '103', '105'] as const;

export function isBaseRegistryClass(classCode: string): boolean {
  return BASE_REGISTRY_CLASSES.some((c) => classCode.startsWith(c));
}

/** Length of each level's own digits: 类 1, 项 2, 目 3, 细目 3. Codes are the concatenation. */
export const CLASS_LEVEL_DIGITS = [1, 2, 3, 3] as const;
export const CLASS_LEVEL_NAMES = ['类', '项', '目', '细目'] as const;

/** The level (1–4) a class code has, or undefined when its length fits no level. */
export function classLevelOf(code: string): number | undefined {
  const lengths = [1, 3, 6, 9];
  const i = lengths.indexOf(code.length);
  return i < 0 || !/^\d+$/.test(code) ? undefined : i + 1;
}

/** The seeded classification: the three top classes and their items (编制指南). */
export const SEED_CLASSES: ReadonlyArray<{ code: string; name: string; children: readonly string[] }> = [
  { code: '1', name: '基础信息资源', children: ['人口', '法人单位', '自然资源和空间地理', '社会信用', '电子证照'] },
  {
    code: '2',
    name: '主题信息资源',
    children: [
      '公共服务',
      '健康保障',
      '社会保障',
      '食品药品安全',
      '安全生产',
      '价格监管',
      '能源安全',
      '信用体系',
      '城乡建设',
      '社区治理',
      '生态环保',
      '应急维稳',
    ],
  },
  { code: '3', name: '部门信息资源', children: [] },
];
