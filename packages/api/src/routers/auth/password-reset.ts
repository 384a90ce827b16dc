import { generateOneTimeToken, hashPassword, oneTimeTokenHash, passwordPolicyError } from '@mfiq/auth';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { mails } from '../../mail.ts';
import { retryMessage } from '../../throttle.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { requestResetInput, resetPasswordInput } from './schemas.ts';
import { link } from './session-cookie.ts';

const RESET_TTL_MS = 30 * 60_000;

/**
 * Always the same answer, whether or not the address has an account. Requests count toward the
 * sign-in throttle of (email, IP) and IP, so the form cannot be used to flood a mailbox.
 */
export const requestPasswordReset = publicFormProcedure('forgot-password')
  .input(requestResetInput)
  .output(z.object({ status: z.literal('check_email') }))
  .mutation(async ({ ctx, input }) => {
    // Taken before anything else and never given back: each request may send a mail.
    const verdict = await ctx.throttle.attempt({ email: input.email, ip: ctx.request.ip });
    if (!verdict.ok) {
      ctx.resHeaders.set('Retry-After', String(verdict.retryAfter));
      throw new AppError('RATE_LIMITED', retryMessage(verdict.retryAfter), {
        retryAfterSeconds: verdict.retryAfter,
      });
    }
    const user = await ctx.platform.findUserByEmail(input.email);
    if (user && !user.disabledAt) {
      const token = generateOneTimeToken();
      await ctx.platform.createResetToken(
        oneTimeTokenHash(token),
        user.id,
        new Date(ctx.auth.now().getTime() + RESET_TTL_MS),
        mails.passwordReset(user.email, { link: link(ctx, `/reset-password/${token}`) }),
      );
    }
    await ctx.platform.securityEvent(
      user ? { type: 'user', id: user.id, display: user.email } : { type: 'anonymous', id: null, display: null },
      ctx.request,
      {
        action: 'user.password_reset_requested',
        after: { email: input.email, knownAccount: Boolean(user) },
      },
    );
    return { status: 'check_email' as const };
  });

/**
 * Sets a new password from a reset link (30 minutes, once), ends every session of the user and
 * withdraws the user's other reset links (so does a password change). It does not sign in: the next sign-in still asks for the second factor, so a reset never bypasses it.
 */
export const resetPassword = publicFormProcedure('reset-password')
  .input(resetPasswordInput)
  .output(z.object({ status: z.literal('password_reset') }))
  .mutation(async ({ ctx, input }) => {
    const id = oneTimeTokenHash(input.token);
    const gone = () =>
      new AppError(
        'NOT_FOUND',
        'This reset link is not valid any more (links work once, for 30 minutes). Ask for a new one.',
      );
    const pending = await ctx.platform.findResetToken(id, ctx.auth.now());
    const user = pending ? await ctx.platform.findUserById(pending.userId) : undefined;
    if (!user) throw gone();
    // The policy is checked before the link is spent, so a refused password leaves it usable.
    const policy = passwordPolicyError(input.password, { email: user.email });
    if (policy) throw new AppError('INVALID', policy, { fieldErrors: { password: [policy] } });
    // Spending the link, setting the password and withdrawing the user's other links are one
    // transaction: of two links used at once, one wins and the other is refused.
    const passwordHash = await hashPassword(input.password);
    if (!(await ctx.platform.resetPasswordWithToken(id, ctx.auth.now(), passwordHash))) throw gone();
    await ctx.auth.invalidateUserSessions(user.id);
    await ctx.throttle.succeeded({ email: user.email, ip: ctx.request.ip });
    await ctx.platform.sendMail(mails.passwordChanged(user.email, { how: 'reset' }));
    await ctx.platform.securityEvent({ type: 'user', id: user.id, display: user.email }, ctx.request, {
      action: 'user.password_reset',
      target: { type: 'user', id: user.id, display: user.email },
    });
    return { status: 'password_reset' as const };
  });
