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
import { networkHash } from '../../ip-network.ts';
import { retryMessage } from '../../throttle.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { signInInput, userOutput } from './schemas.ts';
import { hasTwoFactor } from './second-factor.ts';
import { startSession } from './session-cookie.ts';

const GENERIC_SIGN_IN_ERROR = 'Email or password is incorrect.';
const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * Takes this attempt from the sign-in budgets before any password or code is checked (a refusal
 * answers 429 with the wait, and is a security event). `unknownSource`: the account has never
 * signed in from this network, so the account-wide budget applies too.
 */
export async function takeAttempt(ctx: Context, email: string, opts: { unknownSource?: boolean } = {}): Promise<void> {
  const verdict = await ctx.throttle.attempt({ email, ip: ctx.request.ip, ...opts });
  if (verdict.ok) return;
  await ctx.platform.securityEvent({ type: 'anonymous', id: null, display: null }, ctx.request, {
    action: 'user.sign_in_throttled',
    outcome: 'failure',
    after: { email: email.slice(0, 254), retryAfterSeconds: verdict.retryAfter },
  });
  ctx.resHeaders.set('Retry-After', String(verdict.retryAfter));
  throw new AppError('RATE_LIMITED', retryMessage(verdict.retryAfter), { retryAfterSeconds: verdict.retryAfter });
}

export const signInOutput = z.discriminatedUnion('status', [
  z.object({ status: z.literal('signed_in'), user: userOutput }),
  z.object({ status: z.literal('two_factor_required'), challenge: z.string() }),
]);

/**
 * One answer for an unknown email, a wrong password and a disabled account, and the same work
 * (an argon2 verification) in each case, so sign-in does not reveal which accounts exist. Every
 * attempt is taken from the throttle's budgets before the password is verified (parallel requests
 * cannot race past them); a correct password gives it back. An account with two-factor gets a
 * short-lived challenge instead of a session; auth.signInTwoFactor completes it.
 */
export const signIn = publicFormProcedure('sign-in')
  .input(signInInput)
  .output(signInOutput)
  .mutation(async ({ ctx, input }) => {
    const user = await ctx.platform.findUserForSignIn(input.email, networkHash(ctx.request.ip));
    await takeAttempt(ctx, input.email, { unknownSource: !user?.knownSource });
    const ok = user
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyPasswordAgainstDummy(input.password);
    if (!user || !ok || user.disabledAt) {
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
    await ctx.throttle.succeeded({ email: input.email, ip: ctx.request.ip, unknownSource: !user.knownSource });
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
