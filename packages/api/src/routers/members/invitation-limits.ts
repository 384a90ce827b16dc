import { sql, type TenantDb } from '@mfiq/db';
import { AppError } from '../../errors.ts';
import { waitText } from '../../throttle.ts';

/**
 * How many invitations may be sent: each one mails an address the inviter chose, so an account
 * (or a stolen session) must not turn the product into a mail cannon. Counted from the
 * organization's own invitations rows, revoked and replaced ones included, so nothing resets them.
 */
export const INVITATION_LIMITS = {
  perInviter: { count: 20, windowMinutes: 60 },
  perOrganization: { count: 100, windowMinutes: 24 * 60 },
} as const;

interface Budget {
  count: number;
  windowMinutes: number;
}

/**
 * Refuses (429 with Retry-After) an invitation over either budget. Runs in the inviting tenant
 * transaction and takes a per-organization transaction lock first, so concurrent invitations are
 * counted one after another and cannot all slip under the limit together.
 */
export async function assertInvitationBudget(
  ctx: { db: TenantDb; tenant: { id: string }; user: { id: string }; resHeaders: Headers },
  limits: { perInviter: Budget; perOrganization: Budget } = INVITATION_LIMITS,
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`mfiq:invitations:${ctx.tenant.id}`}, 0))`.execute(ctx.db);
  const used = async (budget: Budget, inviter: string | null) => {
    let q = ctx.db
      .selectFrom('invitations')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        sql<number>`extract(epoch from min(created_at) + make_interval(mins => ${budget.windowMinutes}) - now())`.as(
          'freesInSeconds',
        ),
      ])
      .where('tenantId', '=', ctx.tenant.id)
      .where('createdAt', '>', sql<Date>`now() - make_interval(mins => ${budget.windowMinutes})`);
    if (inviter) q = q.where('invitedBy', '=', inviter);
    return q.executeTakeFirstOrThrow();
  };
  const checks = [
    { budget: limits.perInviter, inviter: ctx.user.id, who: 'You have' },
    { budget: limits.perOrganization, inviter: null, who: 'This organization has' },
  ];
  for (const { budget, inviter, who } of checks) {
    const { n, freesInSeconds } = await used(budget, inviter);
    if (n < budget.count) continue;
    const wait = Math.max(1, Math.ceil(Number(freesInSeconds)));
    ctx.resHeaders.set('Retry-After', String(wait));
    throw new AppError(
      'RATE_LIMITED',
      `${who} sent ${budget.count} invitations in the last ${windowText(budget.windowMinutes)}, the most allowed. Try again in ${waitText(wait)}.`,
      { retryAfterSeconds: wait },
    );
  }
}

const windowText = (minutes: number) => (minutes === 60 ? 'hour' : `${minutes / 60} hours`);
