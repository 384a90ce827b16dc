/**
 * Every way a backup can be refused, with a message an operator can act on. Restore and verify
 * stop at the first one; nothing is written before the checks that can fail early have passed.
 */
export type BackupErrorCode =
  | 'KEY_MISSING'
  | 'KEY_WRONG'
  /** The organization was erased and its backup key with it: its backups are unreadable by design. */
  | 'KEY_DESTROYED'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_TAMPERED'
  | 'DATA_TAMPERED'
  | 'DATA_TRUNCATED'
  | 'CHECKSUM_MISMATCH'
  | 'SCHEMA_INCOMPATIBLE'
  | 'NOT_FOUND'
  | 'UNORDERED_TABLE'
  | 'NO_GRANT'
  | 'CONFLICT';

export class BackupError extends Error {
  override name = 'BackupError';
  constructor(
    readonly code: BackupErrorCode,
    message: string,
    opts: { cause?: unknown } = {},
  ) {
    super(message, opts);
  }
}
