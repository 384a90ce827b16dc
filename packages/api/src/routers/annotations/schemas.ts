import { z } from 'zod';
import { localDateSchema, metricKeySchema } from '../metrics/schemas.ts';

/** Notes per metric or dashboard: enough for years of events, bounded for the charts that draw them. */
export const MAX_ANNOTATIONS_PER_TARGET = 1000;

export const annotationIdSchema = z.uuid('Annotation id must be a UUID');
const bodySchema = z
  .string({ error: 'Write the note' })
  .trim()
  .min(1, 'Write the note')
  .max(280, 'A note is at most 280 characters');

/** A note is on one metric or on one dashboard. */
const onWhat = z.object({
  metricKey: metricKeySchema.optional(),
  dashboardId: z.uuid('Dashboard id must be a UUID').optional(),
});
const exactlyOne = (v: { metricKey?: string | undefined; dashboardId?: string | undefined }, ctx: z.RefinementCtx) => {
  if ((v.metricKey === undefined) === (v.dashboardId === undefined))
    ctx.addIssue({ code: 'custom', path: ['metricKey'], message: 'Give either a metric key or a dashboard id' });
};

export const listAnnotationsInput = onWhat
  .extend({ from: localDateSchema.optional(), to: localDateSchema.optional() })
  .superRefine(exactlyOne)
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.to < v.from)
      ctx.addIssue({ code: 'custom', path: ['to'], message: '"to" must not be before "from"' });
  });

export const createAnnotationInput = onWhat.extend({ date: localDateSchema, body: bodySchema }).superRefine(exactlyOne);

export const updateAnnotationInput = z.object({
  id: annotationIdSchema,
  date: localDateSchema.optional(),
  body: bodySchema.optional(),
});

export const annotationOutput = z.object({
  id: z.string(),
  date: z.string(),
  body: z.string(),
  metricKey: z.string().nullable(),
  dashboardId: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
});
