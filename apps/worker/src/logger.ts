import { Logger as GraphileLogger, type LogFunctionFactory } from 'graphile-worker';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout. Connection strings never reach a log line as a field we set, and the paths
 * below are redacted in case an error object carries one.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'mfiq-worker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['connectionString', '*.connectionString', 'password', '*.password', 'err.config'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

const LEVELS = { error: 'error', warning: 'warn', info: 'info', debug: 'debug' } as const;

/**
 * Tasks that run every few seconds or every minute whether or not there is work (the audit drain's
 * timer, the mail queue's wake-ups, the alert sweep's cron): their routine "completed with success"
 * lines go to debug, or they would bury everything else at info. Their failures, and every other
 * task's lines, keep their level.
 */
const ROUTINE_TASKS = new Set(['audit_drain', 'send_emails', 'alerts_sweep']);

interface JobMeta {
  id?: unknown;
  task_identifier?: unknown;
  attempts?: unknown;
  queue_name?: unknown;
}

/** graphile-worker's own messages, routed through pino with the job scope as fields. */
export function graphileLogger(logger: Logger): GraphileLogger {
  const factory: LogFunctionFactory = (scope) => {
    const child = logger.child({ component: 'graphile-worker', ...scope });
    return (level, message, meta) => {
      let method: (typeof LEVELS)[keyof typeof LEVELS] = LEVELS[level as keyof typeof LEVELS] ?? 'info';
      if (!meta || !Object.keys(meta).length) return child[method](message);
      // graphile-worker passes errors as `error`; pino serializes `err` (message, stack, code). The
      // job row also carries its payload: only its identity goes into the line.
      const { error, job, ...rest } = meta as { error?: unknown; job?: JobMeta } & Record<string, unknown>;
      if (method === 'info' && rest.success === true && ROUTINE_TASKS.has(String(job?.task_identifier)))
        method = 'debug';
      const fields: Record<string, unknown> = { ...rest };
      if (job)
        fields.job = { id: job.id, task: job.task_identifier, attempts: job.attempts, queue: job.queue_name ?? null };
      if (error !== undefined) fields.err = error;
      child[method](fields, message);
    };
  };
  return new GraphileLogger(factory);
}
