import { z } from 'zod';

export const updatePolicyInput = z.object({
  requireTwoFactor: z.boolean({ error: 'Require two-factor is on or off' }),
  // Stricter than the defaults only (2 h idle, 7 days absolute): a policy never lengthens sessions.
  sessionIdleMinutes: z
    .number({ error: 'Idle limit is a number of minutes' })
    .int('Idle limit is whole minutes')
    .min(5, 'Idle limit is at least 5 minutes')
    .max(120, 'Idle limit is at most 120 minutes (the default)')
    .nullable(),
  sessionAbsoluteHours: z
    .number({ error: 'Session lifetime is a number of hours' })
    .int('Session lifetime is whole hours')
    .min(1, 'Session lifetime is at least 1 hour')
    .max(168, 'Session lifetime is at most 168 hours (the default)')
    .nullable(),
});
