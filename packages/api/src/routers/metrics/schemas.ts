import { z } from 'zod';
import { AGGREGATIONS, DIRECTIONS, GRAINS, UNITS } from '../../shared/constants.ts';

export { AGGREGATIONS, DIRECTIONS, UNITS };

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const metricKeySchema = z
  .string({ error: 'Metric key is required' })
  .trim()
  .min(1, 'Metric key is required')
  .max(63, 'Metric key is at most 63 characters')
  .regex(/^[a-z][a-z0-9_]*$/, 'Metric key starts with a letter and has only lowercase letters, digits and underscores');

export const grainSchema = z.enum(GRAINS, { error: 'Grain is one of day, week, month, quarter' });

/** A local date in the organization's timezone. */
export const localDateSchema = z
  .string({ error: 'Date is required (YYYY-MM-DD)' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Date must be YYYY-MM-DD')
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d && d >= '1900-01-01' && d < '2100-01-01';
  }, 'Not a real date between 1900 and 2099');

const tagSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'A tag cannot be empty')
  .max(40, 'A tag is at most 40 characters')
  .regex(/^[a-z0-9][a-z0-9 _-]*$/, 'Tags use letters, digits, spaces, - and _');
const tagsSchema = z.array(tagSchema).max(20, 'At most 20 tags');

const definitionFields = {
  name: z
    .string({ error: 'Name is required' })
    .trim()
    .min(1, 'Name is required')
    .max(100, 'Name is at most 100 characters'),
  description: z.string().trim().max(2000, 'Description is at most 2000 characters').default(''),
  unit: z.enum(UNITS, { error: 'Unit is one of number, currency, percent, duration' }).default('number'),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .refine((c) => CURRENCIES.has(c), 'Currency must be an ISO 4217 code such as USD or EUR')
    .nullish(),
  aggregation: z.enum(AGGREGATIONS, { error: 'Aggregation is one of sum, avg, min, max, count, last' }).default('sum'),
  direction: z.enum(DIRECTIONS, { error: 'Direction is higher or lower (which is better)' }).default('higher'),
  defaultGrain: grainSchema.default('day'),
  ownerMembershipId: z.uuid('Owner must be a member of the organization').nullish(),
  tags: tagsSchema.default([]),
  formula: z.string().trim().max(1000, 'A formula is at most 1000 characters').nullish(),
};

function currencyMatchesUnit(v: { unit: string; currency?: string | null | undefined }, ctx: z.RefinementCtx) {
  if (v.unit === 'currency' && !v.currency)
    ctx.addIssue({ code: 'custom', path: ['currency'], message: 'A currency metric needs an ISO 4217 currency code' });
  if (v.unit !== 'currency' && v.currency)
    ctx.addIssue({ code: 'custom', path: ['currency'], message: 'Only currency metrics have a currency' });
}

export const createMetricInput = z
  .object({ key: metricKeySchema, ...definitionFields })
  .superRefine(currencyMatchesUnit);
export const updateMetricInput = z
  .object({ key: metricKeySchema, ...definitionFields })
  .superRefine(currencyMatchesUnit);

export const metricOutput = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  unit: z.enum(UNITS),
  currency: z.string().nullable(),
  aggregation: z.enum(AGGREGATIONS),
  direction: z.enum(DIRECTIONS),
  defaultGrain: grainSchema,
  ownerMembershipId: z.string().nullable(),
  ownerName: z.string().nullable(),
  tags: z.array(z.string()),
  formula: z.string().nullable(),
  archived: z.boolean(),
  updatedAt: z.date(),
});
export type MetricOutput = z.infer<typeof metricOutput>;

/**
 * The metric form on the pages: the same fields and rules as the procedures' input, except that
 * tags arrive as one comma-separated text field (what a person types) and are split before the
 * same tag rules apply.
 */
const tagsText = z
  .string()
  .max(900, 'Tags are at most 900 characters')
  .transform((text) =>
    text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .pipe(tagsSchema);
export const metricForm = z
  .object({ key: metricKeySchema, ...definitionFields, tags: tagsText.default([]) })
  .superRefine(currencyMatchesUnit);
