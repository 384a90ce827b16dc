import { z } from 'zod';
import { publicFormProcedure } from '../../trpc.ts';
import { contactInput } from './schemas.ts';

/** Stores a message from the public contact form. No account, no tenant: a global table. */
export const submit = publicFormProcedure('contact')
  .input(contactInput)
  .output(z.object({ received: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    await ctx.platform.saveContactMessage(input, ctx.request);
    return { received: true as const };
  });
