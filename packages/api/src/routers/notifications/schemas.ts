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

export const settingsOutput = z.object({
  emailAlerts: z.boolean(),
  digest: z.enum(DIGESTS),
  following: z.array(z.object({ key: z.string(), name: z.string() })),
  owned: z.array(z.object({ key: z.string(), name: z.string() })),
});
