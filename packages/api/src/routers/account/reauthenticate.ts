import { verifyPassword } from '@mfiq/auth';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { authedProcedure } from '../../trpc.ts';
import { hasTwoFactor, spendSecondFactor } from '../auth/second-factor.ts';
import { takeAttempt } from '../auth/sign-in.ts';
import { reauthenticateInput } from './schemas.ts';

/**
 * A fresh proof of identity on the current session (password, and a code when two-factor is on),
 * which sensitive changes require within the last 10 minutes. Throttled like sign-in.
 */
export const reauthenticate = authedProcedure
  .input(reauthenticateInput)
  .output(z.object({ authenticatedAt: z.date() }))
  .mutation(async ({ ctx, input }) => {
    await takeAttempt(ctx, ctx.user.email);
    const user = await ctx.platform.findUserById(ctx.user.id);
    const actor = { type: 'user' as const, id: ctx.user.id, display: ctx.user.email };
    const fail = async (field: 'password' | 'code', message: string) => {
      await ctx.platform.securityEvent(actor, ctx.request, {
        action: 'user.reauthenticated',
        outcome: 'failure',
        after: { reason: field },
      });
      return new AppError('INVALID', message, { fieldErrors: { [field]: [message] } });
    };
    if (!user || !(await verifyPassword(user.passwordHash, input.password)))
      throw await fail('password', 'The password is not correct.');
    if (await hasTwoFactor(ctx, ctx.user.id)) {
      if (!input.code)
        throw new AppError('INVALID', 'Enter the code from your authenticator app.', {
          fieldErrors: { code: ['Enter the code from your authenticator app.'] },
        });
      if (!(await spendSecondFactor(ctx, ctx.user.id, input.code))) throw await fail('code', 'That code is not valid.');
    }
    await ctx.throttle.succeeded({ email: ctx.user.email, ip: ctx.request.ip });
    const authenticatedAt = await ctx.auth.markAuthenticated(ctx.session.id);
    await ctx.platform.securityEvent(actor, ctx.request, {
      action: 'user.reauthenticated',
      target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
    });
    return { authenticatedAt };
  });
