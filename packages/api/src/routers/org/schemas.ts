import { z } from 'zod';
import { supportedTimezones } from '../../shared/constants.ts';

const TIMEZONES = new Set(supportedTimezones());

export const timezoneSchema = z
  .string()
  .max(64, 'Timezone is at most 64 characters')
  .refine((tz) => TIMEZONES.has(tz), 'Choose a timezone from the list (for example Europe/Berlin)');

const weekStartSchema = z
  .number({ error: 'Week start must be a day number (0 = Sunday ... 6 = Saturday)' })
  .int('Week start must be a whole day number')
  .min(0, 'Week start is 0 (Sunday) to 6 (Saturday)')
  .max(6, 'Week start is 0 (Sunday) to 6 (Saturday)');

export const organizationOutput = z.object({
  slug: z.string(),
  name: z.string(),
  timezone: z.string(),
  weekStart: z.number().int(),
});

export const updateOrganizationInput = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100, 'Name is at most 100 characters'),
  timezone: timezoneSchema,
  weekStart: weekStartSchema,
});
