import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { XRoadError, type XRoadErrorType } from '../protocol/xroad-errors.js';

/**
 * Reads a request or response body up to `max` bytes.
 *
 * @throws XRoadError of `tooLarge` beyond the limit (the stream is then abandoned).
 */
export async function readBody(stream: IncomingMessage | AsyncIterable<Uint8Array>, max: number, tooLarge: XRoadErrorType): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) {
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.resume?.();
      throw new XRoadError(tooLarge, `limit ${max} bytes`);
    }
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
