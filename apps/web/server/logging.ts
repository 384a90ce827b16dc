import type { NextFunction, Request, Response } from 'express';
import pino, { type Logger } from 'pino';
import { info } from './request-info.ts';

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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
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

/** Query values that carry credentials (invitation, reset or sign-in links) are cut from logged URLs. */
const SECRET_QUERY = /([?&](?:[^=&#]*(?:token|code|secret|key|password|signature|sig)[^=&#]*)=)[^&#]*/gi;
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

const QUIET = new Set(['/healthz', '/readyz']);

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
            headers: req.headers,
          },
          res: { statusCode: status, headers: res.getHeaders() },
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
