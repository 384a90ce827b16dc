import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { pendingMigrations, sql, type Database } from '@mfiq/db';

const TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Check = 'ok' | 'failed';
export interface Readiness {
  ready: boolean;
  checks: { database: Check; migrations: Check };
}

/**
 * Ready = the database answers as the app role and every migration on disk is applied. Details go
 * to the log, not the response: the endpoint is unauthenticated.
 */
async function readiness(db: Database, logger: Logger): Promise<Readiness> {
  try {
    await withTimeout(sql`select 1`.execute(db), 'database ping');
  } catch (error) {
    logger.warn({ err: error }, 'readiness: database unreachable');
    return { ready: false, checks: { database: 'failed', migrations: 'failed' } };
  }
  let readError: unknown = null;
  const pending = await withTimeout(
    pendingMigrations(async (query) => {
      try {
        return await sql.raw<{ version: number }>(query).execute(db);
      } catch (error) {
        readError = error;
        throw error;
      }
    }),
    'migration check',
  ).catch((error: unknown) => {
    readError = error;
    return null;
  });
  if (readError !== null || pending === null) {
    logger.warn(
      { err: readError },
      'readiness: cannot read the applied migrations (the app role needs SELECT on schema_migrations)',
    );
    return { ready: false, checks: { database: 'ok', migrations: 'failed' } };
  }
  if (pending.length) {
    logger.warn({ pending }, 'readiness: migrations pending');
    return { ready: false, checks: { database: 'ok', migrations: 'failed' } };
  }
  return { ready: true, checks: { database: 'ok', migrations: 'ok' } };
}

export function healthz(_req: Request, res: Response) {
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
}

export function readyz(db: Database, logger: Logger) {
  return async (_req: Request, res: Response) => {
    const result = await readiness(db, logger);
    res.setHeader('Cache-Control', 'no-store');
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not_ready', checks: result.checks });
  };
}
