import { z } from 'zod';
import { authedProcedure } from '../../trpc.ts';
import { ROLES } from '../../permissions.ts';

/** The organizations the signed-in user belongs to, for the switcher. */
export const list = authedProcedure
  .output(z.array(z.object({ slug: z.string(), name: z.string(), role: z.enum(ROLES) })))
  .query(({ ctx }) => ctx.platform.listOrganizations(ctx.user.id));
