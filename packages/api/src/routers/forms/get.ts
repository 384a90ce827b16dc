import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findForm, formFields } from './query.ts';
import { formDetailOutput, formIdSchema } from './schemas.ts';

export const get = tenantProcedure
  .meta(requirePermission('forms:read'))
  .input(z.object({ id: formIdSchema }))
  .output(formDetailOutput)
  .query(async ({ ctx, input }) => {
    const form = await findForm(ctx.db, ctx.tenant.id, input.id);
    return { ...form, fields: await formFields(ctx.db, ctx.tenant.id, input.id) };
  });
