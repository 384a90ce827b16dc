import { z } from 'zod';
import type { DbOptions } from './client.ts';

const blank = (v: unknown) => (v === '' ? undefined : v);
const ms = (max: number) =>
  z.preprocess(
    blank,
    z.coerce
      .number()
      .int('must be a whole number of milliseconds')
      .min(0, 'must be 0 (the role default) or more')
      .max(max, `must be at most ${max}`)
      .optional(),
  );

/**
 * The pool's bounds as each app reads them from its environment (README: DB_*, WORKER_DB_*). Unset
 * values keep the defaults the app passes; 0 for a timeout means "the role's own setting".
 */
export function poolEnvShape(prefix: 'DB_' | 'WORKER_DB_') {
  return {
    [`${prefix}POOL_MAX`]: z.preprocess(
      blank,
      z.coerce.number().int('must be a whole number').min(1).max(500).optional(),
    ),
    [`${prefix}ACQUIRE_TIMEOUT_MS`]: ms(600_000),
    [`${prefix}STATEMENT_TIMEOUT_MS`]: ms(3_600_000),
    [`${prefix}IDLE_IN_TRANSACTION_TIMEOUT_MS`]: ms(3_600_000),
    [`${prefix}VIA_PGBOUNCER`]: z.preprocess(blank, z.enum(['0', '1']).optional()),
  } as const;
}

/** DbOptions from the values poolEnvShape parsed; what is unset stays as `defaults` says. */
export function poolOptions(
  parsed: Record<string, unknown>,
  prefix: 'DB_' | 'WORKER_DB_',
  defaults: DbOptions,
): DbOptions {
  const num = (k: string) => parsed[`${prefix}${k}`] as number | undefined;
  return {
    ...defaults,
    ...(num('POOL_MAX') !== undefined ? { max: num('POOL_MAX') } : {}),
    ...(num('ACQUIRE_TIMEOUT_MS') !== undefined ? { acquireTimeoutMs: num('ACQUIRE_TIMEOUT_MS') } : {}),
    ...(num('STATEMENT_TIMEOUT_MS') !== undefined ? { statementTimeoutMs: num('STATEMENT_TIMEOUT_MS') } : {}),
    ...(num('IDLE_IN_TRANSACTION_TIMEOUT_MS') !== undefined
      ? { idleInTransactionTimeoutMs: num('IDLE_IN_TRANSACTION_TIMEOUT_MS') }
      : {}),
    ...(parsed[`${prefix}VIA_PGBOUNCER`] === '1' ? { viaPgbouncer: true } : {}),
  };
}
