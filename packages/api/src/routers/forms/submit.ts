import { z } from 'zod';
import { audit, type AuditActor } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { checkValue, writePoints } from '../../metrics/points.ts';
import { zonedMidnight } from '../../metrics/zoned.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { dateWindow, linkGone, linkHash, publicFields } from './public.ts';
import { submitInput } from './schemas.ts';

const FORM_PAUSED = 'This form is paused and is not accepting answers right now.';

/**
 * A submission through a public link, by anyone holding it. Behind the anti-abuse checks of the
 * page (formOnly). The tenant is the link's (app_enter_data_form), never the input's; values may
 * only name this form's fields, and so only its metrics. Every value is checked first: one bad
 * value refuses the submission with a message per field and writes nothing. Then the points go in
 * through the same writer as manual entry and the push API, and the event (actor: the public form)
 * in the same transaction.
 */
export const submit = publicFormProcedure('data-form')
  .input(submitInput)
  .output(z.object({ written: z.number(), date: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const hash = linkHash(input.token);
    if (!hash) throw linkGone();
    const outcome = await ctx.platform.asDataForm(hash, async (db, form) => {
      if (form.paused) throw new AppError('CONFLICT', FORM_PAUSED);
      const fields = await publicFields(db, form.tenantId, form.formId);
      const byId = new Map(fields.map((f) => [f.id, f]));
      const { timezone, today, earliest } = await dateWindow(db, form.tenantId, form.formId, ctx.auth.now());
      const date = input.date ?? today;
      const errors: Record<string, string[]> = {};
      const fail = (key: string, message: string) => (errors[key] ??= []).push(message);
      if (date > today || date < earliest)
        fail(
          'date',
          earliest === today
            ? `This form takes values for today only (${today})`
            : `This form takes values for ${earliest} to ${today} only`,
        );
      const seen = new Set<string>();
      for (const v of input.values) {
        const field = byId.get(v.fieldId);
        if (!field) {
          fail(v.fieldId, 'This form has no such field (it may have changed: reload the page)');
          continue;
        }
        if (seen.has(v.fieldId)) fail(v.fieldId, 'Each field takes one value');
        seen.add(v.fieldId);
        if (field.formula || field.archivedAt) fail(v.fieldId, 'This field does not take values any more');
        const bad = checkValue(v.value);
        if (bad) fail(v.fieldId, bad);
      }
      const keys = Object.keys(errors);
      if (keys.length) {
        const first = errors[keys[0]!]![0]!;
        throw new AppError('INVALID', keys.length === 1 ? first : `${first} (and ${keys.length - 1} more)`, {
          fieldErrors: errors,
        });
      }
      const ts = zonedMidnight(date, timezone).toISOString();
      const { metricKeys, ...result } = await writePoints(
        db,
        form.tenantId,
        input.values.map((v) => ({ metric: byId.get(v.fieldId)!.metricKey, ts, value: v.value })),
      );
      // Checked above, so the writer rejects nothing; a concurrent archive would, and is refused whole.
      if (result.rejected)
        throw new AppError(
          'CONFLICT',
          'The form changed while you were filling it in: reload the page and submit again.',
        );
      await db
        .updateTable('dataForms')
        .set((eb) => ({ submissionCount: eb('submissionCount', '+', 1), lastSubmittedAt: new Date() }))
        .where('tenantId', '=', form.tenantId)
        .where('id', '=', form.formId)
        .execute();
      const actor: AuditActor = { type: 'public_form', id: form.formId, display: form.formName };
      await audit(
        { db, tenant: { id: form.tenantId }, actor, request: ctx.request },
        {
          action: 'data.points_written',
          target: { type: 'data_form', id: form.formId, display: form.formName },
          after: { source: 'form', date, received: result.received, written: result.written, metrics: metricKeys },
        },
      );
      return { written: result.written, date };
    });
    if (outcome.form === null) throw linkGone();
    return outcome.result;
  });
