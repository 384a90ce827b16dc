/** Longer than any path of ours: a `next` this long is not a link someone followed to us. */
const MAX_LENGTH = 2048;
const BASE = 'http://same-origin.invalid';

/**
 * The one check of where to send someone after sign-in or re-authentication: a path on this site, or
 * `/`. The value is resolved the way a browser resolves a Location header, and what we return must
 * resolve to this origin again and start with exactly one slash, also once percent-decoded: the
 * fixed point that `//x`, `/\x`, `/.//x`, `/..//x`, `/%2f%2fx` and stripped tabs or newlines fail.
 */
export function safeNext(value: string | null | undefined): string {
  if (!value || value.length > MAX_LENGTH || !value.startsWith('/')) return '/';
  // Backslashes count as slashes to browsers; whitespace and control characters are stripped or
  // folded by URL parsers in ways that turn a path into a host.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (/[\u0000-\u001f\u007f\\]|\s/u.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!isSingleSlashPath(path)) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return '/';
  }
  if (!isSingleSlashPath(decoded.replace(/\\/g, '/'))) return '/';
  return new URL(path, BASE).origin === BASE ? path : '/';
}

const isSingleSlashPath = (path: string) => path.startsWith('/') && !path.startsWith('//');
