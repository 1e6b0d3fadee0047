// The API's types, all derived from ./schema (generated from the server's OpenAPI document by
// web/scripts/gen-api-types.ts on every build and type-check), so a schema change on the server
// shows up here as a type error instead of a runtime surprise. Nothing in this file is written by hand
// except the names.
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The API paths that have operation `M`. */
export type PathWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined | never ? never : P }[keyof paths];
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;
type Responses<P extends keyof paths, M extends Method> = Op<P, M> extends { responses: infer R } ? R : never;

/** The JSON a successful call returns (200, or 201 when the route creates; undefined for 204). */
export type ReplyOf<P extends keyof paths, M extends Method> = 200 extends keyof Responses<P, M>
  ? Json<Responses<P, M>[200]>
  : 201 extends keyof Responses<P, M>
    ? Json<Responses<P, M>[201]>
    : undefined;
/** The JSON body an operation takes. */
export type BodyOf<P extends keyof paths, M extends Method> = Op<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;
/** The query string an operation takes (defaults optional). */
export type QueryOf<P extends keyof paths, M extends Method> = Op<P, M> extends { parameters: { query?: infer Q } } ? Partial<NonNullable<Q>> : never;
/** The path parameters (`{id}`) an operation takes. */
export type ParamsOf<P extends keyof paths, M extends Method> = Op<P, M> extends { parameters: { path?: infer Q } } ? NonNullable<Q> : never;

export type User = Schemas['User'];
export type Org = Schemas['Org'];
export type AuditRecord = Schemas['AuditRecord'];
export type ErrorBody = Schemas['ErrorBody'] & { error: { details?: { fields?: { field: string; reason: string }[]; field?: string } } };
export type Role = User['roles'][number];

export type LoginBody = BodyOf<'/api/v1/auth/login', 'post'>;
export type LoginReply = ReplyOf<'/api/v1/auth/login', 'post'>;
export type SessionInfo = ReplyOf<'/api/v1/auth/session', 'get'>;
export type MfaState = LoginReply['mfa'];
export type TotpEnrolment = ReplyOf<'/api/v1/auth/totp/enroll', 'post'>;
export type CitizenSignUpBody = BodyOf<'/api/v1/auth/citizens', 'post'>;
export type ValidationResult = ReplyOf<'/api/v1/standards/validate', 'get'>;
export type ValidationIssue = ValidationResult['errors'][number];
export type IdentifierType = NonNullable<QueryOf<'/api/v1/standards/validate', 'get'>['type']>;
export type DataAccessRecord = ReplyOf<'/api/v1/me/data-access', 'get'>['items'][number];
export type AuditStatus = ReplyOf<'/api/v1/audit/status', 'get'>;
export type AuditVerifyResult = ReplyOf<'/api/v1/audit/verify', 'post'>;
export type CalendarEntry = ReplyOf<'/api/v1/calendar/entries', 'get'>[number];

export interface Page<T> {
  items: T[];
  total: number;
}
