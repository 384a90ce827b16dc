import { z } from 'zod';
import { MAX_POINTS_PER_BATCH, timestampSchema, valueSchema, writeResultOutput } from '../points/schemas.ts';

/** The push API's request and response: the tRPC procedure and the HTTP route share them, and the OpenAPI document is generated from them. */
export const pushInput = z.object({
  points: z
    .array(
      z.object({
        metric: z
          .string({ error: 'metric (a metric key) is required' })
          .max(200, 'metric is at most 200 characters')
          .meta({ description: 'The metric key', example: 'revenue' }),
        ts: timestampSchema.meta({
          description: 'ISO 8601 timestamp with a timezone offset',
          example: '2024-03-01T00:00:00Z',
        }),
        value: valueSchema.meta({ description: 'A finite number, |value| <= 1e15', example: 1250.5 }),
      }),
    )
    .min(1, 'Send at least one point')
    .max(MAX_POINTS_PER_BATCH, `At most ${MAX_POINTS_PER_BATCH} points per batch`),
  idempotencyKey: z
    .string()
    .min(1, 'idempotencyKey must not be empty')
    .max(200, 'idempotencyKey is at most 200 characters')
    .optional()
    .meta({ description: 'A retried batch with the same key (within 7 days) is a no-op and returns the first result' }),
});

export const pushOutput = writeResultOutput.extend({
  replayed: z
    .boolean()
    .meta({ description: 'True when this is the stored result of an earlier batch with the same idempotency key' }),
});
