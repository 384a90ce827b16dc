import { z } from 'zod';
import { publicProcedure } from '../../trpc.ts';
import { dateWindow, linkGone, linkHash, publicFields } from './public.ts';
import { publicFormOutput, publicTokenSchema } from './schemas.ts';

/**
 * What the public page at /f/<token> shows: the form, its organization's name and its fields
 * (labels only: no metric keys or ids leave the organization). Paused forms are shown as paused.
 */
export const publicGet = publicProcedure
  .input(z.object({ token: publicTokenSchema }))
  .output(publicFormOutput)
  .query(async ({ ctx, input }) => {
    const hash = linkHash(input.token);
    if (!hash) throw linkGone();
    const outcome = await ctx.platform.asDataForm(hash, async (db, form) => {
      const row = await db
        .selectFrom('dataForms')
        .select('description')
        .where('tenantId', '=', form.tenantId)
        .where('id', '=', form.formId)
        .executeTakeFirstOrThrow();
      const fields = await publicFields(db, form.tenantId, form.formId);
      const { today, earliest } = await dateWindow(db, form.tenantId, form.formId, ctx.auth.now());
      return {
        name: form.formName,
        description: row.description,
        orgName: form.orgName,
        paused: form.paused,
        today,
        earliest,
        fields: fields
          .filter((f) => !f.formula && !f.archivedAt)
          .map((f) => ({ id: f.id, label: f.label, help: f.help, unit: f.unit, currency: f.currency })),
      };
    });
    if (outcome.form === null) throw linkGone();
    return outcome.result;
  });
