import { z } from 'zod';
import { requirePermission, router, tenantProcedure } from '../../trpc.ts';

const drillOutput = z.object({
  id: z.string(),
  backupId: z.string().nullable(),
  backupTakenAt: z.date().nullable(),
  trigger: z.enum(['scheduled', 'operator']),
  status: z.enum(['passed', 'failed']),
  finishedAt: z.date(),
  tables: z.number(),
  rows: z.number(),
  error: z.string().nullable(),
});
type DrillRow = z.infer<typeof drillOutput>;

/**
 * The backups page's "last verified restore": the newest drill that passed, and the newest drill
 * of any outcome (a failure after the last success is what an owner must see).
 */
const latest = tenantProcedure
  .meta(requirePermission('backups:manage'))
  .output(z.object({ lastPassed: drillOutput.nullable(), last: drillOutput.nullable() }))
  .query(async ({ ctx }) => {
    const newest = (status?: 'passed') => {
      let q = ctx.db
        .selectFrom('restoreDrills')
        .select(['id', 'backupId', 'backupTakenAt', 'trigger', 'status', 'finishedAt', 'tables', 'rows', 'error'])
        .where('tenantId', '=', ctx.tenant.id)
        .orderBy('finishedAt', 'desc')
        .limit(1);
      if (status) q = q.where('status', '=', status);
      return q.executeTakeFirst();
    };
    const [lastPassed, last] = [await newest('passed'), await newest()];
    return { lastPassed: (lastPassed as DrillRow | undefined) ?? null, last: (last as DrillRow | undefined) ?? null };
  });

export const drillsRouter = router({ latest });
