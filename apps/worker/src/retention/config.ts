import { z } from 'zod';
import { LOG_LEVELS, parseEnv, postgresUrl } from '../config.ts';

/** Daily by default: retention is measured in days, and a run catches up on everything due. */
const DEFAULT_RETENTION_INTERVAL_MINUTES = 24 * 60;

/**
 * The audit retention process's whole configuration: its own role (the only one that may delete
 * expired audit events) and the key that signs its checkpoints. Neither is given to the worker.
 */
const retentionEnvSchema = z.object({
  RETENTION_DATABASE_URL: postgresUrl,
  AUDIT_CHECKPOINT_KEY: z
    .string({ error: 'is required (a random secret of at least 32 characters)' })
    .min(32, 'must be at least 32 characters (a random secret)')
    .max(512, 'must be at most 512 characters'),
  RETENTION_INTERVAL_MINUTES: z.coerce
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1')
    .max(7 * 24 * 60, 'must be at most 10080 (a week)')
    .default(DEFAULT_RETENTION_INTERVAL_MINUTES),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export interface RetentionConfig {
  databaseUrl: string;
  checkpointKey: Buffer;
  intervalMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** Parses the environment; a missing or bad value throws a ConfigError naming each variable. */
export function loadRetentionConfig(env: NodeJS.ProcessEnv = process.env): RetentionConfig {
  const e = parseEnv(retentionEnvSchema, env, 'audit retention');
  return {
    databaseUrl: e.RETENTION_DATABASE_URL,
    checkpointKey: Buffer.from(e.AUDIT_CHECKPOINT_KEY, 'utf8'),
    intervalMs: e.RETENTION_INTERVAL_MINUTES * 60_000,
    logLevel: e.LOG_LEVEL,
  };
}
