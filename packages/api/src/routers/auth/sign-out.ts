import { z } from 'zod';
import { publicProcedure } from '../../trpc.ts';

/** Ends the session server-side (the token is dead even if the cookie survives) and clears the cookie. */
export const signOut = publicProcedure.output(z.object({ signedOut: z.boolean() })).mutation(async ({ ctx }) => {
  ctx.resHeaders.append('Set-Cookie', ctx.auth.blankSessionCookie());
  if (!ctx.session || !ctx.user) return { signedOut: false };
  await ctx.auth.invalidateSession(ctx.session.id);
  await ctx.platform.securityEvent({ type: 'user', id: ctx.user.id, display: ctx.user.email }, ctx.request, {
    action: 'user.signed_out',
    target: { type: 'user', id: ctx.user.id, display: ctx.user.email },
  });
  return { signedOut: true };
});
