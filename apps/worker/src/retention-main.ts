// Entry point of the audit retention process: `node --import tsx apps/worker/src/retention-main.ts`
// (or `pnpm --filter @mfiq/worker retention`). It alone holds RETENTION_DATABASE_URL and
// AUDIT_CHECKPOINT_KEY; the worker refuses both. See docs/decisions/0098-audit-retention-process.md.
import { ConfigError } from './config.ts';
import { createLogger } from './logger.ts';
import { loadRetentionConfig, type RetentionConfig } from './retention/config.ts';
import { startRetention, type RetentionHandle } from './retention/service.ts';

let config: RetentionConfig;
try {
  config = loadRetentionConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}

const logger = createLogger(config.logLevel);
let handle: RetentionHandle;
try {
  handle = await startRetention({ ...config, logger });
  logger.info({ intervalMinutes: config.intervalMs / 60_000 }, 'audit retention started');
} catch (error) {
  logger.fatal({ err: error }, 'audit retention failed to start');
  process.exit(1);
}

let stopping = false;
function shutdown(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  handle.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
