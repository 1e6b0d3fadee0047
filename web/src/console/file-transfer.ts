import { ApiError, apiHeaders, toApiError } from '../api/client';

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The content type the server expects for a spreadsheet file, from its name. */
export const spreadsheetType = (file: File) => (/\.xlsx$/i.test(file.name) ? XLSX_TYPE : CSV_TYPE);

/**
 * Sends a file as the raw request body (with the session's CSRF token) and returns the reply for
 * the caller to read — at once, or as a stream. A non-2xx reply becomes an ApiError carrying the
 * server's details; a network failure becomes ApiError NETWORK.
 */
export async function sendFile(
  path: string,
  file: Blob,
  type: string,
  query: Record<string, string | boolean | undefined> = {},
  accept?: string,
): Promise<Response> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...apiHeaders('POST'), 'Content-Type': type, ...(accept ? { Accept: accept } : {}) },
      credentials: 'same-origin',
      body: file,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', document.documentElement.lang === 'en' ? 'Cannot reach the server' : '无法连接服务器，请检查网络');
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** The server's error body as an ApiError, with `details` (e.g. the import's row errors) kept. */
async function errorOf(response: Response): Promise<ApiError & { details?: Record<string, unknown> }> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error: ApiError & { details?: Record<string, unknown> } = toApiError(response.status, body);
  error.details = (body as { error?: { details?: Record<string, unknown> } } | null)?.error?.details;
  return error;
}

/** Reads a streamed text reply line by line as it arrives; returns the whole text. */
export async function readLines(response: Response, onLines: (lines: string[]) => void): Promise<string> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  let all = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    all += value;
    const parts = (rest + value).split('\n');
    rest = parts.pop() ?? '';
    if (parts.length > 0) onLines(parts);
  }
  if (rest) onLines([rest]);
  return all;
}

/** Counts a CSV file's data rows (lines after the header, blank ones left out), reading it as a stream. */
export async function countCsvRows(file: Blob): Promise<number> {
  const reader = file.stream().getReader();
  let lines = 0;
  let lineHasText = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) {
      if (byte === 10) {
        if (lineHasText) lines++;
        lineHasText = false;
      } else if (byte !== 13 && byte !== 32) lineHasText = true;
    }
  }
  if (lineHasText) lines++;
  return Math.max(0, lines - 1);
}

/** Offers a blob to the user as a download named `name`. */
export function saveBlob(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
