import { z } from 'zod';
import { grainSchema, localDateSchema, metricKeySchema } from '../metrics/schemas.ts';

export const targetIdSchema = z.uuid('Target id must be a UUID');

const fields = {
  kind: z.enum(['fixed', 'recurring'], { error: 'Kind is fixed (one range) or recurring (every period)' }),
  grain: grainSchema.nullish(),
  value: z
    .number({ error: 'Target value must be a finite number' })
    .min(-1e15, 'Target value is at least -1e15')
    .max(1e15, 'Target value is at most 1e15'),
  startsOn: localDateSchema.nullish(),
  endsOn: localDateSchema.nullish(),
};

function consistent(
  v: {
    kind: string;
    grain?: string | null | undefined;
    startsOn?: string | null | undefined;
    endsOn?: string | null | undefined;
  },
  ctx: z.RefinementCtx,
) {
  if (v.kind === 'recurring' && !v.grain)
    ctx.addIssue({
      code: 'custom',
      path: ['grain'],
      message: 'A recurring target needs a period (day, week, month or quarter)',
    });
  if (v.kind === 'fixed' && v.grain)
    ctx.addIssue({
      code: 'custom',
      path: ['grain'],
      message: 'A fixed target covers its date range: leave the period empty',
    });
  if (v.kind === 'fixed' && (!v.startsOn || !v.endsOn))
    ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'A fixed target needs a start and an end date' });
  if (v.startsOn && v.endsOn && v.startsOn > v.endsOn)
    ctx.addIssue({ code: 'custom', path: ['endsOn'], message: 'The end date must not be before the start date' });
}

export const createTargetInput = z.object({ key: metricKeySchema, ...fields }).superRefine(consistent);
export const updateTargetInput = z.object({ id: targetIdSchema, ...fields }).superRefine(consistent);

export const targetOutput = z.object({
  id: z.string(),
  kind: z.enum(['fixed', 'recurring']),
  grain: grainSchema.nullable(),
  value: z.number(),
  startsOn: z.string().nullable(),
  endsOn: z.string().nullable(),
});
