import {
  generateOneTimeToken,
  hashPassword,
  oneTimeTokenHash,
  passwordNeedsRehash,
  verifyPassword,
  verifyPasswordAgainstDummy,
} from '@mfiq/auth';
import { z } from 'zod';
import type { Context } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { retryMessage } from '../../throttle.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { signInInput, userOutput } from './schemas.ts';
import { hasTwoFactor } from './second-factor.ts';
import { startSession } from './session-cookie.ts';

const GENERIC_SIGN_IN_ERROR = 'Email or password is incorrect.';
const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * Refuses a throttled (email, IP) before any password work; the answer says when to retry.
 * Returns whether failures are on record, which a success then clears.
 */
export async function assertNotThrottled(ctx: Context, email: string): Promise<{ hasFailures: boolean }> {
  const { retryAfter: wait, hasFailures } = await ctx.throttle.check(email, ctx.request.ip);
  if (wait === null) return { hasFailures };
  await ctx.platform.securityEvent({ type: 'anonymous', id: null, display: null }, ctx.request, {
    action: 'user.sign_in_throttled',
    outcome: 'failure',
    after: { email: email.slice(0, 254), retryAfterSeconds: wait },
  });
  ctx.resHeaders.set('Retry-After', String(wait));
  throw new AppError('RATE_LIMITED', retryMessage(wait), { retryAfterSeconds: wait });
}

export const signInOutput = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed_in'), user: userOutput }),
  z.object({ status: z.literal('two_factor_required'), challenge: z.string() }),
]);

/**
 * One answer for an unknown email, a wrong password and a disabled account, and the same work
 * (an argon2 verification) in each case, so sign-in does not reveal which accounts exist. Failures
 * count toward the throttle per account+IP and per IP. An account with two-factor gets a
 * short-lived challenge instead of a session; auth.signInTwoFactor completes it.
 */
export const signIn = publicFormProcedure('sign-in')
  .input(signInInput)
  .output(signInOutput)
  .mutation(async ({ ctx, input }) => {
    // The throttle check and the lookup are independent: one round trip of waiting, not two.
    const [{ hasFailures }, user] = await Promise.all([
      assertNotThrottled(ctx, input.email),
      ctx.platform.findUserByEmail(input.email),
    ]);
    const ok = user
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyPasswordAgainstDummy(input.password);
    if (!user || !ok || user.disabledAt) {
      await ctx.throttle.recordFailure(input.email, ctx.request.ip);
      await ctx.platform.securityEvent(
        user ? { type: 'user', id: user.id, display: user.email } : { type: 'anonymous', id: null, display: null },
        ctx.request,
        {
          action: 'user.sign_in_failed',
          outcome: 'failure',
          after: {
            email: input.email.slice(0, 254),
            reason: !user ? 'unknown_email' : user.disabledAt ? 'disabled' : 'wrong_password',
          },
        },
      );
      throw new AppError('UNAUTHENTICATED', GENERIC_SIGN_IN_ERROR);
    }
    if (hasFailures) await ctx.throttle.recordSuccess(input.email, ctx.request.ip);
    if (passwordNeedsRehash(user.passwordHash))
      await ctx.platform.updatePasswordHash(user.id, await hashPassword(input.password));
    if (await hasTwoFactor(ctx, user.id)) {
      const challenge = generateOneTimeToken();
      await ctx.platform.createChallenge(
        oneTimeTokenHash(challenge),
        user.id,
        new Date(ctx.auth.now().getTime() + CHALLENGE_TTL_MS),
      );
      return { status: 'two_factor_required' as const, challenge };
    }
    await startSession(ctx, user, 'user.signed_in');
    return { status: 'signed_in' as const, user: { id: user.id, email: user.email, displayName: user.displayName } };
  });
