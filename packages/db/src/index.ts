export { createDb, type Database, type DbOptions } from './client.ts';
export {
  withTenant,
  withMemberTenant,
  withApiKeyTenant,
  withDataFormTenant,
  type TenantDb,
  type TenantContext,
  type MemberTenant,
  type ApiKeyTenant,
  type DataFormTenant,
} from './tenant.ts';
export { withPendingDeletionTenant, type PendingDeletionTenant } from './lifecycle.ts';
export { migrate, pendingMigrations, readMigrations } from './migrate.ts';
export { provisionRoles, roleUrl, ROLE_NAMES, RUNTIME_ROLES, type RolePasswords } from './roles.ts';
export type * from './generated/db.ts';
export { sql } from 'kysely';
export {
  canonicalJson,
  chainHash,
  ChainVerifier,
  GENESIS_HASH,
  utcText,
  signCheckpoint,
  checkpointValid,
  checkpointMessage,
  keyId,
  type ChainEvent,
  type ChainStart,
  type StoredChainRow,
  type VerifyFailure,
} from './audit-chain.ts';
export { verifyTenantChain, chainColumns, type ChainStatus, type CheckpointState } from './audit-verify.ts';
