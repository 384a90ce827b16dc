import { hashPassword, passwordPolicyError } from '@mfiq/auth';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import type { Context } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { ROLES } from '../../permissions.ts';
import type { TenantDb } from '@mfiq/db';
import { authedProcedure, publicProcedure } from '../../trpc.ts';
import { tokenInput } from '../auth/schemas.ts';
import { signUpAndAcceptInput } from './schemas.ts';
import { startSession } from '../auth/session-cookie.ts';
import { assertPending, findInvitation, invalidInvitation, statusOf, tenantOfToken } from './token.ts';

const joinedOutput = z.object({ slug: z.string(), role: z.enum(ROLES) });

/** What the invitation page shows to whoever holds the link (the invited address's owner). */
export const get = publicProcedure
  .input(tokenInput)
  .output(
    z.object({
      organizationName: z.string(),
      email: z.string(),
      role: z.enum(ROLES),
      inviter: z.string().nullable(),
      status: z.enum(['pending', 'expired', 'used', 'revoked']),
      accountExists: z.boolean(),
    }),
  )
  .query(async ({ ctx, input }) => {
    const tenantId = tenantOfToken(input.token);
    if (!tenantId) throw invalidInvitation();
    const inv = await ctx.platform.inTenant(tenantId, null, (db) =>
      findInvitation(db, tenantId, input.token, { lock: false }),
    );
    if (!inv) throw invalidInvitation();
    const accountExists = Boolean(await ctx.platform.findUserByEmail(inv.email));
    return {
      organizationName: inv.organizationName,
      email: inv.email,
      role: inv.role,
      inviter: inv.inviter,
      status: statusOf(inv, ctx.auth.now()),
      accountExists,
    };
  });

/** Joins the organization in the invitation's tenant transaction and marks the invitation used. */
async function join(
  ctx: Context,
  db: TenantDb,
  tenantId: string,
  token: string,
  user: { id: string; email: string },
  beforeJoin?: () => Promise<void>,
) {
  const inv = await findInvitation(db, tenantId, token, { lock: true });
  if (!inv) throw invalidInvitation();
  assertPending(statusOf(inv, ctx.auth.now()));
  if (inv.email.toLowerCase() !== user.email.toLowerCase()) {
    throw new AppError(
      'FORBIDDEN',
      `This invitation was sent to another email address. Sign in as ${inv.email} to accept it.`,
    );
  }
  await beforeJoin?.();
  const membership = await db
    .insertInto('memberships')
    .values({ tenantId, userId: user.id, role: inv.role })
    .onConflict((oc) => oc.columns(['tenantId', 'userId']).doNothing())
    .returning('id')
    .executeTakeFirst();
  await db
    .updateTable('invitations')
    .set({ acceptedAt: new Date(), acceptedBy: user.id })
    .where('tenantId', '=', tenantId)
    .where('id', '=', inv.id)
    .execute();
  const auditCtx = {
    db,
    tenant: { id: tenantId },
    actor: { type: 'user' as const, id: user.id, display: user.email },
    request: ctx.request,
  };
  await audit(auditCtx, {
    action: 'invitation.accepted',
    target: { type: 'invitation', id: inv.id, display: inv.email },
    after: { role: inv.role },
  });
  if (membership)
    await audit(auditCtx, {
      action: 'member.added',
      target: { type: 'membership', id: membership.id, display: user.email },
      after: { userId: user.id, role: inv.role },
    });
  return { slug: inv.slug, role: inv.role };
}

/** A signed-in user accepts an invitation sent to their own email address. */
export const accept = authedProcedure
  .input(tokenInput)
  .output(joinedOutput)
  .mutation(async ({ ctx, input }) => {
    const tenantId = tenantOfToken(input.token);
    if (!tenantId) throw invalidInvitation();
    return ctx.platform.inTenant(tenantId, ctx.user.id, (db) => join(ctx, db, tenantId, input.token, ctx.user));
  });

/**
 * An invitee without an account creates one from the invitation (the link proves the address),
 * joins and is signed in, all in one step.
 */
export const signUpAndAccept = publicProcedure
  .input(signUpAndAcceptInput)
  .output(joinedOutput)
  .mutation(async ({ ctx, input }) => {
    const tenantId = tenantOfToken(input.token);
    if (!tenantId) throw invalidInvitation();
    const peek = await ctx.platform.inTenant(tenantId, null, (db) =>
      findInvitation(db, tenantId, input.token, { lock: false }),
    );
    if (!peek) throw invalidInvitation();
    assertPending(statusOf(peek, ctx.auth.now()));
    if (await ctx.platform.findUserByEmail(peek.email))
      throw new AppError(
        'CONFLICT',
        `There is already an account for ${peek.email}. Sign in to accept the invitation.`,
      );
    const policy = passwordPolicyError(input.password, { email: peek.email });
    if (policy) throw new AppError('INVALID', policy, { fieldErrors: { password: [policy] } });
    const passwordHash = await hashPassword(input.password);
    const user = { id: randomUUID(), email: peek.email };
    const joined = await ctx.platform.inTenant(tenantId, user.id, (db) =>
      join(ctx, db, tenantId, input.token, user, async () => {
        await db
          .insertInto('users')
          .values({ id: user.id, email: user.email, displayName: input.displayName, passwordHash })
          .execute();
      }),
    );
    await startSession(ctx, user, 'user.signed_up');
    return joined;
  });
