import { z } from 'zod';
import { conditionSchema, RULE_KINDS } from '../../alerts/conditions.ts';
import { GRAINS, WEBHOOK_FORMATS } from '../../shared/constants.ts';
import { grainSchema, metricKeySchema } from '../metrics/schemas.ts';

/** Bounds on what an organization can ask the evaluator to do (checked when saved). */
export const MAX_RULES = 10_000;
const MAX_RECIPIENTS = 50;
export const MAX_CHANNELS = 50;

export const ruleIdSchema = z.uuid('Rule id must be a UUID');
export const eventIdSchema = z.uuid('Alert id must be a UUID');
export const acknowledgeInput = z.object({ eventId: eventIdSchema });
export const unmuteInput = z.object({ ruleId: ruleIdSchema });
export const channelIdSchema = z.uuid('Channel id must be a UUID');
const membershipIdSchema = z.uuid('A member recipient must be a membership id');

const nameSchema = z
  .string({ error: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(100, 'Name is at most 100 characters');

const clockSchema = z
  .string({ error: 'A time is HH:MM' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time is HH:MM (00:00 to 23:59)');

export const quietHoursSchema = z
  .object({ start: clockSchema, end: clockSchema })
  .refine((q) => q.start !== q.end, { message: 'Quiet hours start and end at different times', path: ['end'] });

const recipientsSchema = z
  .object({
    members: z.array(membershipIdSchema).max(MAX_RECIPIENTS, `At most ${MAX_RECIPIENTS} members`).default([]),
    channels: z.array(channelIdSchema).max(MAX_RECIPIENTS, `At most ${MAX_RECIPIENTS} channels`).default([]),
  })
  .refine((r) => new Set(r.members).size === r.members.length && new Set(r.channels).size === r.channels.length, {
    message: 'Each recipient appears once',
  });

const ruleFields = {
  name: nameSchema,
  metricKey: metricKeySchema,
  grain: grainSchema,
  condition: conditionSchema,
  recipients: recipientsSchema.default({ members: [], channels: [] }),
  quietHours: quietHoursSchema.nullable().default(null),
  cooldownMinutes: z
    .number({ error: 'The cool-down is a whole number of minutes' })
    .int('The cool-down is a whole number of minutes')
    .min(0, 'The cool-down cannot be negative')
    .max(43_200, 'The cool-down is at most 30 days (43,200 minutes)')
    .default(0),
};

export const createRuleInput = z.object(ruleFields);
export const updateRuleInput = z.object({ id: ruleIdSchema, ...ruleFields });
export const previewInput = z.object({ metricKey: metricKeySchema, grain: grainSchema, condition: conditionSchema });

export const channelInput = z.object({
  name: nameSchema,
  url: z
    .string({ error: 'URL is required' })
    .trim()
    .min(1, 'URL is required')
    .max(2000, 'A URL is at most 2000 characters'),
  format: z.enum(WEBHOOK_FORMATS, { error: 'Format is json or slack' }).default('json'),
});

const periodOutput = z.object({
  grain: z.enum(GRAINS),
  start: z.string(),
  end: z.string(),
  label: z.string(),
  partial: z.boolean(),
});

/** The stored explanation, as every page shows it. */
export const explanationOutput = z.object({
  summary: z.string(),
  rule: z.object({ id: z.string(), name: z.string(), kind: z.enum(RULE_KINDS), condition: z.string() }),
  metric: z.object({ key: z.string(), name: z.string() }),
  period: periodOutput.nullable(),
  value: z.number().nullable(),
  valueText: z.string(),
  comparedWith: z.object({ label: z.string(), value: z.number().nullable(), text: z.string() }).nullable(),
  band: z
    .object({ low: z.number(), high: z.number(), median: z.number(), mad: z.number(), periods: z.number() })
    .optional(),
  link: z.string(),
});

export const ruleSummaryOutput = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(RULE_KINDS),
  grain: z.enum(GRAINS),
  metricKey: z.string(),
  metricName: z.string(),
  conditionText: z.string(),
  paused: z.boolean(),
  openEvents: z.number(),
  lastFiredAt: z.date().nullable(),
  recipients: z.number(),
  /** The caller's own mute of this rule: null, until a time (snoozed) or forever (until null). */
  myMute: z.object({ until: z.date().nullable() }).nullable(),
});

export const deliveryOutput = z.object({
  id: z.string(),
  channel: z.enum(['in_app', 'email', 'webhook']),
  recipient: z.string(),
  status: z.enum(['pending', 'delivered', 'queued', 'failed', 'skipped']),
  detail: z.string().nullable(),
  attempts: z.number(),
  responseCode: z.number().nullable(),
  nextAttemptAt: z.date().nullable(),
  lastAttemptAt: z.date().nullable(),
  deliveredAt: z.date().nullable(),
});

export const eventOutput = z.object({
  id: z.string(),
  ruleId: z.string(),
  occurrence: z.string(),
  state: z.enum(['firing', 'acknowledged', 'resolved']),
  firedAt: z.date(),
  notified: z.boolean(),
  explanation: explanationOutput,
  acknowledgedAt: z.date().nullable(),
  acknowledgedBy: z.string().nullable(),
  resolvedAt: z.date().nullable(),
  resolution: z.string().nullable(),
});

export const channelOutput = z.object({
  id: z.string(),
  name: z.string(),
  urlDisplay: z.string(),
  format: z.enum(WEBHOOK_FORMATS),
  secretPrefix: z.string(),
  disabled: z.boolean(),
  rules: z.number(),
  createdAt: z.date(),
});

export const previewOutput = z.object({
  from: z.string(),
  to: z.string(),
  judged: z.number(),
  fired: z.array(
    z.object({
      start: z.string().nullable(),
      end: z.string().nullable(),
      label: z.string(),
      value: z.number().nullable(),
      summary: z.string(),
    }),
  ),
  note: z.string().nullable(),
});
