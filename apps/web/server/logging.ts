import type { NextFunction, Request, Response } from 'express';
import pino, { type Logger } from 'pino';
import { info } from './request-info.ts';

/** Secrets never reach the logs: session cookies, credentials, and the cookies we set. */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'web' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
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
          req: { method: req.method, url: req.originalUrl.slice(0, 2048), remoteAddress: clientIp, headers: req.headers },
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
