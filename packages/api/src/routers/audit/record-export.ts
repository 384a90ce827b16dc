import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { exportInput } from './schemas.ts';

/**
 * Records that the caller exported the audit log with these filters. The export route calls it
 * before streaming a single row: no export leaves without its own audit event.
 */
export const recordExport = tenantProcedure
  .meta(requirePermission('audit:read'))
  .input(exportInput)
  .output(z.object({ recorded: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const { format, slug: _slug, ...filters } = input;
    await audit(ctx, {
      action: 'audit.exported',
      target: { type: 'audit_log', id: ctx.tenant.id, display: ctx.tenant.name },
      after: {
        format,
        filters: Object.fromEntries(
          Object.entries(filters)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
        ),
      },
    });
    return { recorded: true as const };
  });
