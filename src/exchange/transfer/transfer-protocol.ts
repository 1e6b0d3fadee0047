import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import type { CryptoSuite } from '../../core/crypto/index.js';
import type { RequestEnvelope } from '../protocol/messages.js';

/**
 * File transfer between nodes (`zt-transfer/1`), for payloads too large for one message.
 *
 * 1. The consumer node opens the transfer with a signed request envelope (`POST /t1/transfers`):
 *    the ordinary `canonicalRequest` of messages, with the transfer id as message id, the file's
 *    whole hash (the consumer's suite hash: SHA-256 or SM3) as body hash and its size and chunk
 *    size in the content type (`application/octet-stream; zt-size=…; zt-chunk=…`). The provider
 *    node checks the access right as for a message (method POST on the service path).
 * 2. Each chunk (`PUT /t1/transfers/{id}/chunks/{index}`) carries its hash (`X-ZT-Body-Hash`;
 *    `X-ZT-Chunk-Hash` from older nodes), timestamp and the sender's signature over
 *    `canonicalChunk(...)` in the headers of a message; the provider streams it to disk while
 *    hashing and records it only when hash and signature hold. Chunks may be sent again (a
 *    resumed transfer). All calls between the nodes go through the message transport
 *    (`createNodeCaller`: mutual TLS, the certificate the global configuration names).
 * 3. When the last chunk is in, the provider hashes the file on disk, compares with the signed
 *    whole hash, streams the file to the service's backend and answers with a signed response
 *    envelope (`canonicalResponse`), so both message logs hold evidence that verifies like a
 *    message's (`zhengtong verify-evidence`).
 * 4. `GET /t1/transfers/{id}` tells which chunks arrived: a transfer resumes from there.
 */
export const T = {
  /** Read from older consumer nodes; sent as `X-ZT-Body-Hash` now. */
  chunkHash: 'x-zt-chunk-hash',
  /** Read (and checked) from older consumer nodes; the chunk index fixes the offset. */
  offset: 'x-zt-offset',
} as const;

export const TRANSFER_CONTENT_TYPE = /^application\/octet-stream; zt-size=(\d{1,16}); zt-chunk=(\d{1,9})$/;

export function transferContentType(size: number, chunkSize: number): string {
  return `application/octet-stream; zt-size=${size}; zt-chunk=${chunkSize}`;
}

/** Size and chunk size from a signed opening envelope; undefined when malformed. */
export function transferShape(env: Pick<RequestEnvelope, 'contentType'>): { size: number; chunkSize: number; chunks: number } | undefined {
  const m = TRANSFER_CONTENT_TYPE.exec(env.contentType);
  if (!m) return undefined;
  const size = Number(m[1]);
  const chunkSize = Number(m[2]);
  if (!Number.isSafeInteger(size) || size < 1 || chunkSize < 1) return undefined;
  return { size, chunkSize, chunks: Math.ceil(size / chunkSize) };
}

/** Bytes of chunk `index` of a transfer. */
export function chunkLength(shape: { size: number; chunkSize: number }, index: number): number {
  return Math.min(shape.chunkSize, shape.size - index * shape.chunkSize);
}

export interface ChunkEnvelope {
  transferId: string;
  index: number;
  offset: number;
  length: number;
  hash: string;
  sender: string;
  recipient: string;
  timestamp: string;
}

/** What a chunk's signature covers (a JSON array, so no field runs into the next). */
export function canonicalChunk(c: ChunkEnvelope): Buffer {
  return Buffer.from(
    JSON.stringify(['zt-transfer-chunk/1', c.transferId, String(c.index), String(c.offset), String(c.length), c.hash, c.sender, c.recipient, c.timestamp]),
    'utf8',
  );
}

/**
 * An incremental hash with a suite's hash function, for data that is never whole in memory.
 * OpenSSL provides both SHA-256 and SM3 (Node's bundled OpenSSL 3 has SM3).
 */
export function streamHash(suite: Pick<CryptoSuite, 'hashName'>): Hash {
  return createHash(suite.hashName);
}

/** Hex hash of a file, read as a stream. */
export async function hashFile(suite: Pick<CryptoSuite, 'hashName'>, file: string): Promise<string> {
  const h = streamHash(suite);
  for await (const piece of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) h.update(piece as Buffer);
  return h.digest('hex');
}
