import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findForm, replaceLink } from './query.ts';
import { formIdSchema, linkOutput } from './schemas.ts';

/** A new link for the form; the old one stops working when this commits. */
export const rotateLink = tenantProcedure
  .meta(requirePermission('forms:write'))
  .input(z.object({ id: formIdSchema }))
  .output(linkOutput)
  .mutation(async ({ ctx, input }) => {
    const form = await findForm(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    const link = await replaceLink(ctx.db, ctx.secretBox, ctx.tenant.id, input.id, ctx.user.id);
    await audit(ctx, {
      action: 'data_form.link_rotated',
      target: { type: 'data_form', id: input.id, display: form.name },
      before: { linkPrefix: form.linkPrefix },
      after: { linkPrefix: link.prefix },
    });
    return link;
  });
