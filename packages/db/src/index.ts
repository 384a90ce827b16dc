export {
  createDb,
  createStorePool,
  ACQUIRE_TIMEOUT_MESSAGE,
  POOL_DEFAULTS,
  type Database,
  type DbOptions,
} from './client.ts';
export {
  enterTenant,
  Rollback,
  TenantLockedError,
  TenantNotFoundError,
  withTenant,
  withNewTenant,
  withRequestTenant,
  withMemberTenant,
  withApiKeyTenant,
  withDataFormTenant,
  withShareLinkTenant,
  validateSession,
  type TenantDb,
  type TenantContext,
  type MemberTenant,
  type ApiKeyTenant,
  type ApiKeyEntry,
  type DataFormTenant,
  type ShareLinkTenant,
  type RequestEntry,
  type SessionRow,
  type SessionRules,
} from './tenant.ts';
export {
  outboxRow,
  redact,
  writePlatformAudit,
  writeTenantAudit,
  type OutboxActor,
  type OutboxEvent,
  type OutboxRequest,
} from './audit-outbox.ts';
export { withPendingDeletionTenant, type PendingDeletionTenant } from './lifecycle.ts';
export { migrate, pendingMigrations, readMigrations } from './migrate.ts';
export { poolEnvShape, poolOptions } from './pool-config.ts';
export { provisionRoles, roleUrl, ROLE_NAMES, ROLE_TIMEOUTS, RUNTIME_ROLES, type RolePasswords } from './roles.ts';
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
