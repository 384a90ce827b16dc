import { sessionIdOf, type Context } from '../../context.ts';
import { networkHash } from '../../ip-network.ts';
import type { AuditAction } from '../../audit-actions.ts';
import { mails } from '../../mail.ts';

/**
 * Starts a fresh session for the user: a previous session carried by the request is ended first
 * (no session fixation), the new token goes out as a cookie, and the sign-in is a security event.
 * A sign-in from a device (user agent) none of the user's live sessions has gets a notice mail.
 * The network becomes a known source of the account (spared by the account-wide throttle).
 */
export async function startSession(
  ctx: Context,
  user: { id: string; email: string },
  action: AuditAction,
  extra?: Record<string, unknown>,
): Promise<void> {
  // Independent writes go out together: sign-in latency is round trips, and argon2 threads idle meanwhile.
  const [, known] = await Promise.all([
    sessionIdOf(ctx) ? ctx.auth.invalidateSession(sessionIdOf(ctx)!) : null,
    action === 'user.signed_in' ? ctx.platform.knownUserAgents(user.id, ctx.auth.now()) : null,
  ]);
  const [{ cookie }] = await Promise.all([
    ctx.auth.createSession(user.id, { ip: ctx.request.ip, userAgent: ctx.request.userAgent }),
    // This network is now one the account-wide sign-in throttle spares (throttle.ts).
    ctx.platform.rememberSignInSource(user.id, networkHash(ctx.request.ip)),
    ctx.platform.securityEvent({ type: 'user', id: user.id, display: user.email }, ctx.request, {
      action,
      target: { type: 'user', id: user.id, display: user.email },
      ...(extra ? { after: extra } : {}),
    }),
  ]);
  ctx.resHeaders.append('Set-Cookie', cookie);
  if (known && !known.has(ctx.request.userAgent ?? '')) {
    await ctx.platform.sendMail(
      mails.newSignIn(user.email, { ip: ctx.request.ip, userAgent: ctx.request.userAgent, at: ctx.auth.now() }),
    );
  }
}

/** An absolute link into the web app, from the configured public URL. */
export function link(ctx: Context, path: string): string {
  return `${ctx.publicUrl().replace(/\/+$/, '')}${path}`;
}
