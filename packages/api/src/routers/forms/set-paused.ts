import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findForm } from './query.ts';
import { formIdSchema, formSummaryOutput } from './schemas.ts';

/** Pauses (the link stays, submissions are refused) or resumes a form. */
export const setPaused = tenantProcedure
  .meta(requirePermission('forms:write'))
  .input(z.object({ id: formIdSchema, paused: z.boolean({ error: 'paused is true or false' }) }))
  .output(formSummaryOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findForm(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    if (before.paused === input.paused) return before;
    await ctx.db
      .updateTable('dataForms')
      .set({ pausedAt: input.paused ? new Date() : null, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    await audit(ctx, {
      action: input.paused ? 'data_form.paused' : 'data_form.resumed',
      target: { type: 'data_form', id: input.id, display: before.name },
    });
    return findForm(ctx.db, ctx.tenant.id, input.id);
  });
