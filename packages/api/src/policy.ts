import type { MemberTenant } from '@mfiq/db';
import type { SessionInfo, SessionUser } from '@mfiq/auth';
import type { Context } from './context.ts';
import { AppError } from './errors.ts';

export type PolicyVerdict = { kind: 'end_session'; reason: string } | { kind: 'two_factor' } | null;

/**
 * The organization's security policy, judged on every tenant request from what the entry statement
 * answered (no query): stricter session limits than the defaults end the session, and "require
 * two-factor" sends members without it to set it up first.
 */
export function judgeOrganizationPolicy(
  now: Date,
  session: Pick<SessionInfo, 'createdAt'>,
  idleMs: number,
  member: MemberTenant,
): PolicyVerdict {
  const idleLimit = member.sessionIdleMinutes !== null ? member.sessionIdleMinutes * 60_000 : null;
  const ageLimit = member.sessionAbsoluteHours !== null ? member.sessionAbsoluteHours * 3_600_000 : null;
  if (idleLimit !== null && idleMs > idleLimit) {
    return {
      kind: 'end_session',
      reason: `${member.name} signs you out after ${member.sessionIdleMinutes} minutes without activity.`,
    };
  }
  if (ageLimit !== null && now.getTime() - session.createdAt.getTime() > ageLimit) {
    return {
      kind: 'end_session',
      reason: `${member.name} asks you to sign in again every ${member.sessionAbsoluteHours} hours.`,
    };
  }
  if (member.requireTwoFactor && !member.userHasTwoFactor) return { kind: 'two_factor' };
  return null;
}

/**
 * What a refusal by policy does, run after the tenant transaction has ended (never while holding its
 * connection): the session ends (the next sign-in starts a fresh one) and that is a security event.
 */
export async function applyPolicyVerdict(
  ctx: Context,
  session: SessionInfo,
  user: SessionUser,
  member: MemberTenant,
  verdict: NonNullable<PolicyVerdict>,
): Promise<AppError> {
  if (verdict.kind === 'two_factor') {
    return new AppError(
      'TWO_FACTOR_REQUIRED',
      `${member.name} requires two-factor authentication. Set it up to continue.`,
    );
  }
  await ctx.auth.invalidateSession(session.id);
  ctx.resHeaders.append('Set-Cookie', ctx.auth.blankSessionCookie());
  await ctx.platform.securityEvent({ type: 'user', id: user.id, display: user.email }, ctx.request, {
    action: 'session.ended_by_policy',
    target: { type: 'organization', id: member.tenantId, display: member.slug },
    after: { reason: verdict.reason },
  });
  return new AppError('UNAUTHENTICATED', `Your session ended: ${verdict.reason} Sign in again.`);
}
