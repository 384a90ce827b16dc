import { oneTimeTokenHash } from '@mfiq/auth';
import { AppError } from '../../errors.ts';
import { publicProcedure } from '../../trpc.ts';
import { twoFactorSignInInput } from './schemas.ts';
import { spendSecondFactor } from './second-factor.ts';
import { startSession } from './session-cookie.ts';
import { signInOutput, takeAttempt } from './sign-in.ts';

const MAX_ATTEMPTS = 5;

/**
 * The second step of a sign-in: the challenge from auth.signIn plus a TOTP code or a recovery code.
 * A challenge lives 5 minutes and allows 5 attempts; each attempt is also taken from the throttle first.
 */
export const signInTwoFactor = publicProcedure
  .input(twoFactorSignInInput)
  .output(signInOutput)
  .mutation(async ({ ctx, input }) => {
    const id = oneTimeTokenHash(input.challenge);
    const challenge = await ctx.platform.attemptChallenge(id, ctx.auth.now(), MAX_ATTEMPTS);
    if (!challenge) throw new AppError('UNAUTHENTICATED', 'This sign-in has expired. Sign in again.');
    const user = await ctx.platform.findUserById(challenge.userId);
    if (!user || user.disabledAt) throw new AppError('UNAUTHENTICATED', 'This sign-in has expired. Sign in again.');
    await takeAttempt(ctx, user.email);
    const factor = await spendSecondFactor(ctx, user.id, input.code);
    const actor = { type: 'user' as const, id: user.id, display: user.email };
    if (!factor) {
      await ctx.platform.securityEvent(actor, ctx.request, {
        action: 'user.two_factor_failed',
        outcome: 'failure',
        target: { type: 'user', id: user.id, display: user.email },
      });
      throw new AppError(
        'UNAUTHENTICATED',
        'That code is not valid. Use the current code from your app or an unused recovery code.',
        {
          fieldErrors: { code: ['That code is not valid.'] },
        },
      );
    }
    await ctx.platform.deleteChallenge(id);
    await ctx.throttle.succeeded({ email: user.email, ip: ctx.request.ip });
    if (factor === 'recovery_code') {
      await ctx.platform.securityEvent(actor, ctx.request, {
        action: 'user.recovery_code_used',
        target: { type: 'user', id: user.id, display: user.email },
      });
    }
    await startSession(ctx, user, 'user.signed_in', { secondFactor: factor });
    return { status: 'signed_in' as const, user: { id: user.id, email: user.email, displayName: user.displayName } };
  });
