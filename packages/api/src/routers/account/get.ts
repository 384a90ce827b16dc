import { z } from 'zod';
import { authedProcedure, REAUTH_WINDOW_MS } from '../../trpc.ts';
import { deviceLabel } from './device.ts';
import { sessionOutput } from './schemas.ts';

/** The account page: own sessions, two-factor state, and whether a sensitive change needs a re-auth. */
export const get = authedProcedure
  .output(
    z.object({
      user: z.object({ email: z.string(), displayName: z.string() }),
      twoFactor: z.object({ enabled: z.boolean(), recoveryCodesLeft: z.number().int() }),
      recentlyAuthenticated: z.boolean(),
      sessions: z.array(sessionOutput),
    }),
  )
  .query(async ({ ctx }) => {
    const [sessions, tf, left] = await Promise.all([
      ctx.auth.listUserSessions(ctx.user.id),
      ctx.platform.twoFactorOf(ctx.user.id),
      ctx.platform.recoveryCodesLeft(ctx.user.id),
    ]);
    return {
      user: { email: ctx.user.email, displayName: ctx.user.displayName },
      twoFactor: { enabled: Boolean(tf?.enabledAt), recoveryCodesLeft: tf?.enabledAt ? left : 0 },
      recentlyAuthenticated: ctx.auth.now().getTime() - ctx.session.authenticatedAt.getTime() <= REAUTH_WINDOW_MS,
      sessions: sessions.map((s) => ({
        id: s.id,
        current: s.id === ctx.session.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        ip: s.ip,
        userAgent: s.userAgent,
        device: deviceLabel(s.userAgent),
      })),
    };
  });
