export { loadConfig, buildCrontab, ConfigError, type WorkerConfig } from './config.ts';
export {
  startWorker,
  assertRuntimeRole,
  UnsafeRoleError,
  type StartWorkerOptions,
  type WorkerHandle,
} from './runner.ts';
export { createLogger, type Logger } from './logger.ts';
export { createTaskList } from './tasks/index.ts';
export { purgeExpiredSessions, PURGE_SESSIONS } from './tasks/purge-sessions.ts';
export { createMailer, sendPendingEmails, SEND_EMAILS, type Mailer, type OutgoingMail } from './tasks/send-emails.ts';
export { drainAll, drainTenantBatch, drainPlatformBatch, type DrainResult } from './audit/drain.ts';
export { applyRetention } from './audit/retention.ts';
