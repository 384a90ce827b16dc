import { notFound } from '../../errors.ts';
import { authedProcedure, slugSchema } from '../../trpc.ts';
import { z } from 'zod';
import { slugOnlyOutput } from './schemas.ts';

/**
 * Where a former address of one of the caller's organizations points now (the pages redirect
 * there). Anyone else, a removed member included, gets NOT_FOUND: the same answer as for an
 * address that never existed, so an old address reveals nothing about who holds it now.
 */
export const resolveSlug = authedProcedure
  .input(z.object({ slug: slugSchema }))
  .output(slugOnlyOutput)
  .query(async ({ ctx, input }) => {
    const slug = await ctx.platform.slugRedirect(ctx.user.id, input.slug);
    if (!slug) throw notFound('Organization not found');
    return { slug };
  });
