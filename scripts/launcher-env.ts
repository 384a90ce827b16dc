// The launcher's own configuration (scripts/run.ts): parsed once; web and worker validate theirs again.
import { z } from 'zod';

const blankIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const postgresUrl = z.string().refine((v) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');
const port = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be 1-65535')
  .max(65535, 'must be 1-65535');
const text = blankIsUnset(z.string().optional());

export const launchEnvSchema = z
  .object({
    DATABASE_URL: blankIsUnset(postgresUrl.optional()),
    APP_DATABASE_URL: blankIsUnset(postgresUrl.optional()),
    WORKER_DATABASE_URL: blankIsUnset(postgresUrl.optional()),
    RETENTION_DATABASE_URL: blankIsUnset(postgresUrl.optional()),
    PORT: blankIsUnset(port.default(3000)),
    HOST: blankIsUnset(z.string().min(1).default('127.0.0.1')),
    EMBEDDED_PG_PORT: blankIsUnset(port.default(54329)),
    /** Where the local install keeps PostgreSQL, credentials, mail and backups (default `.data/`). */
    DATA_DIR: text,
    SEED_DEMO: blankIsUnset(z.enum(['0', '1'], { error: 'must be 1 or 0' }).optional()),
    /** Unset: `local` with the embedded database, `production` with DATABASE_URL (ADR 0100). */
    APP_ENV: blankIsUnset(z.enum(['production', 'local'], { error: 'must be production or local' }).optional()),
    TLS_CERT_FILE: text,
    TLS_KEY_FILE: text,
    TRUST_PROXY: text,
    PUBLIC_URL: text,
    SMTP_URL: text,
    BACKUP_DIR: text,
    // Production brings these; the local install generates them once and keeps them (run.ts).
    APP_ENCRYPTION_KEY: text,
    FORM_SECRET: text,
    BACKUP_KEYS: text,
    BACKUP_ACTIVE_KEY: text,
    AUDIT_CHECKPOINT_KEY: text,
  })
  .superRefine((env, ctx) => {
    // The audit retention process needs its role and its checkpoint key together (or runs not at all).
    if (env.DATABASE_URL && !!env.RETENTION_DATABASE_URL !== !!env.AUDIT_CHECKPOINT_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: [env.RETENTION_DATABASE_URL ? 'AUDIT_CHECKPOINT_KEY' : 'RETENTION_DATABASE_URL'],
        message: 'is required when the other audit retention variable is set (the retention process needs both)',
      });
    }
    if (!env.DATABASE_URL) return;
    for (const name of ['APP_DATABASE_URL', 'WORKER_DATABASE_URL'] as const) {
      if (!env[name]) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `is required when DATABASE_URL is set (${name === 'APP_DATABASE_URL' ? 'the web connects as the app role' : 'the worker connects as the worker role'})`,
        });
      }
    }
  });

export type LaunchEnv = z.output<typeof launchEnvSchema>;

/** The variables the launcher reads: every one is documented in the README (readme.test.ts checks). */
export const LAUNCHER_ENV_VARIABLES = Object.keys(launchEnvSchema.shape);

/** Keys production must bring (the apps refuse to start without them): the launcher says so first. */
export const PRODUCTION_KEYS = ['APP_ENCRYPTION_KEY', 'FORM_SECRET', 'BACKUP_KEYS'] as const;

/** Loopback binds: the only ones on which the web may show the dev mailbox. */
export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
