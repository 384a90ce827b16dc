export { createDb, type Database, type DbOptions } from './client.ts';
export { withTenant, withMemberTenant, withApiKeyTenant, type TenantDb, type TenantContext, type MemberTenant, type ApiKeyTenant } from './tenant.ts';
export { migrate, pendingMigrations, readMigrations } from './migrate.ts';
export { provisionRoles, roleUrl, ROLE_NAMES, type RolePasswords } from './roles.ts';
export type * from './generated/db.ts';
export { sql } from 'kysely';
