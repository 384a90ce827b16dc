// Server-only entry: the router, the context factory and the in-process caller.
export { appRouter, createCaller, type AppRouter } from './root.ts';
export { createContextFactory, type ApiDeps, type Context, type CreateContextOptions, type ProcedureObserver } from './context.ts';
export { AppError } from './errors.ts';
export { can, permissionsOf, PERMISSIONS, ROLES, ROLE_PERMISSIONS, type Permission, type Role } from './permissions.ts';
export { ORGANIZATION_LOCKED } from './trpc.ts';
