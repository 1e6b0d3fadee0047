import type { FormInstance } from 'antd';
import { ApiError } from '../../api/client';

/** `items.2.field` → `['items', 2, 'field']`, the name path of a field inside a Form.List. */
export const namePath = (field: string): Array<string | number> => field.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/**
 * Puts the server's field errors on the form's fields, nested ones too (`items.2.field` on the
 * third data item's field), mapping a path with `alias` first when given (`items.1` → `items`).
 * Returns the message to show above the form for what no field took, or undefined.
 */
export function showServerErrors(
  form: FormInstance,
  error: unknown,
  topLevel: readonly string[],
  alias: (field: string) => string = (f) => f,
): string | undefined {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const byField = new Map<string, string[]>();
  const rest: string[] = [];
  for (const f of error.fields) {
    const name = alias(f.field);
    if (topLevel.includes(name.split('.')[0]!)) byField.set(name, [...(byField.get(name) ?? []), f.reason]);
    else rest.push(f.reason);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name: namePath(name), errors })));
  if (byField.size > 0 && rest.length === 0) return undefined;
  return rest.length ? `${error.message}：${rest.join('；')}` : error.message;
}
