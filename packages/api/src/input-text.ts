/**
 * Text PostgreSQL cannot store, checked before any schema or handler sees an input: NUL (0x00), and
 * UTF-16 that is not well formed (a lone surrogate such as "\ud800"), which cannot be encoded as
 * UTF-8 and so fails in the database (an audit event's JSON, a text column) as a 500 otherwise.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const BAD_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isStorableText(s: string): boolean {
  return !BAD_TEXT.test(s);
}

/** The path ("points.3.metric") of the first string or key in `value` that is not storable text, or null. */
export function unstorableTextPath(value: unknown, path: readonly (string | number)[] = [], depth = 0): string | null {
  if (typeof value === 'string') return isStorableText(value) ? null : path.join('.') || 'input';
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableTextPath(value[i], [...path, i], depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  // Only plain objects: a stream or a Date is not text a caller typed.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return null;
  for (const [k, v] of Object.entries(value)) {
    if (!isStorableText(k)) return [...path, '(a field name)'].join('.');
    const found = unstorableTextPath(v, [...path, k], depth + 1);
    if (found !== null) return found;
  }
  return null;
}
