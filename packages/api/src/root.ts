import { createCallerFactory, router } from './trpc.ts';
import { auditRouter } from './routers/audit/router.ts';
import { authRouter } from './routers/auth/router.ts';
import { orgRouter } from './routers/org/router.ts';

export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
