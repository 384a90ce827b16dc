// The package's public face for clients: types only, so importing it never pulls server code.
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './root.ts';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type { Permission, Role } from './permissions.ts';
export { can, permissionsOf, PERMISSIONS, ROLES, ROLE_PERMISSIONS } from './permissions.ts';
export { AUDIT_ACTIONS, type AuditAction } from './audit-actions.ts';
