import { createCallerFactory, router } from './trpc.ts';
import { authRouter } from './routers/auth/router.ts';
import { orgRouter } from './routers/org/router.ts';

export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
