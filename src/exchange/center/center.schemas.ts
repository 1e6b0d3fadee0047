import { Type } from 'typebox';
import { StrictObject, StringEnum } from '../../core/http/schema-helpers.js';

const IdPart = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: '字母、数字、.、_、- / letters, digits, . _ -' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const MemberSchema = Type.Object(
  { id: Type.String(), memberClass: Type.String(), memberCode: Type.String(), name: Type.String(), createdAt: Type.String() },
  { $id: 'ExchangeMember', title: 'ExchangeMember' },
);

export const CreateMemberBody = StrictObject({
  memberClass: IdPart,
  memberCode: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: '成员代码，政府部门为统一社会信用代码 / the USCC for departments' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
});

export const RegistrationSchema = Type.Object(
  {
    id: Type.String(),
    memberId: Type.String(),
    subsystems: Type.Array(Type.String()),
    address: Type.String(),
    signSuite: Type.String(),
    status: StringEnum(['pending', 'approved', 'rejected', 'revoked'] as const),
    certificatePem: Nullable(Type.String()),
    certFingerprint: Nullable(Type.String()),
    certNotAfter: Nullable(Type.String()),
    createdAt: Type.String(),
    decidedAt: Nullable(Type.String()),
  },
  { $id: 'ExchangeNodeRegistration', title: 'ExchangeNodeRegistration' },
);

export const SubmitRegistrationBody = StrictObject({
  memberId: Type.String({ maxLength: 200, description: 'INSTANCE/CLASS/CODE' }),
  subsystems: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 }),
  address: Type.String({ maxLength: 300, description: 'https://host:port the other nodes reach this node at' }),
  tlsPublicKey: Type.String({ maxLength: 2000, description: 'ECDSA P-256 public key, SPKI PEM' }),
  signSuite: StringEnum(['ed25519', 'sm2'] as const),
  signPublicKey: Type.String({ maxLength: 400 }),
});

export const ServiceSchema = Type.Object(
  {
    id: Type.String(),
    subsystemId: Type.String(),
    code: Type.String(),
    title: Type.String(),
    openapi: Type.Unknown(),
    catalogResourceId: Nullable(Type.String()),
    createdAt: Type.String(),
  },
  { $id: 'ExchangeService', title: 'ExchangeService' },
);

export const CreateServiceBody = StrictObject({
  subsystemId: Type.String({ maxLength: 300 }),
  code: IdPart,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  openapi: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3 description of the service' })),
  catalogResourceId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
});

const Endpoint = StrictObject({ method: Type.String({ maxLength: 10 }), path: Type.String({ minLength: 1, maxLength: 300 }) });

export const AccessRightSchema = Type.Object(
  {
    id: Type.String(),
    consumer: Type.String(),
    service: Type.String(),
    endpoints: Type.Array(Type.Object({ method: Type.String(), path: Type.String() })),
    fields: Nullable(Type.Array(Type.String())),
    purpose: Type.String(),
    validFrom: Type.String(),
    validUntil: Nullable(Type.String()),
    source: Type.String(),
    createdAt: Type.String(),
    revokedAt: Nullable(Type.String()),
    revokeReason: Nullable(Type.String()),
  },
  { $id: 'ExchangeAccessRight', title: 'ExchangeAccessRight' },
);

export const GrantBody = StrictObject({
  consumer: Type.String({ maxLength: 300 }),
  service: Type.String({ maxLength: 300 }),
  endpoints: Type.Array(Endpoint, { maxItems: 100, default: [] }),
  fields: Nullable(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 500 })),
  purpose: Type.String({ minLength: 1, maxLength: 500 }),
  validFrom: Type.String({ format: 'date-time' }),
  validUntil: Nullable(Type.String({ format: 'date-time' })),
});

export const SignedGlobalConfSchema = Type.Object({
  conf: Type.String({ description: 'the configuration (JSON text, format zhengtong-globalconf/1)' }),
  suite: StringEnum(['ed25519', 'sm2'] as const),
  keyFingerprint: Type.String(),
  signature: Type.String({ description: 'base64 signature over the UTF-8 bytes of conf' }),
});

export const CenterInfoSchema = Type.Object({
  instance: Type.String(),
  suite: StringEnum(['ed25519', 'sm2'] as const),
  publicKey: Type.String(),
  fingerprint: Type.String(),
  trustRootPem: Type.String(),
});
