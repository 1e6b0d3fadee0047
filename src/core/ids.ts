import { randomBytes, randomUUID } from 'node:crypto';

/** A new opaque identifier (UUID v4 from the CSPRNG). Never derived from `Math.random()`. */
export function newId(): string {
  return randomUUID();
}

/** `bytes` random bytes as base64url: session tokens, CSRF tokens, API key secrets. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
