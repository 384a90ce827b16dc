import { z } from 'zod';
import { localDateSchema, metricKeySchema, UNITS } from '../metrics/schemas.ts';

export const MAX_FORMS = 100;
const MAX_FIELDS = 50;
/**
 * The widest window a form may accept answers for: today and this many days before it, in the
 * organization's timezone. Each form sets its own (`daysBack`, default 0: today only).
 */
const MAX_DAYS_BACK = 31;

export const formIdSchema = z.uuid('Form id must be a UUID');
const fieldIdSchema = z.uuid('Field id must be a UUID');
const formNameSchema = z
  .string({ error: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(100, 'Name is at most 100 characters');
const descriptionSchema = z.string().trim().max(1000, 'Description is at most 1000 characters');
const daysBackSchema = z
  .number({ error: 'Days back is a whole number of days' })
  .int('Days back is a whole number of days')
  .min(0, 'Days back is 0 (today only) or more')
  .max(MAX_DAYS_BACK, `A form accepts answers for at most ${MAX_DAYS_BACK} days back`);

export const fieldInput = z.object({
  metricKey: metricKeySchema,
  /** Blank: the metric's name. */
  label: z.string().trim().max(100, 'A field label is at most 100 characters').default(''),
  help: z.string().trim().max(300, 'Help text is at most 300 characters').default(''),
});
const fieldsSchema = z
  .array(fieldInput)
  .min(1, 'Choose at least one metric')
  .max(MAX_FIELDS, `A form has at most ${MAX_FIELDS} fields`)
  .refine(
    (fields) => new Set(fields.map((f) => f.metricKey)).size === fields.length,
    'Each metric appears once on a form',
  );

export const createFormInput = z.object({
  name: formNameSchema,
  description: descriptionSchema.default(''),
  daysBack: daysBackSchema.default(0),
  fields: fieldsSchema,
});
export const updateFormInput = z.object({
  id: formIdSchema,
  name: formNameSchema.optional(),
  description: descriptionSchema.optional(),
  daysBack: daysBackSchema.optional(),
  fields: fieldsSchema.optional(),
});

export const formSummaryOutput = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  paused: z.boolean(),
  daysBack: z.number(),
  fieldCount: z.number(),
  submissionCount: z.number(),
  lastSubmittedAt: z.date().nullable(),
  linkPrefix: z.string().nullable(),
  createdAt: z.date(),
});

const formFieldOutput = z.object({
  id: z.string(),
  metricKey: z.string(),
  metricName: z.string(),
  label: z.string(),
  help: z.string(),
  position: z.number(),
});

export const formDetailOutput = formSummaryOutput.extend({ fields: z.array(formFieldOutput) });

/** The public link is the token alone; the page builds `/f/<token>`. */
export const linkOutput = z.object({ token: z.string().nullable(), prefix: z.string() });

// The token in a public link: 43 base64url characters (32 random bytes). Anything else finds nothing.
export const publicTokenSchema = z
  .string({ error: 'Form link is required' })
  .max(100, 'Form link is at most 100 characters');

export const publicFormOutput = z.object({
  name: z.string(),
  description: z.string(),
  orgName: z.string(),
  paused: z.boolean(),
  today: z.string(),
  earliest: z.string(),
  fields: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      help: z.string(),
      unit: z.enum(UNITS),
      currency: z.string().nullable(),
    }),
  ),
});

export const submitInput = z.object({
  token: publicTokenSchema,
  /** The local date the values are for; blank: today in the organization's timezone. */
  date: localDateSchema.optional(),
  values: z
    .array(z.object({ fieldId: fieldIdSchema, value: z.number({ error: 'Value must be a finite number' }) }))
    .min(1, 'Enter at least one value')
    .max(MAX_FIELDS, `A form has at most ${MAX_FIELDS} fields`),
});
