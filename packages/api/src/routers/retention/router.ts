import type { z } from 'zod';
import { audit, changedFields } from '../../audit.ts';
import type { Context } from '../../context.ts';
import { AppError, notFound } from '../../errors.ts';
import { requirePermission, router, tenantProcedure } from '../../trpc.ts';
import { AUDIT_RETENTION_DAYS, DATA_RETENTION_DAYS, retentionInput, retentionOutput } from './schemas.ts';

const COLUMNS = ['auditRetentionDays', 'dataRetentionDays', 'backupKeepDaily', 'backupKeepWeekly'] as const;

function withBounds(
  ctx: Pick<Context, 'lifecycle'>,
  row: Pick<z.infer<typeof retentionOutput>, (typeof COLUMNS)[number]>,
) {
  const { defaults, max } = ctx.lifecycle.backupRetention;
  return {
    ...row,
    bounds: {
      audit: AUDIT_RETENTION_DAYS,
      data: DATA_RETENTION_DAYS,
      backupDaily: { min: 1, max: max.daily },
      backupWeekly: { min: 0, max: max.weekly },
    },
    defaults: { backupKeepDaily: defaults.daily, backupKeepWeekly: defaults.weekly },
  };
}

/** How long the organization keeps its audit log, data points and backups (owners only). */
const get = tenantProcedure
  .meta(requirePermission('retention:manage'))
  .output(retentionOutput)
  .query(async ({ ctx }) => {
    const row = await ctx.db
      .selectFrom('organizations')
      .select(COLUMNS)
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirst();
    if (!row) throw notFound('Organization not found');
    return withBounds(ctx, row);
  });

/**
 * The owner sets the periods; each change is audited with before and after. Backups stay within
 * the operator's bounds. The worker applies the periods nightly (docs/decisions/0122).
 */
const update = tenantProcedure
  .meta(requirePermission('retention:manage'))
  .input(retentionInput)
  .output(retentionOutput)
  .mutation(async ({ ctx, input }) => {
    const { max } = ctx.lifecycle.backupRetention;
    const over: Record<string, string[]> = {};
    if (input.backupKeepDaily !== null && input.backupKeepDaily > max.daily)
      over.backupKeepDaily = [`This service keeps at most ${max.daily} daily backups`];
    if (input.backupKeepWeekly !== null && input.backupKeepWeekly > max.weekly)
      over.backupKeepWeekly = [`This service keeps at most ${max.weekly} weekly backups`];
    if (Object.keys(over).length)
      throw new AppError('INVALID', 'Choose backup retention within the service limits.', { fieldErrors: over });
    const before = await ctx.db
      .selectFrom('organizations')
      .select(COLUMNS)
      .where('tenantId', '=', ctx.tenant.id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('Organization not found');
    const { slug: _slug, ...settings } = input;
    const after = await ctx.db
      .updateTable('organizations')
      .set({ ...settings, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    const diff = changedFields(before, settings);
    if (Object.keys(diff.after).length) {
      await audit(ctx, {
        action: 'retention.updated',
        target: { type: 'organization', id: ctx.tenant.id, display: ctx.tenant.name },
        before: diff.before,
        after: diff.after,
      });
    }
    return withBounds(ctx, after);
  });

export const retentionRouter = router({ get, update });
