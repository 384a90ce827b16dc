import { z } from 'zod';
import { audit, changedFields } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, router, tenantProcedure } from '../../trpc.ts';
import { updatePolicyInput } from './schemas.ts';

const policyOutput = z.object({
  requireTwoFactor: z.boolean(),
  sessionIdleMinutes: z.number().int().nullable(),
  sessionAbsoluteHours: z.number().int().nullable(),
});

const getPolicy = tenantProcedure
  .meta(requirePermission('security:manage'))
  .output(policyOutput)
  .query(async ({ ctx }) => {
    const row = await ctx.db
      .selectFrom('organizations')
      .select(['requireTwoFactor', 'sessionIdleMinutes', 'sessionAbsoluteHours'])
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirst();
    if (!row) throw notFound('Organization not found');
    return row;
  });

/** Owners and admins set the organization's policy; it applies from every member's next request. */
const updatePolicy = tenantProcedure
  .meta(requirePermission('security:manage'))
  .input(updatePolicyInput)
  .output(policyOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await ctx.db
      .selectFrom('organizations')
      .select(['requireTwoFactor', 'sessionIdleMinutes', 'sessionAbsoluteHours'])
      .where('tenantId', '=', ctx.tenant.id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('Organization not found');
    const after = await ctx.db
      .updateTable('organizations')
      .set({
        requireTwoFactor: input.requireTwoFactor,
        sessionIdleMinutes: input.sessionIdleMinutes,
        sessionAbsoluteHours: input.sessionAbsoluteHours,
        updatedAt: new Date(),
      })
      .where('tenantId', '=', ctx.tenant.id)
      .returning(['requireTwoFactor', 'sessionIdleMinutes', 'sessionAbsoluteHours'])
      .executeTakeFirstOrThrow();
    const { slug: _slug, ...policy } = input;
    const diff = changedFields(before, policy);
    await audit(ctx, {
      action: 'security_policy.updated',
      target: { type: 'organization', id: ctx.tenant.id, display: ctx.tenant.name },
      before: diff.before,
      after: diff.after,
    });
    return after;
  });

export const securityRouter = router({ getPolicy, updatePolicy });
