import { z } from 'zod';
import { createRuleInput, updateSettingsInput } from '@mfiq/api/shared';

/** Snooze choices the inbox offers; the server turns one into the procedure's "until" (no clock skew). */
export const SNOOZES = { '1h': 'for 1 hour', '4h': 'for 4 hours', '1d': 'for 1 day', '7d': 'for 1 week' } as const;
const SNOOZE_MS: Record<keyof typeof SNOOZES, number> = {
  '1h': 3_600_000,
  '4h': 4 * 3_600_000,
  '1d': 86_400_000,
  '7d': 7 * 86_400_000,
};

export const snoozeForm = z.object({
  ruleId: z.uuid('Rule id must be a UUID'),
  for: z.enum(Object.keys(SNOOZES) as [keyof typeof SNOOZES], { error: 'Choose how long to snooze' }),
});

export const snoozeUntil = (choice: keyof typeof SNOOZES, now = Date.now()) => new Date(now + SNOOZE_MS[choice]);

/** Empty quiet-hour inputs mean "no quiet hours" (the API's null), not two missing times. */
const blankToUndefined = (v: unknown) =>
  v && typeof v === 'object' && !Object.values(v).some(Boolean) ? undefined : v;

/**
 * The rule editor's form: the API's own rule input, plus the rule's id when editing, with blank
 * quiet hours read as none.
 */
export const ruleForm = createRuleInput.extend({
  id: z.uuid('Rule id must be a UUID').optional(),
  quietHours: z.preprocess(blankToUndefined, createRuleInput.shape.quietHours),
});

/** Which organization a form on /account/notifications is about (the procedure checks membership). */
const orgSlug = z.string({ error: 'Organization is missing' }).min(1, 'Organization is missing').max(100);

/**
 * One organization's settings on /account/notifications: the API's own input, for the organization
 * named by its slug, with an unticked box read as "off" (browsers send nothing for it).
 */
export const notificationSettingsForm = updateSettingsInput.extend({
  slug: orgSlug,
  emailAlerts: updateSettingsInput.shape.emailAlerts.default(false),
});

export const unmuteForm = z.object({ slug: orgSlug, ruleId: z.uuid('Rule id must be a UUID') });
