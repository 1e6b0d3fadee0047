import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { normaliseSubpath } from '../protocol/access-check.js';
import { parseServiceId } from '../protocol/identifiers.js';
import { H, MESSAGE_ID } from '../protocol/messages.js';
import { XRoadError, type XRoadErrorType } from '../protocol/xroad-errors.js';

/**
 * Reads a request or response body up to `max` bytes. A stream is read with its events rather
 * than as an async iterator: the iterator's promise per chunk and its end-of-stream bookkeeping
 * cost more CPU than a 1 KB message takes to read.
 *
 * @throws XRoadError of `tooLarge` beyond the limit (the stream is then abandoned); the stream's
 * own error, or ERR_STREAM_PREMATURE_CLOSE, when it breaks or closes before its end.
 */
export function readBody(stream: IncomingMessage | AsyncIterable<Uint8Array>, max: number, tooLarge: XRoadErrorType): Promise<Buffer> {
  if (!('on' in stream)) return readIterable(stream, max, tooLarge);
  // Already read to its end (nothing more will be emitted), or broken: what the async iterator answered.
  if (stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (stream.destroyed) return Promise.reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (settle: () => void) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      settle();
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > max) {
        done(() => reject(new XRoadError(tooLarge, `limit ${max} bytes`)));
        stream.resume(); // drained and dropped, so the connection is not left stalled
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(() => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)));
    const onError = (e: Error) => done(() => reject(e));
    const onClose = () => done(() => reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

async function readIterable(stream: AsyncIterable<Uint8Array>, max: number, tooLarge: XRoadErrorType): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > max) throw new XRoadError(tooLarge, `limit ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, total);
}

/** One header value as text ('' when absent; the first when repeated). */
export function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** Header values a caller may set (X-Road-UserId, -Issue, -Purpose): printable, at most 500 characters. */
export function checkFreeText(value: string, name: string): string {
  if (value.length > 500 || [...value].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f))
    throw new XRoadError('Client.InvalidRequest', `${name} must be at most 500 printable characters`);
  return value;
}

/** X-Road-Purpose is Chinese text: clients may send it percent-encoded (HTTP headers are Latin-1). */
export function decodeHeader(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** The service and normalised sub-path of a matched `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/path]` (groups 1–6). */
export function serviceOfRoute(m: RegExpExecArray): { service: string; subpath: string } {
  const service = m.slice(1, 6).join('/');
  const subpath = normaliseSubpath(m[6] ?? '');
  if (!parseServiceId(service) || subpath === undefined) throw new XRoadError('Client.InvalidRequest', 'malformed service identifier or path');
  return { service, subpath };
}

/** The calling subsystem a local system names: `X-Road-Client`, else GovStack's `X-GovStack-Client` (unchecked). */
export function clientOf(headers: IncomingHttpHeaders): string {
  return header(headers, H.client) || header(headers, 'x-govstack-client');
}

/**
 * The message headers of a local system's request, checked: `X-Road-Id` (`givenId` as sent,
 * `messageId` a new UUID when none was), `X-Road-UserId`, `X-Road-Issue` and `X-Road-Purpose`
 * (percent-decoded). Throws `Client.InvalidRequest` naming the header.
 */
export function messageHeaders(headers: IncomingHttpHeaders): { givenId: string; messageId: string; userId: string; issue: string; purpose: string } {
  const givenId = header(headers, H.id);
  const messageId = givenId || randomUUID();
  if (!MESSAGE_ID.test(messageId)) throw new XRoadError('Client.InvalidRequest', 'X-Road-Id must be 1–100 characters of A–Z a–z 0–9 . _ : -');
  return {
    givenId,
    messageId,
    userId: checkFreeText(header(headers, H.userId), 'X-Road-UserId'),
    issue: checkFreeText(header(headers, H.issue), 'X-Road-Issue'),
    purpose: checkFreeText(decodeHeader(header(headers, H.purpose)), 'X-Road-Purpose'),
  };
}
