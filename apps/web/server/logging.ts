import type { NextFunction, Request, Response } from 'express';
import pino, { type Logger } from 'pino';
import { info } from './request-info.ts';
import { redactUrl } from './secret-urls.ts';

/**
 * Secrets never reach the logs: session cookies, credentials, the cookies we set, and any field
 * named like a secret that an error or a call site might carry (one level deep, and in errors).
 */
const SECRET_FIELDS = [
  'password',
  'passwordHash',
  'token',
  'formToken',
  'secret',
  'secretKey',
  'apiKey',
  'connectionString',
  'totp',
  'recoveryCode',
];
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'err.config',
  'err.client',
];

/**
 * The service's logger. Standard output is written asynchronously (lines written while a write is in
 * flight leave together in the next one), not with a blocking write per line: the request log line
 * was a measurable share of an API call (ADR 0141). pino flushes what is pending when the process
 * exits.
 */
export function createLogger(
  level: string,
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false }),
): Logger {
  return pino(
    {
      level,
      base: { service: 'web' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const QUIET = new Set(['/healthz', '/readyz']);

/** Headers that hold a URL of ours (the page a request came from, where a response sends the browser). */
function withRedactedUrls<T extends Record<string, unknown>>(headers: T, names: string[]): T {
  const copy: Record<string, unknown> = { ...headers };
  for (const name of names) {
    const value = copy[name];
    if (typeof value === 'string') copy[name] = redactUrl(value.slice(0, 2048));
  }
  return copy as T;
}

/** One line per request when it completes (pino-http's shape): request id, method, path, status, time. */
export function requestLogger(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const done = () => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const { requestId, clientIp, startedAt } = info(res);
      const responseTime = Number(process.hrtime.bigint() - startedAt) / 1e6;
      const status = res.statusCode;
      const level = !res.writableFinished ? 'warn' : status >= 500 ? 'error' : QUIET.has(req.path) ? 'debug' : 'info';
      logger[level](
        {
          reqId: requestId,
          req: {
            method: req.method,
            url: redactUrl(req.originalUrl.slice(0, 2048)),
            remoteAddress: clientIp,
            headers: withRedactedUrls(req.headers, ['referer']),
          },
          res: { statusCode: status, headers: withRedactedUrls(res.getHeaders(), ['location', 'content-location']) },
          responseTime: Math.round(responseTime * 10) / 10,
        },
        res.writableFinished ? 'request completed' : 'request aborted',
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
