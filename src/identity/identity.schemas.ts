import { Type, type Static } from 'typebox';
import { ROLES } from '../core/actor.js';
import { StrictObject, StringEnum } from '../core/http/schema-helpers.js';

export const RoleSchema = StringEnum(ROLES, { description: '角色 / role' });

export const OrgSchema = Type.Object(
  {
    id: Type.String(),
    kind: StringEnum(['department', 'enterprise'] as const),
    name: Type.String(),
    uscc: Type.String({ description: '统一社会信用代码' }),
    regionCode: Type.String({ description: 'GB/T 2260 行政区划代码' }),
    regionName: Type.Union([Type.String(), Type.Null()]),
    parentId: Type.Union([Type.String(), Type.Null()]),
    status: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'Org', title: 'Org' },
);

export const CreateOrgBody = StrictObject({
  kind: StringEnum(['department', 'enterprise'] as const, { default: 'department' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  uscc: Type.String({ minLength: 18, maxLength: 18, description: '统一社会信用代码 (18 位)' }),
  regionCode: Type.String({ pattern: '^\\d{6}$', description: '行政区划代码 (6 位)' }),
  parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
});
export type CreateOrgBody = Static<typeof CreateOrgBody>;

export const UpdateOrgBody = StrictObject({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  regionCode: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
  parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])),
  status: Type.Optional(StringEnum(['active', 'inactive'] as const)),
});

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    kind: StringEnum(['staff', 'citizen', 'agent'] as const),
    username: Type.String(),
    displayName: Type.String(),
    idNumber: Type.Union([Type.String(), Type.Null()], { description: '公民身份号码（除本人外脱敏）' }),
    phone: Type.Union([Type.String(), Type.Null()]),
    orgId: Type.Union([Type.String(), Type.Null()]),
    roles: Type.Array(RoleSchema),
    status: Type.String(),
    locked: Type.Boolean(),
    lockedUntil: Type.Union([Type.String(), Type.Null()]),
    totpEnabled: Type.Boolean(),
    lastLoginAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
  },
  { $id: 'User', title: 'User' },
);

const Password = Type.String({ minLength: 1, maxLength: 128, description: '8–128 位，含大写、小写、数字、符号中至少三类' });
const Phone = Type.String({ pattern: '^1\\d{10}$', description: '手机号码 (11 位)' });

export const CreateStaffBody = StrictObject({
  username: Type.String({ minLength: 3, maxLength: 32 }),
  displayName: Type.String({ minLength: 1, maxLength: 50 }),
  orgId: Type.String({ format: 'uuid' }),
  password: Password,
  roles: Type.Array(RoleSchema, { maxItems: 6, default: ['dept-staff'] }),
  phone: Type.Optional(Phone),
});

export const UpdateUserBody = StrictObject({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  phone: Type.Optional(Type.Union([Phone, Type.Null()])),
  status: Type.Optional(StringEnum(['active', 'disabled'] as const)),
});

export const SetRolesBody = StrictObject({ roles: Type.Array(RoleSchema, { maxItems: 6 }) });

export const CitizenSignUpBody = StrictObject({
  idNumber: Type.String({ minLength: 15, maxLength: 18, description: '公民身份号码（18 位，或 15 位旧号）' }),
  name: Type.String({ minLength: 1, maxLength: 50 }),
  password: Password,
  phone: Type.Optional(Phone),
});

export const AgentSignUpBody = StrictObject({
  uscc: Type.String({ minLength: 18, maxLength: 18 }),
  username: Type.String({ minLength: 3, maxLength: 32 }),
  name: Type.String({ minLength: 1, maxLength: 50 }),
  idNumber: Type.String({ minLength: 15, maxLength: 18 }),
  password: Password,
  phone: Type.Optional(Phone),
});

export const LoginBody = StrictObject({
  username: Type.String({ minLength: 1, maxLength: 64, description: '账号；市民用公民身份号码' }),
  password: Type.String({ minLength: 1, maxLength: 128 }),
  uscc: Type.Optional(Type.String({ minLength: 18, maxLength: 18, description: '企业经办人：所代表企业的统一社会信用代码' })),
  totpCode: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
  mode: StringEnum(['cookie', 'bearer'] as const, { default: 'cookie', description: 'cookie (浏览器) 或 bearer (API 客户端)' }),
});

export const MfaState = StringEnum(['not-required', 'done', 'verify', 'enroll'] as const, { description: '第二因素状态' });

export const SessionInfo = Type.Object({
  authenticated: Type.Boolean(),
  mfa: Type.Optional(MfaState),
  user: Type.Optional(Type.Ref('User')),
  csrfToken: Type.Optional(Type.String()),
  allowedActions: Type.Array(Type.String()),
});

export const LoginReply = Type.Object({
  mfa: MfaState,
  user: Type.Ref('User'),
  csrfToken: Type.String(),
  expiresAt: Type.String(),
  token: Type.Optional(Type.String({ description: '仅 bearer 模式返回' })),
});

export const TotpCodeBody = StrictObject({ code: Type.String({ pattern: '^\\d{6}$', description: '6 位动态口令' }) });

export const ListQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
  q: Type.Optional(Type.String({ maxLength: 100 })),
};

export const IdParams = StrictObject({ id: Type.String({ format: 'uuid' }) });
