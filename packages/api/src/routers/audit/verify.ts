import { verifyTenantChain } from '@mfiq/db';
import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';

/**
 * Verifies the organization's chain for the audit page's badge. The web holds no checkpoint key,
 * so a retention checkpoint's signature is reported as unchecked (the operator CLI checks it).
 */
export const verify = tenantProcedure
  .meta(requirePermission('audit:read'))
  .output(
    z.discriminatedUnion('status', [
      z.object({
        status: z.literal('verified'),
        events: z.number(),
        fromSequence: z.number(),
        lastSequence: z.number(),
        checkpoint: z.enum(['none', 'valid', 'unchecked']),
      }),
      z.object({
        status: z.literal('broken'),
        sequence: z.number(),
        reason: z.string(),
        events: z.number(),
        checkpoint: z.enum(['none', 'valid', 'unchecked']),
      }),
    ]),
  )
  .query(({ ctx }) => verifyTenantChain(ctx.db));
