import { z } from 'zod';
import { notFound } from '../../errors.ts';
import { permissionsOf, PERMISSIONS, ROLES } from '../../permissions.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { organizationOutput } from './schemas.ts';

/** The organization, the caller's role and what that role may do (the UI shows controls from it). */
export const get = tenantProcedure
  .meta(requirePermission('org:read'))
  .output(
    z.object({ organization: organizationOutput, role: z.enum(ROLES), permissions: z.array(z.enum(PERMISSIONS)) }),
  )
  .query(async ({ ctx }) => {
    const organization = await ctx.db
      .selectFrom('organizations')
      .select(['slug', 'name', 'timezone', 'weekStart'])
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirst();
    if (!organization) throw notFound('Organization not found');
    return { organization, role: ctx.role, permissions: permissionsOf(ctx.role) };
  });
