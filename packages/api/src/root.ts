import { createCallerFactory, router } from './trpc.ts';
import { authRouter } from './routers/auth/router.ts';
import { orgRouter } from './routers/org/router.ts';
import { backupsRouter } from './routers/backups/router.ts';

export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  backups: backupsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
