import { hashPassword, oneTimeTokenHash, passwordPolicyError } from '@mfiq/auth';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError, isUniqueViolation } from '../../errors.ts';
import { publicProcedure } from '../../trpc.ts';
import { completeSignUpInput, tokenInput, userOutput } from './schemas.ts';
import { startSession } from './session-cookie.ts';
import { chooseSlug } from './sign-up.ts';

const expiredLink = () =>
  new AppError('NOT_FOUND', 'This confirmation link is not valid any more. Sign up again to get a new one.');

/** What the confirmation page shows to whoever opened the link: the address and the names asked for. */
export const signUpRequest = publicProcedure
  .input(tokenInput)
  .output(z.object({ email: z.string(), displayName: z.string(), organizationName: z.string() }))
  .query(async ({ ctx, input }) => {
    const request = await ctx.platform.findSignupRequest(oneTimeTokenHash(input.token), ctx.auth.now());
    if (!request) throw expiredLink();
    return { email: request.email, displayName: request.displayName, organizationName: request.organizationName };
  });

/**
 * The confirmation link from the sign-up mail: proves the address, takes the password chosen now
 * by whoever holds the mailbox (never one given at sign-up: account pre-hijacking), then creates
 * the user, the organization and the owner membership in one transaction and signs in. The link
 * works once; a refused password leaves it usable.
 */
export const completeSignUp = publicProcedure
  .input(completeSignUpInput)
  .output(z.object({ user: userOutput, organization: z.object({ slug: z.string(), name: z.string() }) }))
  .mutation(async ({ ctx, input }) => {
    const id = oneTimeTokenHash(input.token);
    const pending = await ctx.platform.findSignupRequest(id, ctx.auth.now());
    if (!pending) throw expiredLink();
    const policy = passwordPolicyError(input.password, { email: pending.email });
    if (policy) throw new AppError('INVALID', policy, { fieldErrors: { password: [policy] } });
    const passwordHash = await hashPassword(input.password);
    const spent = await ctx.platform.spendSignupRequest(id, ctx.auth.now());
    if (!spent) throw expiredLink();
    const request = { ...spent, displayName: input.displayName, organizationName: input.organizationName };
    if (await ctx.platform.findUserByEmail(request.email)) {
      throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.');
    }
    const slug = await chooseSlug(ctx.platform.slugTaken, request.organizationSlug, request.organizationName);
    const tenantId = randomUUID();
    const userId = randomUUID();
    try {
      await ctx.platform.createTenant(tenantId, userId, async (db) => {
        await db
          .insertInto('users')
          .values({
            id: userId,
            email: request.email,
            displayName: request.displayName,
            passwordHash,
          })
          .execute();
        await db.insertInto('organizations').values({ tenantId, slug, name: request.organizationName }).execute();
        const membershipId = randomUUID();
        await db.insertInto('memberships').values({ tenantId, id: membershipId, userId, role: 'owner' }).execute();
        const auditCtx = {
          db,
          tenant: { id: tenantId },
          actor: { type: 'user' as const, id: userId, display: request.email },
          request: ctx.request,
        };
        await audit(auditCtx, {
          action: 'organization.created',
          target: { type: 'organization', id: tenantId, display: request.organizationName },
          after: { slug, name: request.organizationName },
        });
        await audit(auditCtx, {
          action: 'member.added',
          target: { type: 'membership', id: membershipId, display: request.email },
          after: { userId, role: 'owner' },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'organizations_slug_key')) {
        throw new AppError('CONFLICT', 'That organization address was taken meanwhile. Sign up again with another.');
      }
      if (isUniqueViolation(error, 'users_email_key'))
        throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.');
      throw error;
    }
    await startSession(ctx, { id: userId, email: request.email }, 'user.signed_up');
    return {
      user: { id: userId, email: request.email, displayName: request.displayName },
      organization: { slug, name: request.organizationName },
    };
  });
