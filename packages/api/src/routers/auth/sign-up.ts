import { hashPassword, passwordPolicyError } from '@mfiq/auth';
import { AppError, isUniqueViolation } from '../../errors.ts';
import { audit } from '../../audit.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { signUpInput, userOutput } from './schemas.ts';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { startSession } from './session-cookie.ts';

export function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return base || 'org';
}

/** Sign-up creates the user, the organization and the owner membership in one transaction, then signs in. */
export const signUp = publicFormProcedure
  .input(signUpInput)
  .output(z.object({ user: userOutput, organization: z.object({ slug: z.string(), name: z.string() }) }))
  .mutation(async ({ ctx, input }) => {
    const policy = passwordPolicyError(input.password, { email: input.email });
    if (policy) throw new AppError('INVALID', policy, { fieldErrors: { password: [policy] } });
    if (await ctx.platform.findUserByEmail(input.email)) {
      throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.', {
        fieldErrors: { email: ['An account with this email already exists.'] },
      });
    }
    const slug = await chooseSlug(ctx.platform.slugTaken, input.organizationSlug, input.organizationName);
    const passwordHash = await hashPassword(input.password);
    const tenantId = randomUUID();
    const userId = randomUUID();
    try {
      await ctx.platform.inTenant(tenantId, userId, async (db) => {
        await db.insertInto('users').values({ id: userId, email: input.email, displayName: input.displayName, passwordHash }).execute();
        await db.insertInto('organizations').values({ tenantId, slug, name: input.organizationName }).execute();
        const membershipId = randomUUID();
        await db.insertInto('memberships').values({ tenantId, id: membershipId, userId, role: 'owner' }).execute();
        const auditCtx = { db, tenant: { id: tenantId }, actor: { type: 'user' as const, id: userId, display: input.email }, request: ctx.request };
        await audit(auditCtx, { action: 'organization.created', target: { type: 'organization', id: tenantId, display: input.organizationName }, after: { slug, name: input.organizationName } });
        await audit(auditCtx, { action: 'member.added', target: { type: 'membership', id: membershipId, display: input.email }, after: { userId, role: 'owner' } });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'organizations_slug_key')) {
        throw new AppError('CONFLICT', 'That organization address is taken.', { fieldErrors: { organizationSlug: ['This address is taken; choose another.'] } });
      }
      if (isUniqueViolation(error, 'users_email_key')) {
        throw new AppError('CONFLICT', 'An account with this email already exists. Sign in instead.', { fieldErrors: { email: ['An account with this email already exists.'] } });
      }
      throw error;
    }
    await startSession(ctx, { id: userId, email: input.email }, 'user.signed_up');
    return { user: { id: userId, email: input.email, displayName: input.displayName }, organization: { slug, name: input.organizationName } };
  });

async function chooseSlug(taken: (slug: string) => Promise<boolean>, requested: string | undefined, name: string): Promise<string> {
  if (requested) {
    if (await taken(requested)) {
      throw new AppError('CONFLICT', 'That organization address is taken.', { fieldErrors: { organizationSlug: ['This address is taken; choose another.'] } });
    }
    return requested;
  }
  const base = slugify(name);
  for (let n = 1; n <= 5; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await taken(candidate))) return candidate;
  }
  return `${base}-${randomUUID().slice(0, 6)}`;
}
