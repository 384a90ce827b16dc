import { z } from 'zod';
import { mails } from '../../mail.ts';
import { publicFormProcedure } from '../../trpc.ts';
import type { ContactAddresses } from '../../context.ts';
import { contactInput } from './schemas.ts';

/** Security and privacy messages go to the security contact; the rest to support, else security too. */
function contactFor(topic: string, contacts: ContactAddresses): string | null {
  if (topic === 'security' || topic === 'privacy') return contacts.security;
  return contacts.support ?? contacts.security;
}

/**
 * Stores a message from the public contact form (no account, no tenant: a global table) and, in the
 * same transaction, queues its forward to the configured contact, so a vulnerability report reaches
 * a person and not only a table (docs/decisions/0124-security-page-and-contact.md).
 */
export const submit = publicFormProcedure('contact')
  .input(contactInput)
  .output(z.object({ received: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const to = contactFor(input.topic, ctx.contacts);
    const forward = to
      ? [mails.contactMessage(to, { ...input, receivedAt: ctx.auth.now(), requestId: ctx.request.requestId })]
      : [];
    await ctx.platform.saveContactMessage(input, ctx.request, forward);
    return { received: true as const };
  });
