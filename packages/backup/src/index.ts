export { runBackup, type BackupOptions, type BackupProgress, type BackupResult } from './backup.ts';
export { readTenantTables, schemaVersion, EXCLUDED_TABLES, ROOT_TABLE, type TenantTable } from './catalog.ts';
export { BackupError, type BackupErrorCode } from './errors.ts';
export { drillBackup, type DrillMismatch, type DrillResult } from './drill.ts';
export { exportZip } from './export.ts';
export { generateKeyring, keyringSpec, parseKeyring, type Keyring } from './keyring.ts';
export { FORMAT, type Manifest } from './manifest.ts';
export { orgKeyForBackup, orgKeyForRestore, type BackupKeys } from './org-keys.ts';
export { pruneBackups } from './prune.ts';
export { openBackup, readBackupData, verifyBackup } from './reader.ts';
export {
  restoreBackup,
  type KeptDifferences,
  type RestoreOptions,
  type RestoreResult,
  type RestoreTarget,
} from './restore.ts';
export { TABLE_RULES, ruleFor, restoresRows, type TableRule } from './rules.ts';
export { effectiveRetention, isoWeek, selectRetained, type RetentionPolicy } from './retention.ts';
export { FsStorage, objectKeys, type BackupStorage, type StoredObject } from './storage.ts';
export { planRestore, SCHEMA_STEPS, type SchemaStep } from './transforms.ts';
export { backupEnvSchema, loadBackupSettings, type BackupSettings } from './config.ts';
