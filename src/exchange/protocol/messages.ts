import { createHash } from 'node:crypto';

/**
 * The envelope between nodes (`zt-exchange/1`), documented here because GB/T 21062's envelope is
 * not public. A request travels as the same HTTP method and path to the provider node, with the
 * X-Road headers and these:
 *
 * - `X-ZT-Sender` / `X-ZT-Recipient`: node ids; `X-ZT-Timestamp`: ISO instant;
 * - `X-ZT-Body-Hash`: hex hash of the body with the sender's suite;
 * - `X-ZT-Signature`: base64 signature of `canonicalRequest(...)` with the sender's signing key.
 *
 * The response carries `X-Road-Id`, `X-Road-Request-Hash` (base64 SHA-512 of SHA-512(canonical
 * request) ‖ SHA-512(body), as PR-REST), `X-ZT-Timestamp`, `X-ZT-Body-Hash`, `X-ZT-Signature` over
 * `canonicalResponse(...)`, and `X-Road-Error` on exchange failures. Canonical forms are JSON
 * arrays of strings, so no field can run into the next.
 */
export const H = {
  client: 'x-road-client',
  id: 'x-road-id',
  userId: 'x-road-userid',
  issue: 'x-road-issue',
  purpose: 'x-road-purpose',
  requestHash: 'x-road-request-hash',
  error: 'x-road-error',
  sender: 'x-zt-sender',
  recipient: 'x-zt-recipient',
  timestamp: 'x-zt-timestamp',
  bodyHash: 'x-zt-body-hash',
  signature: 'x-zt-signature',
} as const;

export interface RequestEnvelope {
  method: string;
  /** `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path][?query]`, normalised. */
  path: string;
  messageId: string;
  client: string;
  service: string;
  userId: string;
  issue: string;
  purpose: string;
  timestamp: string;
  sender: string;
  recipient: string;
  contentType: string;
  bodyHash: string;
}

export interface ResponseEnvelope {
  messageId: string;
  requestHash: string;
  status: number;
  contentType: string;
  error: string;
  timestamp: string;
  sender: string;
  recipient: string;
  bodyHash: string;
}

export function canonicalRequest(e: RequestEnvelope): Buffer {
  return Buffer.from(
    JSON.stringify([
      'zt-exchange-request/1',
      e.method,
      e.path,
      e.messageId,
      e.client,
      e.service,
      e.userId,
      e.issue,
      e.purpose,
      e.timestamp,
      e.sender,
      e.recipient,
      e.contentType,
      e.bodyHash,
    ]),
    'utf8',
  );
}

export function canonicalResponse(e: ResponseEnvelope): Buffer {
  return Buffer.from(
    JSON.stringify([
      'zt-exchange-response/1',
      e.messageId,
      e.requestHash,
      String(e.status),
      e.contentType,
      e.error,
      e.timestamp,
      e.sender,
      e.recipient,
      e.bodyHash,
    ]),
    'utf8',
  );
}

const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest();

/** `X-Road-Request-Hash`: base64(SHA-512(SHA-512(canonical request) ‖ SHA-512(body))). */
export function requestHash(canonical: Uint8Array, body: Uint8Array): string {
  return requestHashOf(canonical, sha512(body));
}

/** `X-Road-Request-Hash` from the body's SHA-512 (a body streamed through the node is hashed as it passes). */
export function requestHashOf(canonical: Uint8Array, bodySha512: Uint8Array): string {
  return sha512(Buffer.concat([sha512(canonical), bodySha512])).toString('base64');
}

/** A UUID or another short token of safe characters: what `X-Road-Id` may carry. */
export const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** The fields of a request envelope, in the order `canonicalRequest` signs them. */
export const REQUEST_ENVELOPE_FIELDS = [
  'method',
  'path',
  'messageId',
  'client',
  'service',
  'userId',
  'issue',
  'purpose',
  'timestamp',
  'sender',
  'recipient',
  'contentType',
  'bodyHash',
] as const satisfies readonly (keyof RequestEnvelope)[];

/**
 * A request envelope taken from untrusted JSON (another node's message): exactly the envelope's
 * fields, each a string. Says nothing about the signature; undefined when a field is missing or
 * is not a string.
 *
 * @example
 * const env = requestEnvelopeOf(JSON.parse(body).envelope);
 * if (!env || !verify(canonicalRequest(env), signature)) throw …;
 */
export function requestEnvelopeOf(raw: unknown): RequestEnvelope | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const given = raw as Record<string, unknown>;
  if (REQUEST_ENVELOPE_FIELDS.some((k) => typeof given[k] !== 'string')) return undefined;
  return Object.fromEntries(REQUEST_ENVELOPE_FIELDS.map((k) => [k, given[k]])) as unknown as RequestEnvelope;
}
