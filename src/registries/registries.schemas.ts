/** Request and response schemas of the registry routes (they feed /openapi.json). */
import { Type } from 'typebox';
import { StrictObject, StringEnum } from '../core/http/schema-helpers.js';

export const RegistryParams = StrictObject({ registry: Type.String({ maxLength: 40, description: '基础信息库：population | legal-entities | land-parcels' }) });
export const RecordParams = StrictObject({ registry: Type.String({ maxLength: 40 }), key: Type.String({ minLength: 1, maxLength: 40 }) });

const Purpose = Type.String({ maxLength: 200, description: '查询目的（必填，记入个人数据访问记录） / purpose of the read (required)' });

/** Attribute values: strings, numbers, GeoJSON objects, or null to clear. */
const Value = Type.Union([Type.String({ maxLength: 4000 }), Type.Number(), Type.Record(Type.String(), Type.Unknown()), Type.Null()]);
const Values = Type.Record(Type.String({ maxLength: 60 }), Value);

export const RecordSchema = Type.Object(
  {
    registry: Type.String(),
    key: Type.String(),
    version: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
    asOf: Type.Union([Type.String(), Type.Null()]),
    attributes: Values,
    masked: Type.Array(Type.String(), { description: '按调用方权限脱敏的属性 / attributes masked for this caller' }),
  },
  { $id: 'RegistryRecord', title: 'RegistryRecord' },
);

export const CreateBody = StrictObject({
  key: Type.String({ minLength: 1, maxLength: 40 }),
  attributes: Values,
  reason: Type.String({ minLength: 2, maxLength: 500, description: '变更原因 / reason for the change' }),
});
export const UpdateBody = StrictObject({ attributes: Values, reason: Type.String({ minLength: 2, maxLength: 500 }) });

export const ReadQuery = StrictObject({
  purpose: Type.Optional(Purpose),
  asOf: Type.Optional(Type.String({ maxLength: 40, description: '某日（YYYY-MM-DD，北京时间日终）或某时刻的记录 / the record as of a date or instant' })),
});
export const SearchQuery = StrictObject({
  purpose: Type.Optional(Purpose),
  holder: Type.Optional(Type.String({ maxLength: 40, description: '权利人（身份号码或统一社会信用代码）' })),
  point: Type.Optional(Type.String({ pattern: '^-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?$', description: '经度,纬度 lon,lat' })),
  bbox: Type.Optional(Type.String({ pattern: '^-?\\d+(\\.\\d+)?(,-?\\d+(\\.\\d+)?){3}$', description: 'minLon,minLat,maxLon,maxLat' })),
  after: Type.Optional(Type.String({ maxLength: 40 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});
export const PurposeQuery = StrictObject({ purpose: Type.Optional(Purpose) });

export const HistoryEntrySchema = Type.Object({
  seq: Type.Integer(),
  occurredAt: Type.String(),
  actor: Type.Object({
    type: Type.String(),
    id: Type.Union([Type.String(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()]),
    orgId: Type.Union([Type.String(), Type.Null()]),
  }),
  sources: Type.Array(Type.String()),
  reason: Type.String(),
  changes: Type.Record(Type.String(), Type.Object({ previous: Type.Unknown(), value: Type.Unknown() })),
  leafHash: Type.String(),
});

export const VerifyBody = StrictObject({
  key: Type.String({ minLength: 1, maxLength: 40 }),
  claims: Type.Record(Type.String({ maxLength: 60 }), Type.Union([Type.String({ maxLength: 500 }), Type.Number()]), { minProperties: 1 }),
  purpose: Type.Optional(Purpose),
});
export const VerifyResponse = Type.Object({
  found: Type.Boolean(),
  results: Type.Record(Type.String(), StringEnum(['match', 'no-match'] as const)),
});

export const TreeHeadSchema = Type.Object({
  registry: Type.String(),
  treeSize: Type.Integer(),
  rootHash: Type.String(),
  signedAt: Type.String(),
  suite: Type.String(),
  keyFingerprint: Type.String(),
  signature: Type.String({ description: 'base64 签名，覆盖 "zhengtong/registry-tree-head/1\\n{registry}\\n{size}\\n{rootHash}\\n{signedAt}"' }),
});

export const DefinitionSchema = Type.Object({
  key: Type.String(),
  version: Type.String(),
  name: Type.Object({ zh: Type.String(), en: Type.String() }),
  keyAttribute: Type.String(),
  holderAttribute: Type.Union([Type.String(), Type.Null()], { description: '可按权利人查询的属性 / searchable by holder' }),
  geometryAttribute: Type.Union([Type.String(), Type.Null()], { description: '可按点、范围查询的图形属性 / searchable by point and bbox' }),
  records: Type.Integer(),
  logSize: Type.Integer(),
  attributes: Type.Array(
    Type.Object({
      name: Type.String(),
      label: Type.Object({ zh: Type.String(), en: Type.String() }),
      type: Type.String(),
      source: Type.String(),
      sourceOrg: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
      required: Type.Boolean(),
      personal: Type.Boolean(),
      sensitive: Type.Boolean(),
      codes: Type.Optional(Type.Record(Type.String(), Type.String())),
    }),
  ),
});

export const DiscrepancySchema = Type.Object({
  id: Type.String(),
  registry: Type.String(),
  recordKey: Type.String(),
  attribute: Type.String(),
  believedValue: Type.Unknown(),
  evidence: Type.String(),
  source: Type.String(),
  sourceOrgId: Type.String(),
  filedByOrg: Type.String(),
  filedAt: Type.String(),
  dueAt: Type.String(),
  overdue: Type.Boolean(),
  status: StringEnum(['open', 'corrected', 'confirmed'] as const),
  resolutionNote: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  resolvedSeq: Type.Union([Type.Integer(), Type.Null()]),
});

export const FileDiscrepancyBody = StrictObject({
  recordKey: Type.String({ minLength: 1, maxLength: 40 }),
  attribute: Type.String({ minLength: 1, maxLength: 60 }),
  believedValue: Value,
  evidence: Type.String({ minLength: 2, maxLength: 2000, description: '依据（文书编号、证明材料说明等）' }),
});
export const ResolveDiscrepancyBody = StrictObject({
  outcome: StringEnum(['corrected', 'confirmed'] as const, { description: 'corrected 已更正（写入新值）/ confirmed 经核实原值无误' }),
  note: Type.String({ minLength: 2, maxLength: 1000 }),
  correctedValue: Type.Optional(Value),
});
