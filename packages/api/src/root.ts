import { createCallerFactory, router } from './trpc.ts';
import { accountRouter } from './routers/account/router.ts';
import { auditRouter } from './routers/audit/router.ts';
import { authRouter } from './routers/auth/router.ts';
import { invitationsRouter } from './routers/invitations/router.ts';
import { membersRouter } from './routers/members/router.ts';
import { orgRouter } from './routers/org/router.ts';
import { contactRouter } from './routers/contact/router.ts';
import { securityRouter } from './routers/security/router.ts';
import { metricsRouter } from './routers/metrics/router.ts';
import { pointsRouter } from './routers/points/router.ts';
import { targetsRouter } from './routers/targets/router.ts';
import { apiKeysRouter } from './routers/apiKeys/router.ts';
import { apiRouter } from './routers/api/router.ts';
import { dashboardsRouter } from './routers/dashboards/router.ts';
import { importsRouter } from './routers/imports/router.ts';
import { backupsRouter } from './routers/backups/router.ts';
import { formsRouter } from './routers/forms/router.ts';
import { annotationsRouter } from './routers/annotations/router.ts';
import { sharesRouter } from './routers/shares/router.ts';
import { alertsRouter } from './routers/alerts/router.ts';
import { notificationsRouter } from './routers/notifications/router.ts';

export const appRouter = router({
  auth: authRouter,
  account: accountRouter,
  org: orgRouter,
  contact: contactRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  security: securityRouter,
  metrics: metricsRouter,
  points: pointsRouter,
  targets: targetsRouter,
  apiKeys: apiKeysRouter,
  api: apiRouter,
  dashboards: dashboardsRouter,
  imports: importsRouter,
  audit: auditRouter,
  backups: backupsRouter,
  forms: formsRouter,
  annotations: annotationsRouter,
  shares: sharesRouter,
  alerts: alertsRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
