/**
 * Keeps only the granted fields of a JSON value. A path is dot-separated (`address.city`); arrays
 * are traversed, so `items.name` keeps `name` in every element of `items`; a top-level array is
 * filtered element by element. Fields not granted never leave the provider's node.
 *
 * @example filterFields({ name: '张三', idNumber: '…', address: { city: '福州', street: '…' } }, ['name', 'address.city'])
 *   // { name: '张三', address: { city: '福州' } }
 */
export function filterFields(value: unknown, paths: readonly string[]): unknown {
  const tree: Tree = new Map();
  for (const p of paths) {
    let node = tree;
    const parts = p.split('.');
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const existing = node.get(part);
      if (last) node.set(part, true);
      else if (existing !== true) {
        const next: Tree = existing ?? new Map();
        node.set(part, next);
        node = next;
      }
    });
  }
  return apply(value, tree);
}

type Tree = Map<string, Tree | true>;

function apply(value: unknown, tree: Tree): unknown {
  if (Array.isArray(value)) return value.map((v) => apply(v, tree));
  if (value === null || typeof value !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of tree) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (sub === true) out[key] = v;
    else {
      const filtered = apply(v, sub);
      if (filtered !== undefined) out[key] = filtered;
    }
  }
  return out;
}
