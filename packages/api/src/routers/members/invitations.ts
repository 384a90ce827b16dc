import { generateOneTimeToken, oneTimeTokenHash } from '@mfiq/auth';
import { sql } from '@mfiq/db';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError, notFound } from '../../errors.ts';
import { enqueueMail, mails } from '../../mail.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { link } from '../auth/session-cookie.ts';
import { assertInvitationBudget } from './invitation-limits.ts';
import { assertMayManage } from './rules.ts';
import { invitationIdInput, inviteInput, roleSchema } from './schemas.ts';

const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;

/** The link token: the organization id (not secret, it routes the lookup) and 200 random bits. */
export function invitationToken(tenantId: string): string {
  return `${tenantId.replace(/-/g, '')}_${generateOneTimeToken()}`;
}

/**
 * Invites an email with a role: one pending invitation per address (a new one replaces the old),
 * the mail is queued in the same transaction. Admins invite admins, editors and viewers; owners
 * also owners. Rate limited per inviter and per organization (invitation-limits.ts).
 */
export const invite = tenantProcedure
  .meta(requirePermission('members:manage'))
  .input(inviteInput)
  .output(z.object({ invitationId: z.string(), expiresAt: z.date() }))
  .mutation(async ({ ctx, input }) => {
    assertMayManage(ctx.role, input.role === 'owner' ? 'owner' : 'viewer', input.role);
    const member = await ctx.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.userId')
      .select('m.id')
      .where('m.tenantId', '=', ctx.tenant.id)
      .where(sql<string>`lower(u.email)`, '=', input.email.toLowerCase())
      .executeTakeFirst();
    if (member)
      throw new AppError('CONFLICT', 'This person is already a member.', {
        fieldErrors: { email: ['Already a member of this organization.'] },
      });
    await assertInvitationBudget(ctx);
    const now = new Date();
    await ctx.db
      .updateTable('invitations')
      .set({ revokedAt: now })
      .where('tenantId', '=', ctx.tenant.id)
      .where(sql<string>`lower(email)`, '=', input.email.toLowerCase())
      .where('acceptedAt', 'is', null)
      .where('revokedAt', 'is', null)
      .execute();
    const token = invitationToken(ctx.tenant.id);
    const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
    const row = await ctx.db
      .insertInto('invitations')
      .values({
        tenantId: ctx.tenant.id,
        email: input.email,
        role: input.role,
        tokenHash: oneTimeTokenHash(token),
        invitedBy: ctx.user.id,
        expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueueMail(
      ctx.db,
      mails.invitation(input.email, {
        orgName: ctx.tenant.name,
        inviter: ctx.user.displayName,
        role: input.role,
        link: link(ctx, `/invite/${token}`),
        organizationId: ctx.tenant.id,
      }),
    );
    await audit(ctx, {
      action: 'member.invited',
      target: { type: 'invitation', id: row.id, display: input.email },
      after: { email: input.email, role: input.role, expiresAt },
    });
    return { invitationId: row.id, expiresAt };
  });

export const listInvitations = tenantProcedure
  .meta(requirePermission('members:manage'))
  .output(
    z.array(
      z.object({
        id: z.string(),
        email: z.string(),
        role: roleSchema,
        createdAt: z.date(),
        expiresAt: z.date(),
        expired: z.boolean(),
      }),
    ),
  )
  .query(async ({ ctx }) => {
    const rows = await ctx.db
      .selectFrom('invitations')
      .select(['id', 'email', 'role', 'createdAt', 'expiresAt'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('acceptedAt', 'is', null)
      .where('revokedAt', 'is', null)
      .orderBy('createdAt', 'desc')
      .limit(200)
      .execute();
    const now = Date.now();
    return rows.map((r) => ({ ...r, expired: r.expiresAt.getTime() <= now }));
  });

export const revokeInvitation = tenantProcedure
  .meta(requirePermission('members:manage'))
  .input(invitationIdInput)
  .output(z.object({ revoked: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const inv = await ctx.db
      .selectFrom('invitations')
      .select(['id', 'email', 'role'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.invitationId)
      .where('acceptedAt', 'is', null)
      .where('revokedAt', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!inv) throw notFound('Invitation not found');
    assertMayManage(ctx.role, inv.role);
    await ctx.db
      .updateTable('invitations')
      .set({ revokedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', inv.id)
      .execute();
    await audit(ctx, {
      action: 'invitation.revoked',
      target: { type: 'invitation', id: inv.id, display: inv.email },
      before: { role: inv.role },
    });
    return { revoked: true as const };
  });
