import { isWellFormedToken } from './token.ts';

/**
 * Over HTTPS the `__Host-` prefix makes the browser refuse the cookie unless it is Secure, has
 * Path=/ and no Domain, so a sibling subdomain cannot plant or shadow it. Browsers drop `__Host-`
 * cookies on plain http, hence the unprefixed name for local development.
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-mfiq_session' : 'mfiq_session';
}

/**
 * The session token from a Cookie request header, or null. Tolerant of what clients send (no space
 * after `;`, stray whitespace, empty pairs) and strict about the value: only something shaped like
 * our tokens counts, so a malformed cookie never reaches the database. With several cookies of that
 * name (one planted for a longer path, say), the first well-formed one wins, as browsers list the
 * most specific first.
 */
export function readCookieToken(cookieHeader: string | null | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (isWellFormedToken(value)) return value;
  }
  return null;
}
