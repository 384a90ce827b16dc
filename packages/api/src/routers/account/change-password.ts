import { hashPassword, passwordPolicyError, verifyPassword } from '@mfiq/auth';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { mails } from '../../mail.ts';
import { recentAuthProcedure } from '../../trpc.ts';
import { takeAttempt } from '../auth/sign-in.ts';
import { changePasswordInput } from './schemas.ts';

/**
 * Asks the current password (and a recent sign-in), sets the new one, ends every other session and
 * withdraws any outstanding reset link (setPassword).
 */
export const changePassword = recentAuthProcedure
  .input(changePasswordInput)
  .output(z.object({ otherSessionsEnded: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    await takeAttempt(ctx, ctx.user.email);
    const user = await ctx.platform.findUserById(ctx.user.id);
    if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new AppError('INVALID', 'The current password is not correct.', {
        fieldErrors: { currentPassword: ['The current password is not correct.'] },
      });
    }
    await ctx.throttle.succeeded({ email: user.email, ip: ctx.request.ip });
    const policy = passwordPolicyError(input.newPassword, { email: user.email });
    if (policy) throw new AppError('INVALID', policy, { fieldErrors: { newPassword: [policy] } });
    await ctx.platform.setPassword(user.id, await hashPassword(input.newPassword));
    await ctx.auth.invalidateUserSessions(user.id, { exceptSessionId: ctx.session.id });
    await ctx.platform.sendMail(mails.passwordChanged(user.email, { how: 'changed' }));
    await ctx.platform.securityEvent({ type: 'user', id: user.id, display: user.email }, ctx.request, {
      action: 'user.password_changed',
      target: { type: 'user', id: user.id, display: user.email },
    });
    return { otherSessionsEnded: true as const };
  });
