/**
 * The one permission matrix: API guards, the UI and the authorization tests all read it.
 * Permissions are `area:verb`; a role has exactly the permissions listed for it.
 */
export const ROLES = ['owner', 'admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'org:read',
  'org:update',
  'org:delete',
  /** Change the organization's address (its slug); the old one redirects members for 30 days. */
  'org:slug',
  'members:read',
  'members:manage',
  'ownership:manage',
  'metrics:read',
  'metrics:write',
  'data:write',
  'dashboards:read',
  'dashboards:write',
  'forms:read',
  'forms:write',
  'alerts:manage',
  'apikeys:manage',
  'security:manage',
  'audit:read',
  'backups:manage',
  'data:export',
  /** See and set how long audit events, data points and backups are kept. */
  'retention:manage',
  /** Download the organization's security evidence pack. */
  'evidence:export',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const viewer = [
  'org:read',
  'members:read',
  'metrics:read',
  'dashboards:read',
  'forms:read',
] as const satisfies readonly Permission[];
const editor = [
  ...viewer,
  'metrics:write',
  'data:write',
  'dashboards:write',
  'forms:write',
  'alerts:manage',
] as const satisfies readonly Permission[];
const admin = [
  ...editor,
  'org:update',
  'members:manage',
  'apikeys:manage',
  'security:manage',
  'audit:read',
] as const satisfies readonly Permission[];
const owner = PERMISSIONS;

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = { owner, admin, editor, viewer };

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}

/** What an API key may be granted. A key acts for its organization with exactly these scopes. */
export const API_SCOPES = ['data:write', 'metrics:read'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
