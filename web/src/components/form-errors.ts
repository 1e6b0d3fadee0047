import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';

/**
 * Puts the server's field errors on the matching form fields and returns the message for the
 * fields the form does not have (or for errors without fields), to show above the form.
 */
export function applyServerErrors(form: FormInstance, error: unknown, fieldNames: readonly string[]): string | undefined {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const known = error.fields.filter((f) => fieldNames.includes(f.field));
  form.setFields(known.map((f) => ({ name: f.field, errors: [f.reason] })));
  const rest = error.fields.filter((f) => !fieldNames.includes(f.field));
  if (known.length > 0 && rest.length === 0) return undefined;
  return error.message;
}

/** A same-site path to return to after sign-in (`?next=`), never another origin. */
export function safeNext(next: string | null, fallback: string): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}
