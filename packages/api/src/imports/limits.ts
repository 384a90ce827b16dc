/** The bounds of a CSV import (docs/decisions/0070-csv-import-storage.md). */
export const IMPORT_MAX_ROWS = 1_000_000;
/** The default upload limit; the web server passes its configured value in ApiDeps. */
export const DEFAULT_IMPORT_MAX_BYTES = 100 * 1024 * 1024;
/** Uploaded bytes are stored in chunks of this size. */
export const CHUNK_BYTES = 1024 * 1024;
/** Rows per write transaction in the worker: one unnest upsert, its rollup refresh and a progress update. */
export const IMPORT_BATCH_ROWS = 10_000;
/** Rejected rows kept for display and download; more are counted but not stored. */
export const MAX_STORED_ERRORS = 10_000;
export const PREVIEW_ROWS = 20;
export const MAX_COLUMNS = 200;
/** A CSV record longer than this is malformed (an unclosed quote swallowing the file, most likely). */
export const MAX_RECORD_BYTES = 64 * 1024;

/** The worker task that runs an import, and how often a crashed run is retried. */
export const CSV_IMPORT_TASK = 'csv_import';
export const IMPORT_MAX_ATTEMPTS = 3;

/**
 * Per-organization bounds on what imports hold (docs/decisions/0091-import-quotas.md): uploads
 * streaming at once (each holds a database connection while its bytes arrive), imports waiting or
 * running, and bytes of uploaded files kept until their import has run.
 */
export interface ImportQuotas {
  maxUploads: number;
  maxQueued: number;
  storageBytes: number;
}
export const DEFAULT_IMPORT_QUOTAS: ImportQuotas = {
  maxUploads: 2,
  maxQueued: 3,
  storageBytes: 1000 * 1024 * 1024,
};
