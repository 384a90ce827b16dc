import { z } from 'zod';
import { publicProcedure } from '../../trpc.ts';

/** Ends the session server-side (the token is dead even if the cookie survives) and clears the cookie. */
export const signOut = publicProcedure.output(z.object({ signedOut: z.boolean() })).mutation(async ({ ctx }) => {
  ctx.resHeaders.append('Set-Cookie', ctx.auth.blankSessionCookie());
  const signedIn = await ctx.sessionSlot.get();
  if (!signedIn) return { signedOut: false };
  const { session, user } = signedIn;
  await ctx.auth.invalidateSession(session.id);
  await ctx.platform.securityEvent({ type: 'user', id: user.id, display: user.email }, ctx.request, {
    action: 'user.signed_out',
    target: { type: 'user', id: user.id, display: user.email },
  });
  return { signedOut: true };
});
