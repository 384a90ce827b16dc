import type { MemberTenant } from '@mfiq/db';
import type { SessionInfo, SessionUser } from '@mfiq/auth';
import type { Context } from './context.ts';
import { AppError } from './errors.ts';

/**
 * The organization's security policy, checked on every tenant request once the membership is
 * known: stricter session limits than the defaults end the session here (the next sign-in starts a
 * fresh one), and "require two-factor" sends members without it to set it up first.
 */
export async function enforceOrganizationPolicy(
  ctx: Context & { session: SessionInfo; user: SessionUser },
  member: MemberTenant,
): Promise<AppError | null> {
  const now = ctx.auth.now().getTime();
  const idleLimit = member.sessionIdleMinutes !== null ? member.sessionIdleMinutes * 60_000 : null;
  const ageLimit = member.sessionAbsoluteHours !== null ? member.sessionAbsoluteHours * 3_600_000 : null;
  const reason =
    idleLimit !== null && ctx.sessionIdleMs > idleLimit
      ? `${member.name} signs you out after ${member.sessionIdleMinutes} minutes without activity.`
      : ageLimit !== null && now - ctx.session.createdAt.getTime() > ageLimit
        ? `${member.name} asks you to sign in again every ${member.sessionAbsoluteHours} hours.`
        : null;
  if (reason) {
    await ctx.auth.invalidateSession(ctx.session.id);
    ctx.resHeaders.append('Set-Cookie', ctx.auth.blankSessionCookie());
    await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
      action: 'session.ended_by_policy',
      target: { type: 'organization', id: member.tenantId, display: member.slug },
      after: { reason },
    });
    return new AppError('UNAUTHENTICATED', `Your session ended: ${reason} Sign in again.`);
  }
  if (member.requireTwoFactor && !member.userHasTwoFactor) {
    return new AppError(
      'TWO_FACTOR_REQUIRED',
      `${member.name} requires two-factor authentication. Set it up to continue.`,
    );
  }
  return null;
}
