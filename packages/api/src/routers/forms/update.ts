import { audit, changedFields } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findForm, formFields, resolveFields } from './query.ts';
import { formDetailOutput, updateFormInput } from './schemas.ts';

/**
 * Renames a form and/or replaces its fields. A field whose metric stays keeps its id, so a page
 * someone has open still submits to it; fields of metrics no longer listed are removed.
 */
export const update = tenantProcedure
  .meta(requirePermission('forms:write'))
  .input(updateFormInput)
  .output(formDetailOutput)
  .mutation(async ({ ctx, input }) => {
    const t = ctx.tenant.id;
    const before = await findForm(ctx.db, t, input.id, { forUpdate: true });
    const beforeFields = await formFields(ctx.db, t, input.id);
    if (input.name !== undefined || input.description !== undefined || input.daysBack !== undefined) {
      await ctx.db
        .updateTable('dataForms')
        .set({
          name: input.name ?? before.name,
          description: input.description ?? before.description,
          daysBack: input.daysBack ?? before.daysBack,
          updatedAt: new Date(),
        })
        .where('tenantId', '=', t)
        .where('id', '=', input.id)
        .execute();
    }
    if (input.fields) {
      const rows = await resolveFields(ctx.db, t, input.fields);
      const existing = await ctx.db
        .selectFrom('dataFormFields')
        .select(['id', 'metricId'])
        .where('tenantId', '=', t)
        .where('formId', '=', input.id)
        .execute();
      const keep = new Set(rows.map((r) => r.metricId));
      const gone = existing.filter((e) => !keep.has(e.metricId)).map((e) => e.id);
      if (gone.length)
        await ctx.db.deleteFrom('dataFormFields').where('tenantId', '=', t).where('id', 'in', gone).execute();
      const byMetric = new Map(existing.map((e) => [e.metricId, e.id]));
      for (const r of rows) {
        const id = byMetric.get(r.metricId);
        if (id) {
          await ctx.db
            .updateTable('dataFormFields')
            .set({ label: r.label, help: r.help, position: r.position })
            .where('tenantId', '=', t)
            .where('id', '=', id)
            .execute();
        } else {
          await ctx.db
            .insertInto('dataFormFields')
            .values({
              tenantId: t,
              formId: input.id,
              metricId: r.metricId,
              label: r.label,
              help: r.help,
              position: r.position,
            })
            .execute();
        }
      }
      await ctx.db
        .updateTable('dataForms')
        .set({ updatedAt: new Date() })
        .where('tenantId', '=', t)
        .where('id', '=', input.id)
        .execute();
    }
    const after = await findForm(ctx.db, t, input.id);
    const fields = await formFields(ctx.db, t, input.id);
    const changed = changedFields(
      { name: before.name, description: before.description, daysBack: before.daysBack },
      { name: input.name, description: input.description, daysBack: input.daysBack },
    );
    const fieldList = (fs: { metricKey: string; label: string }[]) => fs.map((f) => `${f.metricKey}: ${f.label}`);
    await audit(ctx, {
      action: 'data_form.updated',
      target: { type: 'data_form', id: input.id, display: after.name },
      before: { ...changed.before, ...(input.fields ? { fields: fieldList(beforeFields) } : {}) },
      after: { ...changed.after, ...(input.fields ? { fields: fieldList(fields) } : {}) },
    });
    return { ...after, fields };
  });
