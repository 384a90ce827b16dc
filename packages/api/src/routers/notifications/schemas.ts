import { z } from 'zod';
import { eventOutput } from '../alerts/schemas.ts';

export const DIGESTS = ['off', 'daily', 'weekly'] as const;
export const notificationIdSchema = z.uuid('Notification id must be a UUID');

export const inboxItemOutput = z.object({
  id: z.string(),
  createdAt: z.date(),
  readAt: z.date().nullable(),
  event: eventOutput,
  /** The reader's own mute of the rule, so the inbox can offer "unmute". */
  myMute: z.object({ until: z.date().nullable() }).nullable(),
});

export const updateSettingsInput = z.object({
  emailAlerts: z.boolean({ error: 'Alert mail is on or off' }),
  digest: z.enum(DIGESTS, { error: 'The digest is off, daily or weekly' }),
});

/** At most this many of a member's muted rules are listed (a member could mute every rule). */
export const MUTES_LISTED = 200;

export const settingsOutput = z.object({
  emailAlerts: z.boolean(),
  digest: z.enum(DIGESTS),
  following: z.array(z.object({ key: z.string(), name: z.string() })),
  owned: z.array(z.object({ key: z.string(), name: z.string() })),
  /** The rules the caller muted or snoozed (still in force), so they can unmute them. */
  mutes: z.array(
    z.object({
      ruleId: z.string(),
      ruleName: z.string(),
      metricName: z.string(),
      until: z.date().nullable(),
    }),
  ),
  mutedCount: z.number(),
});
