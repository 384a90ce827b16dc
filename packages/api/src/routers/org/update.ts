import { audit, changedFields } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { organizationOutput, updateOrganizationInput } from './schemas.ts';

export const update = tenantProcedure
  .meta(requirePermission('org:update'))
  .input(updateOrganizationInput)
  .output(organizationOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await ctx.db
      .selectFrom('organizations')
      .select(['slug', 'name', 'timezone', 'weekStart'])
      .where('tenantId', '=', ctx.tenant.id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('Organization not found');
    const after = await ctx.db
      .updateTable('organizations')
      .set({ name: input.name, timezone: input.timezone, weekStart: input.weekStart, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .returning(['slug', 'name', 'timezone', 'weekStart'])
      .executeTakeFirstOrThrow();
    const diff = changedFields(before, input);
    await audit(ctx, {
      action: 'organization.updated',
      target: { type: 'organization', id: ctx.tenant.id, display: after.name },
      before: diff.before,
      after: diff.after,
    });
    return after;
  });
