import { z } from 'zod';

export const MAX_POINTS_PER_BATCH = 1000;

const pointErrorOutput = z.object({ index: z.number(), code: z.string(), message: z.string() });
export const writeResultOutput = z.object({
  received: z.number(),
  written: z.number(),
  rejected: z.number(),
  errors: z.array(pointErrorOutput),
});

/** Timestamps are checked point by point (format, offset, range) so one bad row is reported, not fatal. */
export const timestampSchema = z
  .string({ error: 'ts must be an ISO 8601 timestamp string' })
  .max(64, 'ts is at most 64 characters');
export const valueSchema = z.number({ error: 'value must be a finite number' });
