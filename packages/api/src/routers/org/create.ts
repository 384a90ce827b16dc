import { randomUUID } from 'node:crypto';
import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError, isUniqueViolation } from '../../errors.ts';
import { authedProcedure } from '../../trpc.ts';
import { chooseSlug } from '../auth/sign-up.ts';
import { z } from 'zod';
import { createOrganizationInput } from './schemas.ts';

/** How many organizations one person may own: enough for any real use, a bound on abuse. */
export const MAX_OWNED_ORGANIZATIONS = 20;

/**
 * A signed-in user creates another organization and becomes its owner (from the switcher). An
 * authed procedure, not a tenant one: the organization does not exist yet. The tenant comes from
 * a fresh id, never from the input; the limit holds under concurrent requests because creations
 * by one person take the same transaction-scoped lock before counting.
 */
export const create = authedProcedure
  .input(createOrganizationInput)
  .output(z.object({ slug: z.string(), name: z.string() }))
  .mutation(async ({ ctx, input }) => {
    if (input.slug && (await ctx.platform.slugTaken(input.slug))) {
      throw new AppError('CONFLICT', 'That organization address is taken.', {
        fieldErrors: { slug: ['This address is taken; choose another.'] },
      });
    }
    const slug = await chooseSlug(ctx.platform.slugTaken, input.slug, input.name);
    const tenantId = randomUUID();
    const membershipId = randomUUID();
    try {
      await ctx.platform.createTenant(tenantId, ctx.user.id, async (db) => {
        await sql`select pg_advisory_xact_lock(hashtextextended(${`organization.create:${ctx.user.id}`}, 0))`.execute(
          db,
        );
        const { rows } = await sql<{ owned: number }>`
          select count(*)::int as owned from app_user_organizations(${ctx.user.id}) where role = 'owner'`.execute(db);
        if ((rows[0]?.owned ?? 0) >= MAX_OWNED_ORGANIZATIONS) {
          throw new AppError(
            'CONFLICT',
            `You already own ${MAX_OWNED_ORGANIZATIONS} organizations, the most one person can. Delete one or hand one over first.`,
          );
        }
        await db.insertInto('organizations').values({ tenantId, slug, name: input.name }).execute();
        await db
          .insertInto('memberships')
          .values({ tenantId, id: membershipId, userId: ctx.user.id, role: 'owner' })
          .execute();
        const auditCtx = { db, tenant: { id: tenantId }, actor: ctx.actor, request: ctx.request };
        await audit(auditCtx, {
          action: 'organization.created',
          target: { type: 'organization', id: tenantId, display: input.name },
          after: { slug, name: input.name },
        });
        await audit(auditCtx, {
          action: 'member.added',
          target: { type: 'membership', id: membershipId, display: ctx.user.email },
          after: { userId: ctx.user.id, role: 'owner' },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'organizations_slug_key')) {
        throw new AppError('CONFLICT', 'That organization address was taken meanwhile. Choose another.', {
          fieldErrors: { slug: ['This address is taken; choose another.'] },
        });
      }
      throw error;
    }
    return { slug, name: input.name };
  });
