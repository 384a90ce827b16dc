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
      redact: { paths: ['connectionString', '*.connectionString', 'password', '*.password', 'err.config'], censor: '[redacted]' },
    },
    destination,
  );
}

const LEVELS = { error: 'error', warning: 'warn', info: 'info', debug: 'debug' } as const;

/** graphile-worker's own messages, routed through pino with the job scope as fields. */
export function graphileLogger(logger: Logger): GraphileLogger {
  const factory: LogFunctionFactory = (scope) => {
    const child = logger.child({ component: 'graphile-worker', ...scope });
    return (level, message, meta) => {
      const method = LEVELS[level as keyof typeof LEVELS] ?? 'info';
      if (!meta || !Object.keys(meta).length) return child[method](message);
      // graphile-worker passes errors as `error`; pino serializes `err` (message, stack, code).
      const { error, ...rest } = meta;
      child[method](error === undefined ? rest : { ...rest, err: error }, message);
    };
  };
  return new GraphileLogger(factory);
}
