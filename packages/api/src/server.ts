// Server-only entry: the router, the context factory and the in-process caller.
export { appRouter, createCaller, type AppRouter } from './root.ts';
export {
  createContextFactory,
  lazyRequestLogger,
  type ApiDeps,
  type Context,
  type CreateContextOptions,
  type ProcedureObserver,
} from './context.ts';
export { AppError } from './errors.ts';
export { can, permissionsOf, PERMISSIONS, ROLES, ROLE_PERMISSIONS, type Permission, type Role } from './permissions.ts';
export { ORGANIZATION_LOCKED } from './messages.ts';
export { createRestHandler, REST_BODY_LIMIT_BYTES } from './http/rest.ts';
export { openApiDocument } from './http/openapi.ts';
export { DEFAULT_API_KEY_LIMIT, type RateLimit } from './rate-limit.ts';
export { issueFormPass, PUBLIC_FORM_IDS, type FormPass, type PublicFormId } from './form-pass.ts';
export { upgradeRecoveryCodes } from './recovery-codes.ts';
