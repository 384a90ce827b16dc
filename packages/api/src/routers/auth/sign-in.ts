import { passwordNeedsRehash, hashPassword, verifyPassword, verifyPasswordAgainstDummy } from '@mfiq/auth';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { publicFormProcedure } from '../../trpc.ts';
import { signInInput, userOutput } from './schemas.ts';
import { startSession } from './session-cookie.ts';

const GENERIC = 'Email or password is incorrect.';

/**
 * One answer for an unknown email, a wrong password and a disabled account, and the same work
 * (an argon2 verification) in each case, so sign-in does not reveal which accounts exist.
 */
export const signIn = publicFormProcedure
  .input(signInInput)
  .output(z.object({ user: userOutput }))
  .mutation(async ({ ctx, input }) => {
    const user = await ctx.platform.findUserByEmail(input.email);
    const ok = user ? await verifyPassword(user.passwordHash, input.password) : await verifyPasswordAgainstDummy(input.password);
    if (!user || !ok || user.disabledAt) {
      await ctx.platform.securityEvent(
        user ? { type: 'user', id: user.id, display: user.email } : { type: 'anonymous', id: null, display: null },
        ctx.request,
        { action: 'user.sign_in_failed', outcome: 'failure', after: { email: input.email.slice(0, 254), reason: !user ? 'unknown_email' : user.disabledAt ? 'disabled' : 'wrong_password' } },
      );
      throw new AppError('UNAUTHENTICATED', GENERIC);
    }
    if (passwordNeedsRehash(user.passwordHash)) await ctx.platform.updatePasswordHash(user.id, await hashPassword(input.password));
    await startSession(ctx, user, 'user.signed_in');
    return { user: { id: user.id, email: user.email, displayName: user.displayName } };
  });
