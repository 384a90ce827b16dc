import type { Context } from '../../context.ts';
import type { AuditAction } from '../../audit.ts';

/**
 * Starts a fresh session for the user: a previous session carried by the request is ended first
 * (no session fixation), the new token goes out as a cookie, and the sign-in is a security event.
 */
export async function startSession(ctx: Context, user: { id: string; email: string }, action: AuditAction): Promise<void> {
  if (ctx.session) await ctx.auth.invalidateSession(ctx.session.id);
  const { cookie } = await ctx.auth.createSession(user.id, { ip: ctx.request.ip, userAgent: ctx.request.userAgent });
  ctx.resHeaders.append('Set-Cookie', cookie);
  await ctx.platform.securityEvent({ type: 'user', id: user.id, display: user.email }, ctx.request, {
    action,
    target: { type: 'user', id: user.id, display: user.email },
  });
}
