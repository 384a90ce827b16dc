import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findForm, formFields } from './query.ts';
import { formIdSchema } from './schemas.ts';

/** Deletes a form, its fields and its link (the data it collected stays: it belongs to the metrics). */
export const remove = tenantProcedure
  .meta(requirePermission('forms:write'))
  .input(z.object({ id: formIdSchema }))
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const before = await findForm(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    const fields = await formFields(ctx.db, ctx.tenant.id, input.id);
    await ctx.db
      .deleteFrom('dataFormLinks')
      .where('tenantId', '=', ctx.tenant.id)
      .where('formId', '=', input.id)
      .execute();
    await ctx.db.deleteFrom('dataForms').where('tenantId', '=', ctx.tenant.id).where('id', '=', input.id).execute();
    await audit(ctx, {
      action: 'data_form.deleted',
      target: { type: 'data_form', id: input.id, display: before.name },
      before: { name: before.name, fields: fields.map((f) => f.metricKey), submissionCount: before.submissionCount },
    });
    return { deleted: true as const };
  });
