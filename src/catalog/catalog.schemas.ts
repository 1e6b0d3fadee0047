import { Type } from 'typebox';
import { StrictObject, StringEnum } from '../core/http/schema-helpers.js';
import {
  APPLICATION_STATUSES,
  FORMAT_TYPES,
  ITEM_TYPES,
  LINK_KINDS,
  OPEN_TYPES,
  RESOURCE_STATUSES,
  SHARE_METHODS,
  SHARE_TYPES,
  UPDATE_CYCLES,
} from './catalog.model.js';

const keys = <T extends object>(o: T) => Object.keys(o) as Array<keyof T & string>;
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const FormatTypeSchema = StringEnum(keys(FORMAT_TYPES), {
  description: '信息资源格式：电子文件、电子表格、数据库、图形图像、流媒体、自描述格式、服务接口',
});
export const ShareTypeSchema = StringEnum(keys(SHARE_TYPES), { description: '共享类型：无条件 / 有条件 / 不予共享' });
export const OpenTypeSchema = StringEnum(keys(OPEN_TYPES), { description: '开放属性：无条件开放 / 有条件开放 / 不予开放' });
export const UpdateCycleSchema = StringEnum(keys(UPDATE_CYCLES), { description: '更新周期' });
export const ResourceStatusSchema = StringEnum(keys(RESOURCE_STATUSES), { description: '草稿 / 待审核 / 已发布 / 退回 / 已下线' });
export const ApplicationStatusSchema = StringEnum(keys(APPLICATION_STATUSES), { description: '待答复 / 已批准 / 已拒绝 / 已撤销' });

export const DataItemSchema = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 100, description: '信息项名称' }),
  field: Type.String({ minLength: 1, maxLength: 64, description: '字段标识（服务返回数据中的字段名，授权按它列出）' }),
  type: StringEnum(keys(ITEM_TYPES), { description: 'C 字符 N 数值 Y 货币 D 日期 T 日期时间 L 逻辑 M 备注 B 二进制 I 整数 F 浮点' }),
  length: Type.Union([Type.Integer({ minimum: 1, maximum: 100000 }), Type.Null()], { default: null }),
  element: Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { default: null, description: '数据元标识' }),
});

export const LinkSchema = StrictObject({
  kind: StringEnum(keys(LINK_KINDS), { description: 'service 交换服务 / file 文件 / api 接口' }),
  ref: Type.String({ minLength: 1, maxLength: 500 }),
  title: Type.Union([Type.String({ maxLength: 100 }), Type.Null()], { default: null }),
});

export const ResourceBody = StrictObject({
  classCode: Type.String({ pattern: '^\\d{1,9}$', description: '信息资源分类代码（项及以下）' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  abstract: Type.String({ minLength: 1, maxLength: 2000 }),
  formatType: FormatTypeSchema,
  formatDetail: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  items: Type.Array(DataItemSchema, { minItems: 1, maxItems: 500 }),
  shareType: ShareTypeSchema,
  shareCondition: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  shareBasis: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: '不予共享的法律依据' }))),
  shareMethods: Type.Array(StringEnum(keys(SHARE_METHODS)), { maxItems: 3 }),
  openType: OpenTypeSchema,
  openCondition: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  updateCycle: UpdateCycleSchema,
  relatedCodes: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 50 })),
  keywords: Type.Optional(Type.Array(Type.String({ maxLength: 30 }), { maxItems: 20 })),
  maintainer: Type.String({ minLength: 1, maxLength: 100, description: '元数据维护方（处室、联系人）' }),
  links: Type.Optional(Type.Array(LinkSchema, { maxItems: 20 })),
});

export const ResourceSchema = Type.Object(
  {
    id: Type.String(),
    code: Type.String({ description: '信息资源代码 分类码/顺序码' }),
    classCode: Type.String(),
    name: Type.String(),
    provider: Type.Object({ orgId: Type.String(), name: Type.String(), code: Type.String({ description: '提供方代码（统一社会信用代码）' }) }),
    regionCode: Type.String(),
    abstract: Type.String(),
    formatType: FormatTypeSchema,
    formatLabel: Type.String(),
    formatDetail: Nullable(Type.String()),
    items: Type.Array(
      Type.Object({
        name: Type.String(),
        field: Type.String(),
        type: Type.String(),
        length: Type.Union([Type.Integer(), Type.Null()]),
        element: Nullable(Type.String()),
      }),
    ),
    shareType: ShareTypeSchema,
    shareLabel: Type.String(),
    shareCondition: Nullable(Type.String()),
    shareBasis: Nullable(Type.String()),
    shareMethods: Type.Array(Type.String()),
    openType: OpenTypeSchema,
    openLabel: Type.String(),
    openCondition: Nullable(Type.String()),
    updateCycle: UpdateCycleSchema,
    updateCycleLabel: Type.String(),
    publishedOn: Nullable(Type.String()),
    relatedCodes: Type.Array(Type.String()),
    keywords: Type.Array(Type.String()),
    maintainer: Type.String(),
    links: Type.Array(Type.Object({ kind: Type.String(), ref: Type.String(), title: Nullable(Type.String()) })),
    status: ResourceStatusSchema,
    statusLabel: Type.String(),
    reviewNote: Nullable(Type.String()),
    baseRegistry: Type.Boolean({ description: '基础信息资源（强制无条件共享）' }),
    dataUpdatedAt: Nullable(Type.String()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    harvest: Type.Union(
      [
        Type.Object({
          sourceId: Type.String(),
          sourceUri: Type.String({ description: '来源目录中的原始地址（只读，在来源修改）/ the original: edit it there' }),
          sourceCode: Nullable(Type.String()),
          sourceModified: Nullable(Type.String()),
          harvestedAt: Type.String(),
        }),
        Type.Null(),
      ],
      { description: '汇聚来源（汇聚而来的资源只读）/ provenance of a harvested resource' },
    ),
  },
  { $id: 'CatalogResource', title: 'CatalogResource' },
);

export const SearchQuery = StrictObject({
  q: Type.Optional(Type.String({ maxLength: 100, description: '检索词（中文分词，同义词扩展）' })),
  classCode: Type.Optional(Type.String({ pattern: '^\\d{1,9}$' })),
  providerOrgId: Type.Optional(Type.String({ format: 'uuid' })),
  shareType: Type.Optional(ShareTypeSchema),
  openType: Type.Optional(OpenTypeSchema),
  formatType: Type.Optional(FormatTypeSchema),
  updateCycle: Type.Optional(UpdateCycleSchema),
  regionCode: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
  order: Type.Optional(StringEnum(['relevance', 'recency'] as const)),
  facets: Type.Boolean({ default: true }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
});

const FacetValues = Type.Array(Type.Object({ value: Type.String(), label: Type.String(), count: Type.Integer() }));

export const SearchReply = Type.Object({
  total: Type.Integer(),
  items: Type.Array(
    Type.Object({
      resource: Type.Ref('CatalogResource'),
      score: Type.Integer({ description: '相关度（字段权重之和）' }),
      highlights: Type.Object({ name: Type.String(), abstract: Type.String(), items: Type.Array(Type.String()) }, { description: 'HTML，命中词以 <em> 标出' }),
    }),
  ),
  facets: Type.Record(Type.String(), FacetValues),
  facetsApproximate: Type.Optional(
    Type.Boolean({ description: '分面计数为近似值：检索命中超过 facetSample 条时，只统计排序最前的 facetSample 条（total 仍为精确值）' }),
  ),
  facetSample: Type.Optional(Type.Integer({ description: '近似分面计数所统计的命中条数' })),
  terms: Type.Array(Type.Array(Type.String()), { description: '分词与同义词扩展后的检索词组' }),
});

export const ReviewBody = StrictObject({
  decision: StringEnum(['publish', 'return'] as const),
  reason: Type.Optional(Type.String({ maxLength: 2000, description: '退回理由（退回时必填）' })),
});

export const ReasonBody = StrictObject({ reason: Type.String({ minLength: 1, maxLength: 2000 }) });

export const ClassSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  parentCode: Nullable(Type.String()),
  level: Type.Integer(),
  levelName: Type.String(),
});
export const CreateClassBody = StrictObject({
  parentCode: Type.String({ pattern: '^\\d{1,9}$' }),
  name: Type.String({ minLength: 1, maxLength: 50 }),
  code: Type.Optional(Type.String({ pattern: '^\\d{3,9}$', description: '不填则自动编号' })),
});
export const RenameClassBody = StrictObject({ name: Type.String({ minLength: 1, maxLength: 50 }) });

export const TermSchema = Type.Object({
  id: Type.String(),
  preferred: Type.String(),
  synonyms: Type.Array(Type.String()),
  broaderId: Nullable(Type.String()),
  narrowerIds: Type.Array(Type.String()),
});
export const TermBody = StrictObject({
  preferred: Type.String({ minLength: 1, maxLength: 30, description: '正式主题词' }),
  synonyms: Type.Array(Type.String({ minLength: 1, maxLength: 30 }), { maxItems: 50, default: [] }),
  broaderId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
});

export const ApplyBody = StrictObject({
  consumerSubsystem: Type.String({ minLength: 1, maxLength: 300, description: '使用方子系统 INSTANCE/CLASS/MEMBER/SUBSYSTEM' }),
  purpose: Type.String({ minLength: 1, maxLength: 500, description: '用途' }),
  legalBasis: Type.String({ minLength: 1, maxLength: 2000, description: '依据' }),
  items: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 500, description: '申请的信息项（字段标识）' }),
  validFrom: Type.Optional(Type.String({ format: 'date-time' })),
  validUntil: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
});

export const DecideBody = StrictObject({
  decision: StringEnum(['approve', 'refuse'] as const),
  items: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500, description: '批准的信息项（可少于申请）' })),
  reason: Type.Optional(Type.String({ maxLength: 2000, description: '理由（拒绝时必填）' })),
});

export const ApplicationSchema = Type.Object(
  {
    id: Type.String(),
    resource: Type.Object({ id: Type.String(), code: Type.String(), name: Type.String(), shareType: Type.String() }),
    providerOrgId: Type.String(),
    consumerOrgId: Type.String(),
    consumerSubsystem: Type.String(),
    purpose: Type.String(),
    legalBasis: Type.String(),
    items: Type.Array(Type.String()),
    validFrom: Type.String(),
    validUntil: Nullable(Type.String()),
    status: ApplicationStatusSchema,
    statusLabel: Type.String(),
    dueAt: Nullable(Type.String({ description: '答复期限（10 个工作日）' })),
    overdue: Type.Boolean(),
    decidedAt: Nullable(Type.String()),
    reason: Nullable(Type.String()),
    approvedItems: Type.Union([Type.Array(Type.String()), Type.Null()]),
    accessRightIds: Type.Array(Type.String()),
    createdAt: Type.String(),
  },
  { $id: 'SharingApplication', title: 'SharingApplication' },
);

export const IdParams = StrictObject({ id: Type.String({ format: 'uuid' }) });
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};

export const QualityReply = Type.Object({
  summary: Type.Object({
    resources: Type.Integer(),
    averageCompleteness: Type.Integer({ description: '0–100' }),
    onSchedule: Type.Integer(),
    late: Type.Integer(),
    deadLinks: Type.Integer(),
    checkedLinks: Type.Integer(),
  }),
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      code: Type.String(),
      name: Type.String(),
      status: Type.String(),
      completeness: Type.Integer(),
      missing: Type.Array(Type.String()),
      lastDataUpdate: Nullable(Type.String()),
      updateDueBy: Nullable(Type.String()),
      onSchedule: Type.Union([Type.Boolean(), Type.Null()]),
      links: Type.Array(
        Type.Object({
          ref: Type.String(),
          ok: Type.Union([Type.Boolean(), Type.Null()]),
          status: Type.Union([Type.Integer(), Type.Null()]),
          error: Type.Optional(Type.String()),
        }),
      ),
    }),
  ),
});
