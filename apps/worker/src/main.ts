// Entry point: `node --import tsx apps/worker/src/main.ts` (or `pnpm --filter @mfiq/worker start`).
import { createSecretBox } from '@mfiq/auth';
import { FsStorage, loadBackupSettings, type BackupSettings } from '@mfiq/backup';
import { ConfigError, loadConfig, type WorkerConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { startWorker, type WorkerHandle } from './runner.ts';
import { createMailer } from './tasks/send-emails.ts';

/** Jobs get this long to finish after SIGTERM/SIGINT before the process exits anyway. */
const STOP_TIMEOUT_MS = 15_000;

let config: WorkerConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const logger = createLogger(config.logLevel);

let backups: BackupSettings;
try {
  backups = loadBackupSettings(config.backupEnv, (message) => logger.warn({ devOnly: true }, message));
} catch (error) {
  process.stderr.write(`Invalid worker configuration:\n  ${(error as Error).message}\n`);
  process.exit(2);
}

let worker: WorkerHandle;
try {
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, mailboxDir: config.mailboxDir });
  if (mailer.kind === 'mailbox')
    logger.warn(
      { mailboxDir: config.mailboxDir },
      'SMTP_URL is not set: mail is written to the dev mailbox directory, not sent',
    );
  if (!config.appEncryptionKey)
    logger.warn(
      "APP_ENCRYPTION_KEY is not set: webhook deliveries cannot be signed and will wait, retrying, until it is (use the web app's key)",
    );
  worker = await startWorker({
    connectionString: config.databaseUrl,
    listenConnectionString: config.listenDatabaseUrl,
    concurrency: config.concurrency,
    pool: config.pool,
    logger,
    crontab: config.crontab,
    auditDrainBatch: config.auditDrainBatch,
    auditDrainIntervalMs: config.auditDrainIntervalMs,
    mailer,
    backups: {
      storage: new FsStorage(backups.dir),
      keyring: backups.keyring,
      retention: backups.retention,
      retentionMax: backups.retentionMax,
    },
    publicUrl: config.publicUrl,
    webhooks: {
      secretBox: config.appEncryptionKey ? createSecretBox(config.appEncryptionKey) : null,
      policy: config.webhookPolicy,
    },
    lifecycle: {
      drillSample: config.drillSample,
      operatorEmail: config.operatorEmail,
      mailboxDir: mailer.kind === 'mailbox' ? config.mailboxDir : null,
    },
  });
} catch (error) {
  logger.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
}

let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  // A terminal's Ctrl-C reaches both this process and its launcher, which then sends SIGTERM too:
  // repeated signals are expected and must not cut the graceful stop short. The timer does that.
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping: waiting for running jobs');
  setTimeout(() => {
    logger.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'jobs did not finish in time; exiting');
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
  worker.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

worker.runner.promise.catch((error: unknown) => {
  if (stopping) return;
  logger.fatal({ err: error }, 'worker stopped unexpectedly');
  process.exit(1);
});
