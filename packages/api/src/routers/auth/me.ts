import { z } from 'zod';
import { authedProcedure } from '../../trpc.ts';
import { userOutput } from './schemas.ts';

export const me = authedProcedure
  .output(z.object({ user: userOutput, session: z.object({ expiresAt: z.date(), absoluteExpiresAt: z.date() }) }))
  .query(({ ctx }) => ({
    user: { id: ctx.user.id, email: ctx.user.email, displayName: ctx.user.displayName },
    session: { expiresAt: ctx.session.expiresAt, absoluteExpiresAt: ctx.session.absoluteExpiresAt },
  }));
