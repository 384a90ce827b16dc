import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, router, tenantProcedure } from '../../trpc.ts';

/**
 * Authorizes and audits one download of the organization's security evidence pack; the web's
 * route then assembles the archive in the organization's tenant (packages/evidence), as the
 * operator CLI's `mfiq evidence export` does. The procedure returns only what names it.
 */
const exportPack = tenantProcedure
  .meta(requirePermission('evidence:export'))
  .output(z.object({ tenantId: z.string(), slug: z.string(), filename: z.string() }))
  .mutation(async ({ ctx }) => {
    const at = ctx.auth.now();
    await audit(ctx, {
      action: 'evidence.exported',
      target: { type: 'organization', id: ctx.tenant.id, display: ctx.tenant.name },
    });
    const stamp = at.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    return {
      tenantId: ctx.tenant.id,
      slug: ctx.tenant.slug,
      filename: `${ctx.tenant.slug}-security-evidence-${stamp}.zip`,
    };
  });

export const evidenceRouter = router({ export: exportPack });
