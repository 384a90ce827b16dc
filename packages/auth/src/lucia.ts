import { Lucia, TimeSpan, type Adapter } from 'lucia';

/**
 * The lucia instance behind createAuth(). We use it for the Set-Cookie model (attributes, Max-Age,
 * the blank cookie) and, through the adapter, for storage. We do not call its createSession() or
 * validateSession(): they read the wall clock (so tests cannot move time), slide by half the
 * lifetime instead of by activity, and have no absolute lifetime. See docs/decisions/0106-sessions.md.
 */
export function createLucia(
  adapter: Adapter,
  opts: { cookieName: string; secure: boolean; absoluteLifetimeMs: number },
): Lucia {
  return new Lucia(adapter, {
    // lucia derives the cookie's Max-Age from this: the cookie lives exactly as long as the
    // session may at most.
    sessionExpiresIn: new TimeSpan(Math.floor(opts.absoluteLifetimeMs / 1000), 's'),
    sessionCookie: {
      name: opts.cookieName,
      expires: true,
      // No domain: a host-only cookie, as the __Host- prefix requires.
      attributes: { secure: opts.secure, sameSite: 'lax', path: '/' },
    },
  });
}
