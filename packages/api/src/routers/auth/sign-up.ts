import { generateOneTimeToken, oneTimeTokenHash } from '@mfiq/auth';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { mails } from '../../mail.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { signUpInput } from './schemas.ts';
import { link } from './session-cookie.ts';

const SIGNUP_TTL_MS = 24 * 60 * 60_000;

function slugify(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return base || 'org';
}

export async function chooseSlug(
  taken: (slug: string) => Promise<boolean>,
  requested: string | null | undefined,
  name: string,
): Promise<string> {
  if (requested) {
    if (await taken(requested)) {
      throw new AppError('CONFLICT', 'That organization address is taken.', {
        fieldErrors: { organizationSlug: ['This address is taken; choose another.'] },
      });
    }
    return requested;
  }
  const base = slugify(name);
  for (let n = 1; n <= 5; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await taken(candidate))) return candidate;
  }
  return `${base}-${randomUUID().slice(0, 6)}`;
}

/**
 * Sign-up never says whether an email has an account: it always answers "check your email". A new
 * address gets a confirmation link that completes the sign-up (auth.completeSignUp); an address that
 * already has an account gets a notice with links to sign in or reset the password instead. Both
 * paths write one row, so they also take about the same time.
 *
 * No password is taken here: whoever opens the link chooses it (auth.completeSignUp), so somebody
 * who signs up with another person's address cannot fix the password of the account that person
 * later confirms (account pre-hijacking). A newer request for the address withdraws older links.
 */
export const signUp = publicFormProcedure('sign-up')
  .input(signUpInput)
  .output(z.object({ status: z.literal('check_email'), email: z.string() }))
  .mutation(async ({ ctx, input }) => {
    // A taken organization address is public knowledge (it is in URLs); only emails stay private.
    if (input.organizationSlug && (await ctx.platform.slugTaken(input.organizationSlug))) {
      throw new AppError('CONFLICT', 'That organization address is taken.', {
        fieldErrors: { organizationSlug: ['This address is taken; choose another.'] },
      });
    }
    const existing = await ctx.platform.findUserByEmail(input.email);
    if (existing) {
      await ctx.platform.sendMail(
        mails.signupExisting(existing.email, {
          loginLink: link(ctx, '/login'),
          resetLink: link(ctx, '/forgot-password'),
        }),
      );
    } else {
      const token = generateOneTimeToken();
      await ctx.platform.createSignupRequest(
        {
          id: oneTimeTokenHash(token),
          email: input.email,
          displayName: input.displayName,
          organizationName: input.organizationName,
          organizationSlug: input.organizationSlug ?? null,
          expiresAt: new Date(ctx.auth.now().getTime() + SIGNUP_TTL_MS),
        },
        mails.signupConfirm(input.email, { link: link(ctx, `/signup/confirm/${token}`) }),
      );
    }
    await ctx.platform.securityEvent({ type: 'anonymous', id: null, display: null }, ctx.request, {
      action: 'user.sign_up_requested',
      after: { email: input.email, existingAccount: Boolean(existing) },
    });
    return { status: 'check_email' as const, email: input.email };
  });
