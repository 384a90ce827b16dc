// The worker's entry to CSV imports: the run itself and the job's identity.
export { runImport, type RunImportOptions, type RunOutcome } from './run.ts';
export { CSV_IMPORT_TASK, IMPORT_MAX_ATTEMPTS, IMPORT_MAX_ROWS } from './limits.ts';
export { storeUpload } from './storage.ts';
export { readHeader } from './csv.ts';
export { expireUnstartedUploads, EXPIRED_UPLOAD_MESSAGE, UNSTARTED_UPLOAD_MAX_AGE_DAYS } from './expire.ts';
