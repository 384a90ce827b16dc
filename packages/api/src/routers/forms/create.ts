import { sql } from '@mfiq/db';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { replaceLink, resolveFields } from './query.ts';
import { createFormInput, MAX_FORMS } from './schemas.ts';

/** A new form with its fields and a first link (shown to editors now and later, see link.ts). */
export const create = tenantProcedure
  .meta(requirePermission('forms:write'))
  .input(createFormInput)
  .output(z.object({ id: z.string(), token: z.string() }))
  .mutation(async ({ ctx, input }) => {
    // Serializes concurrent creates in this organization so the count limit holds.
    await sql`select 1 from organizations where tenant_id = ${ctx.tenant.id} for no key update`.execute(ctx.db);
    const { n } = await ctx.db
      .selectFrom('dataForms')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirstOrThrow();
    if (n >= MAX_FORMS) throw new AppError('CONFLICT', `An organization has at most ${MAX_FORMS} forms`);
    const fields = await resolveFields(ctx.db, ctx.tenant.id, input.fields);
    const form = await ctx.db
      .insertInto('dataForms')
      .values({
        tenantId: ctx.tenant.id,
        name: input.name,
        description: input.description,
        daysBack: input.daysBack,
        createdBy: ctx.user.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.db
      .insertInto('dataFormFields')
      .values(
        fields.map((f) => ({
          tenantId: ctx.tenant.id,
          formId: form.id,
          metricId: f.metricId,
          label: f.label,
          help: f.help,
          position: f.position,
        })),
      )
      .execute();
    const link = await replaceLink(ctx.db, ctx.secretBox, ctx.tenant.id, form.id, ctx.user.id);
    await audit(ctx, {
      action: 'data_form.created',
      target: { type: 'data_form', id: form.id, display: input.name },
      after: {
        name: input.name,
        daysBack: input.daysBack,
        fields: fields.map((f) => f.metricKey),
        linkPrefix: link.prefix,
      },
    });
    return { id: form.id, token: link.token };
  });
