import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError, isUniqueViolation } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { changeSlugInput, slugOnlyOutput } from './schemas.ts';

/** How long an old address keeps sending members on, and stays reserved for the organization. */
const SLUG_REDIRECT_DAYS = 30;

/**
 * The owner changes the organization's address. For 30 days the old one redirects the
 * organization's members (and only them: app_slug_redirect answers members alone) and no other
 * organization can take it; the organization can take it back. Audited with both addresses.
 */
export const changeSlug = tenantProcedure
  .meta(requirePermission('org:slug'))
  .input(changeSlugInput)
  .output(slugOnlyOutput)
  .mutation(async ({ ctx, input }) => {
    const oldSlug = ctx.tenant.slug;
    const newSlug = input.newSlug;
    const taken = (message: string) =>
      new AppError('CONFLICT', message, { fieldErrors: { newSlug: ['This address is taken; choose another.'] } });
    if (newSlug === oldSlug) {
      throw new AppError('INVALID', 'That is the current address already.', {
        fieldErrors: { newSlug: ['That is the current address already.'] },
      });
    }
    // One of its own former addresses is the organization's to take back; any other must be free.
    const ownFormer = await ctx.db
      .deleteFrom('organizationSlugRedirects')
      .where('tenantId', '=', ctx.tenant.id)
      .where('oldSlug', '=', newSlug)
      .returning('id')
      .executeTakeFirst();
    if (!ownFormer) {
      const { rows } = await sql<{ taken: boolean }>`select app_slug_taken(${newSlug}) as taken`.execute(ctx.db);
      if (rows[0]?.taken) throw taken('That organization address is taken.');
    }
    try {
      await ctx.db
        .updateTable('organizations')
        .set({ slug: newSlug, updatedAt: new Date() })
        .where('tenantId', '=', ctx.tenant.id)
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error, 'organizations_slug_key'))
        throw taken('That organization address was taken meanwhile.');
      throw error;
    }
    const expiresAt = new Date(ctx.auth.now().getTime() + SLUG_REDIRECT_DAYS * 86_400_000);
    await ctx.db
      .insertInto('organizationSlugRedirects')
      .values({ tenantId: ctx.tenant.id, oldSlug, changedBy: ctx.user.id, expiresAt })
      .onConflict((oc) =>
        oc.columns(['tenantId', 'oldSlug']).doUpdateSet({ changedBy: ctx.user.id, createdAt: new Date(), expiresAt }),
      )
      .execute();
    await audit(ctx, {
      action: 'organization.slug_changed',
      target: { type: 'organization', id: ctx.tenant.id, display: ctx.tenant.name },
      before: { slug: oldSlug },
      after: { slug: newSlug, redirectUntil: expiresAt },
    });
    return { slug: newSlug };
  });
