/**
 * Routes whose next path segment is a credential: whoever holds the link holds the account, the
 * invitation or the form. The one list that logs, traces and anything else recording URLs redact
 * through (redactUrl, redactPath); a new link-is-the-secret route adds its prefix here.
 */
const TOKEN_PATHS = ['/reset-password/', '/signup/confirm/', '/invite/', '/f/', '/d/'] as const;

/** Query parameters whose value is a secret, or (tRPC's `input`) may carry one. */
const SECRET_PARAM = /token|code|secret|key|password|signature|sig|^input$/i;

const escaped = (segment: string) => segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
/** `/invite/<t>` and its spellings that reach the same route: any case, repeated slashes, anywhere in a value. */
const TOKEN_SEGMENT = new RegExp(
  `(^|/)(${TOKEN_PATHS.map((p) => p.slice(1, -1).split('/').map(escaped).join('/+')).join('|')})(/+)[^/?#&\\s]+`,
  'gi',
);
/**
 * A second net for token routes nobody listed yet: 32+ URL-safe characters that mix upper case,
 * lower case and digits (base64url), or letters and digits with no separator (base32, hex), are a
 * random token; slugs and metric keys have separators, UUIDs have dashes.
 */
const OPAQUE_TOKEN = /[A-Za-z0-9_-]{32,}/g;
const looksRandom = (s: string) =>
  /\d/.test(s) && ((/[A-Z]/.test(s) && /[a-z]/.test(s)) || (!/[-_]/.test(s) && /[a-z]/i.test(s)));

const REDACTED = '[redacted]';

/** A path (or any text holding paths) with every credential segment replaced. */
export function redactPath(path: string): string {
  return path.replace(TOKEN_SEGMENT, `$1$2$3${REDACTED}`).replace(OPAQUE_TOKEN, (s) => (looksRandom(s) ? REDACTED : s));
}

function decode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return redactPath(pair);
      const name = pair.slice(0, eq);
      if (SECRET_PARAM.test(decode(name) ?? name)) return `${name}=${REDACTED}`;
      // A value may itself be a link (`next=/invite/<t>`): judged decoded, kept as sent when clean.
      const raw = pair.slice(eq + 1);
      const value = decode(raw) ?? raw;
      const clean = redactPath(value);
      return clean === value
        ? pair
        : `${name}=${encodeURIComponent(clean).replaceAll(encodeURIComponent(REDACTED), REDACTED)}`;
    })
    .join('&');
}

/**
 * A URL fit for logs and traces: absolute (a Referer) or a request target, with credential path
 * segments, secret-named query values, tRPC `input` and links inside query values redacted.
 */
export function redactUrl(url: string): string {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url)?.[0] ?? '';
  const rest = url.slice(origin.length);
  const hash = rest.indexOf('#');
  const beforeHash = hash < 0 ? rest : rest.slice(0, hash);
  const q = beforeHash.indexOf('?');
  const path = q < 0 ? beforeHash : beforeHash.slice(0, q);
  const query = q < 0 ? null : beforeHash.slice(q + 1);
  return `${origin}${redactPath(path)}${query === null ? '' : `?${redactQuery(query)}`}${hash < 0 ? '' : '#[fragment]'}`;
}
