import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { authedProcedure } from '../../trpc.ts';
import { revokeSessionInput } from './schemas.ts';

/** Ends one of the caller's other sessions (sign out that device). Another user's id is "not found". */
export const revokeSession = authedProcedure
  .input(revokeSessionInput)
  .output(z.object({ revoked: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    if (input.sessionId === ctx.session.id)
      throw new AppError('INVALID', 'This is the session you are using; sign out instead.');
    const own = (await ctx.auth.listUserSessions(ctx.user.id)).some((s) => s.id === input.sessionId);
    if (!own) throw new AppError('NOT_FOUND', 'Session not found (it may have ended already).');
    await ctx.auth.invalidateSession(input.sessionId);
    await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
      action: 'session.revoked',
      target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
      after: { scope: 'one' },
    });
    return { revoked: true as const };
  });

/** Ends every session of the caller except this one. */
export const revokeOtherSessions = authedProcedure
  .output(z.object({ revoked: z.number().int() }))
  .mutation(async ({ ctx }) => {
    const others = (await ctx.auth.listUserSessions(ctx.user.id)).filter((s) => s.id !== ctx.session.id).length;
    await ctx.auth.invalidateUserSessions(ctx.user.id, { exceptSessionId: ctx.session.id });
    await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
      action: 'session.revoked',
      target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
      after: { scope: 'others', count: others },
    });
    return { revoked: others };
  });
