import { z } from 'zod';

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
