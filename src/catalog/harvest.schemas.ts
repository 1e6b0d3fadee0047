import { Type } from 'typebox';
import { StrictObject, StringEnum } from '../core/http/schema-helpers.js';

const NullableInt = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description });
const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const HarvestSourceBody = StrictObject({
  name: Type.String({ maxLength: 200, description: '来源名称（如 某某市政务信息资源目录）' }),
  url: Type.String({
    maxLength: 2100,
    description: 'DCAT-AP 地址：另一个政通的 /api/v1/catalog/dcat.ttl（或 .jsonld，增量汇聚），或任何 Turtle / JSON-LD 的 DCAT-AP 文档',
  }),
  intervalMinutes: Type.Optional(NullableInt('定时汇聚间隔（分钟，5–10080）；null 只手动汇聚')),
  regionCode: Type.Optional(NullableString('来源所在行政区划（来源未给出时用）')),
  enabled: Type.Optional(Type.Boolean({ description: '是否参加定时汇聚' })),
});

export const HarvestSourcePatch = StrictObject({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  intervalMinutes: Type.Optional(NullableInt('定时汇聚间隔（分钟）；null 只手动汇聚')),
  regionCode: Type.Optional(NullableString('行政区划代码')),
  enabled: Type.Optional(Type.Boolean()),
});

export const HarvestRunBody = StrictObject({
  full: Type.Boolean({ default: false, description: '完整汇聚（不只取上次以来的修改）' }),
});

const RunStatus = StringEnum(['succeeded', 'failed'] as const);

export const HarvestRunSchema = Type.Object({
  id: Type.String(),
  sourceId: Type.String(),
  mode: StringEnum(['full', 'incremental'] as const, { description: 'full 完整 / incremental 增量' }),
  status: RunStatus,
  startedAt: Type.String(),
  finishedAt: Type.String(),
  pages: Type.Integer(),
  created: Type.Integer({ description: '新增' }),
  updated: Type.Integer({ description: '更新' }),
  unchanged: Type.Integer({ description: '未变' }),
  withdrawn: Type.Integer({ description: '来源已删除，本地下线' }),
  skipped: Type.Integer({ description: '无法读取而跳过' }),
  errors: Type.Array(Type.Object({ uri: Type.String(), reason: Type.String() })),
  message: Type.Union([Type.String(), Type.Null()]),
});

export const HarvestSourceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  kind: StringEnum(['zhengtong', 'dcat'] as const, { description: 'zhengtong 政通目录（分页、增量）/ dcat 其他 DCAT-AP 文档' }),
  regionCode: Type.Union([Type.String(), Type.Null()]),
  intervalMinutes: Type.Union([Type.Integer(), Type.Null()]),
  enabled: Type.Boolean(),
  highWater: Type.Union([Type.String(), Type.Null()], { description: '已汇聚到的来源修改时间' }),
  lastRunAt: Type.Union([Type.String(), Type.Null()]),
  lastStatus: Type.Union([RunStatus, Type.Null()]),
  lastMessage: Type.Union([Type.String(), Type.Null()]),
  resources: Type.Object({ published: Type.Integer(), offline: Type.Integer() }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const HarvestSourceDetail = Type.Intersect([HarvestSourceSchema, Type.Object({ runs: Type.Array(HarvestRunSchema) })]);
