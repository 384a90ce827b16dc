import { createCallerFactory, router } from './trpc.ts';
import { authRouter } from './routers/auth/router.ts';
import { orgRouter } from './routers/org/router.ts';
import { contactRouter } from './routers/contact/router.ts';

export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  contact: contactRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
