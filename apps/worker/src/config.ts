import { parseCrontab } from 'graphile-worker';
import { poolEnvShape, poolOptions, type DbOptions } from '@mfiq/db';
import { backupEnvSchema } from '@mfiq/backup';
import { z } from 'zod';

/** Every 15 minutes: expired sessions are already refused at sign-in time; purging only reclaims rows. */
export const DEFAULT_PURGE_SESSIONS_SCHEDULE = '*/15 * * * *';
export const DEFAULT_MAIL_FROM = 'Metric Flow IQ <no-reply@localhost>';
/** Without SMTP, mail lands here as JSON files; the web's dev mailbox page lists them. */
export const DEFAULT_MAILBOX_DIR = '.data/mailbox';
/** Nightly, at a quiet hour (UTC on most servers). */
export const DEFAULT_BACKUPS_SCHEDULE = '30 2 * * *';
/** Links in alert mail and webhooks point here unless PUBLIC_URL says otherwise (the web's default address). */
export const DEFAULT_PUBLIC_URL = 'http://localhost:3000';
/** Two hours after the backups, so the drill restores last night's. */
export const DEFAULT_RESTORE_DRILLS_SCHEDULE = '30 4 * * *';

export const postgresUrl = z
  .string({ error: 'is required' })
  .trim()
  .min(1, 'is required')
  .refine((value) => {
    try {
      return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, 'must be a postgres:// connection URL');

const cronSchedule = z
  .string()
  .trim()
  .refine((value) => {
    // The five crontab fields only: options and task are ours to set.
    if (value.split(/\s+/).length !== 5) return false;
    try {
      parseCrontab(`${value} purge_sessions`);
      return true;
    } catch {
      return false;
    }
  }, 'must be a crontab schedule of five fields, e.g. "*/15 * * * *"');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const RETENTION_ONLY = {
  error: 'belongs to the audit retention process (apps/worker/src/retention-main.ts), not the worker: remove it here',
};

/** The worker's whole configuration, parsed once at start-up from the environment. */
const workerEnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** As in the web: `local` is the launcher's single-machine install; unset follows NODE_ENV (ADR 0100). */
    APP_ENV: z.enum(['production', 'local'], { error: 'must be production or local' }).optional(),
    WORKER_DATABASE_URL: postgresUrl,
    /**
     * Straight to PostgreSQL when WORKER_DATABASE_URL goes through pgbouncer in transaction mode: the
     * job queue and the audit drain's waker LISTEN, which needs a session of its own.
     */
    WORKER_LISTEN_DATABASE_URL: postgresUrl.optional(),
    ...poolEnvShape('WORKER_DB_'),
    WORKER_CONCURRENCY: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(64, 'must be at most 64')
      .default(2),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    CRON_PURGE_SESSIONS: cronSchedule.default(DEFAULT_PURGE_SESSIONS_SCHEDULE),
    /** smtp://user:pass@host:587 or smtps://...; unset: mail goes to MAILBOX_DIR for the dev mailbox. */
    SMTP_URL: z
      .string()
      .refine((v) => {
        try {
          return ['smtp:', 'smtps:'].includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, 'must be an smtp:// or smtps:// URL')
      .optional(),
    MAIL_FROM: z.string().trim().min(3).max(200).default(DEFAULT_MAIL_FROM),
    MAILBOX_DIR: z.string().trim().min(1).default(DEFAULT_MAILBOX_DIR),
    CRON_BACKUPS: cronSchedule.default(DEFAULT_BACKUPS_SCHEDULE),
    CRON_RESTORE_DRILLS: cronSchedule.default(DEFAULT_RESTORE_DRILLS_SCHEDULE),
    /** Organizations restored per nightly drill (the least recently drilled first); 0 = all. */
    DRILL_SAMPLE: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(0, 'must be 0 (all organizations) or more')
      .max(100_000, 'must be at most 100000')
      .default(0),
    /** Where operator alerts (a failed restore drill) are mailed; unset: log and metric only. */
    OPERATOR_ALERT_EMAIL: z.string().trim().max(254).pipe(z.email('must be an email address')).optional(),
    ...backupEnvSchema,
    AUDIT_DRAIN_BATCH: z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(5_000, 'must be at most 5000')
      .default(500),
    AUDIT_DRAIN_INTERVAL_MS: z.coerce
      .number({ error: 'must be a whole number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(200, 'must be at least 200')
      .max(600_000, 'must be at most 600000')
      .default(5_000),
    // Audit retention runs in its own process with its own role and key (retention-main.ts): the
    // worker, which drains and appends the log, must hold neither (docs/decisions/0098).
    RETENTION_DATABASE_URL: z.undefined(RETENTION_ONLY).optional(),
    AUDIT_CHECKPOINT_KEY: z.undefined(RETENTION_ONLY).optional(),
    /** The web's key: webhook URLs and secrets are sealed under it, and the worker opens them to sign. */
    APP_ENCRYPTION_KEY: z
      .string()
      .refine(
        (v) => Buffer.from(v, 'base64').length === 32,
        'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
      )
      .optional(),
    PUBLIC_URL: z
      .string()
      .trim()
      .refine((v) => {
        try {
          return ['http:', 'https:'].includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, 'must be an http:// or https:// URL')
      .transform((v) => v.replace(/\/+$/, ''))
      .default(DEFAULT_PUBLIC_URL),
    /** Outside production only: let webhooks reach this machine (a local receiver). */
    WEBHOOK_ALLOW_LOOPBACK: z.enum(['0', '1'], { error: 'must be 0 or 1' }).default('0'),
  })
  .superRefine((env, ctx) => {
    const production = (env.APP_ENV ?? env.NODE_ENV) === 'production';
    // A backup key made up next to the backups protects nothing: production brings its own.
    if (production && !env.BACKUP_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['BACKUP_KEYS'],
        message: 'is required in production (id:base64key, e.g. k1:$(openssl rand -base64 32))',
      });
    }
    if (production && env.WEBHOOK_ALLOW_LOOPBACK === '1')
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_ALLOW_LOOPBACK'], message: 'cannot be 1 in production' });
  });

/** The variables the worker reads: every one is documented in the README (readme.test.ts checks). */
export const WORKER_ENV_VARIABLES = Object.keys(workerEnvSchema.shape);

export interface WorkerConfig {
  databaseUrl: string;
  /** The job queue's and the drain waker's connection (LISTEN): direct, never through pgbouncer. */
  listenDatabaseUrl: string;
  /** Bounds of the worker role's pool (WORKER_DB_*). */
  pool: DbOptions;
  concurrency: number;
  logLevel: z.infer<typeof workerEnvSchema>['LOG_LEVEL'];
  crontab: string;
  smtpUrl: string | null;
  mailFrom: string;
  mailboxDir: string;
  /** Backup settings as given; the keyring is resolved at start-up (main.ts). */
  backupEnv: Pick<
    z.infer<typeof workerEnvSchema>,
    | 'BACKUP_DIR'
    | 'BACKUP_KEYS'
    | 'BACKUP_ACTIVE_KEY'
    | 'BACKUP_KEEP_DAILY'
    | 'BACKUP_KEEP_WEEKLY'
    | 'BACKUP_KEEP_DAILY_MAX'
    | 'BACKUP_KEEP_WEEKLY_MAX'
  >;
  auditDrainBatch: number;
  auditDrainIntervalMs: number;
  /** Null: webhooks cannot be signed (deliveries fail and retry until the key is set). */
  appEncryptionKey: string | null;
  publicUrl: string;
  /** Outside development webhooks go over https only; loopback only when WEBHOOK_ALLOW_LOOPBACK=1. */
  webhookPolicy: { allowHttp: boolean; allowLoopback: boolean };
  drillSample: number;
  operatorEmail: string | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variables: string[],
    message: string,
  ) {
    super(message);
  }
}

/**
 * The crontab for the worker. Job keys make a slow run absorb the next tick instead of queueing a
 * second purge; no backfill, because one purge catches up on everything missed.
 */
export function buildCrontab(schedules: {
  purgeSessions: string;
  backups?: string | null;
  drills?: string | null;
}): string {
  return [
    `${schedules.purgeSessions} purge_sessions ?max=3&jobKey=purge_sessions&jobKeyMode=replace`,
    // Backstop only: writes wake the drain within milliseconds (LISTEN/NOTIFY) and every few seconds.
    `* * * * * audit_drain ?max=3&jobKey=audit_drain&jobKeyMode=preserve_run_at`,
    // New mail wakes send_emails at once (a trigger queues it); the minutely run retries failures.
    `* * * * * send_emails ?max=3&jobKey=send_emails&jobKeyMode=preserve_run_at`,
    // Writes wake alert evaluation at once (a trigger on data_points); this is time's side of it:
    // stale rules and due webhooks every minute, every rule every five (docs/decisions/0110).
    `* * * * * alerts_sweep ?id=alerts_sweep_stale&max=3&jobKey=alerts_sweep&jobKeyMode=preserve_run_at {"rules":"stale"}`,
    `*/5 * * * * alerts_sweep ?id=alerts_sweep_all&max=3&jobKey=alerts_sweep_all&jobKeyMode=preserve_run_at {"rules":"all"}`,
    // Nightly, off the hour; a missed night is caught up by the next one.
    '47 3 * * * housekeeping ?max=3&jobKey=housekeeping&jobKeyMode=replace',
    // A missed night is not backfilled: the next run backs up the current state anyway.
    ...(schedules.backups ? [`${schedules.backups} backup_all ?max=1&jobKey=backup_all&jobKeyMode=replace`] : []),
    // Restore drills need the backups' storage; a missed night is not caught up (the next drills anyway).
    ...(schedules.backups && schedules.drills
      ? [`${schedules.drills} restore_drills ?max=1&jobKey=restore_drills&jobKeyMode=replace`]
      : []),
    // Hourly: an organization is erased within the hour after its grace period ends.
    '7 * * * * org_erasure ?max=3&jobKey=org_erasure&jobKeyMode=replace',
    // Nightly: data points past their organization's retention.
    '37 3 * * * data_retention ?max=3&jobKey=data_retention&jobKeyMode=replace',
    '',
  ].join('\n');
}

/**
 * Parses an environment with a schema; a missing or bad value throws a ConfigError that names each
 * variable. An empty variable counts as unset, so `FOO= cmd` falls back to the default like a
 * missing one.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.output<T> {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  const variables = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '')))];
  throw new ConfigError(variables, `Invalid ${what} configuration:\n${lines.join('\n')}`);
}

/** Parses the worker's environment once at start-up. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const e = parseEnv(workerEnvSchema, env, 'worker');
  return {
    databaseUrl: e.WORKER_DATABASE_URL,
    listenDatabaseUrl: e.WORKER_LISTEN_DATABASE_URL ?? e.WORKER_DATABASE_URL,
    concurrency: e.WORKER_CONCURRENCY,
    // Jobs run at once, plus one for the drain waker and the cron; long statements (imports, backups).
    pool: poolOptions(e, 'WORKER_DB_', {
      max: e.WORKER_CONCURRENCY + 1,
      statementTimeoutMs: 300_000,
      idleInTransactionTimeoutMs: 120_000,
      acquireTimeoutMs: 30_000,
    }),
    logLevel: e.LOG_LEVEL,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    mailboxDir: e.MAILBOX_DIR,
    backupEnv: {
      BACKUP_DIR: e.BACKUP_DIR,
      BACKUP_KEYS: e.BACKUP_KEYS,
      BACKUP_ACTIVE_KEY: e.BACKUP_ACTIVE_KEY,
      BACKUP_KEEP_DAILY: e.BACKUP_KEEP_DAILY,
      BACKUP_KEEP_WEEKLY: e.BACKUP_KEEP_WEEKLY,
      BACKUP_KEEP_DAILY_MAX: e.BACKUP_KEEP_DAILY_MAX,
      BACKUP_KEEP_WEEKLY_MAX: e.BACKUP_KEEP_WEEKLY_MAX,
    },
    crontab: buildCrontab({
      purgeSessions: e.CRON_PURGE_SESSIONS,
      backups: e.CRON_BACKUPS,
      drills: e.CRON_RESTORE_DRILLS,
    }),
    drillSample: e.DRILL_SAMPLE,
    operatorEmail: e.OPERATOR_ALERT_EMAIL ?? null,
    auditDrainBatch: e.AUDIT_DRAIN_BATCH,
    auditDrainIntervalMs: e.AUDIT_DRAIN_INTERVAL_MS,
    appEncryptionKey: e.APP_ENCRYPTION_KEY ?? null,
    publicUrl: e.PUBLIC_URL,
    webhookPolicy: {
      allowHttp: (e.APP_ENV ?? e.NODE_ENV) !== 'production',
      allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK === '1',
    },
  };
}
