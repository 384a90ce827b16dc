import { poolEnvShape, poolOptions, type DbOptions } from '@mfiq/db';
import { isIP } from 'node:net';
import { backupEnvSchema, parseKeyring } from '@mfiq/backup';
import { z } from 'zod';
import { normalizeIp } from '../server/ip.ts';

/** Unset and empty are the same: `PORT=` in a .env file means "use the default". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const postgresUrl = z.string().refine((v) => {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');

const positiveInt = z.coerce.number().int('must be a whole number').positive('must be greater than 0');

/** The web app's whole configuration: parsed once at start-up; nothing else reads process.env. */
const configSchema = z
  .object({
    NODE_ENV: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.enum(['development', 'production', 'test']).default('development'),
    ),
    /**
     * The security mode when it is not NODE_ENV's: `local` is the launcher's single-machine install,
     * which runs the production build but may show the dev mailbox on loopback (ADR 0100).
     */
    APP_ENV: optional(z.enum(['production', 'local'], { error: 'must be production or local' })),
    APP_DATABASE_URL: postgresUrl,
    ...poolEnvShape('DB_'),
    PORT: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.coerce.number().int('must be a whole number').min(0).max(65535).default(3000),
    ),
    HOST: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).default('127.0.0.1')),
    LOG_LEVEL: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
    SESSION_IDLE_MINUTES: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.default(120)),
    SESSION_ABSOLUTE_HOURS: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.default(168)),
    TLS_CERT_FILE: optional(z.string()),
    TLS_KEY_FILE: optional(z.string()),
    /** The one proxy address whose X-Forwarded-For / -Proto / -Host headers are believed. */
    IMPORT_MAX_MB: z.preprocess(
      (v) => (v === '' ? undefined : v),
      positiveInt.max(1024, 'must be at most 1024').default(100),
    ),
    /** Per-organization import quotas (docs/decisions/0091-import-quotas.md). */
    IMPORT_MAX_UPLOADS: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.max(20).default(2)),
    IMPORT_MAX_QUEUED: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.max(100).default(3)),
    IMPORT_STORAGE_MB: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.default(1000)),
    TRUST_PROXY: optional(
      z.string().refine((v) => isIP(v) !== 0, 'must be an IP address (the proxy that connects to this server)'),
    ),
    /** HMAC key for form tokens (hex, at least 32 bytes). Unset: a random key per process (see ADR 0051). */
    FORM_SECRET: optional(
      z.string().regex(/^(?:[0-9a-fA-F]{2}){32,}$/, 'must be at least 32 bytes written as hex (openssl rand -hex 32)'),
    ),
    FORM_MIN_FILL_MS: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.coerce.number().int('must be a whole number').min(0).max(60_000).default(3000),
    ),
    FORM_RATE_LIMIT_PER_IP: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.default(20)),
    FORM_RATE_LIMIT_PER_FORM: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.default(1000)),
    CAPTCHA_PROVIDER: optional(z.enum(['turnstile', 'hcaptcha'])),
    CAPTCHA_SITE_KEY: optional(z.string().max(200)),
    CAPTCHA_SECRET_KEY: optional(z.string().max(200)),
    /** Override of the provider's verification endpoint (tests point it at a local fake). */
    CAPTCHA_VERIFY_URL: optional(
      z.string().refine((v) => {
        try {
          const u = new URL(v);
          return (
            u.protocol === 'https:' ||
            (u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname))
          );
        } catch {
          return false;
        }
      }, 'must be an https:// URL (http:// only on loopback)'),
    ),
    /** Bearer token for /metrics; the endpoint answers 404 when unset. */
    METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
    OTEL_SERVICE_NAME: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).max(100).default('mfiq-web')),
    SENTRY_DSN: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) DSN' })),
    SUBPROCESSORS_FILE: optional(z.string()),
    /** Seals TOTP secrets at rest: 32 random bytes, base64 (`openssl rand -base64 32`). */
    APP_ENCRYPTION_KEY: optional(
      z
        .string()
        .refine(
          (v) => Buffer.from(v, 'base64').length === 32,
          'must be 32 bytes, base64-encoded (openssl rand -base64 32)',
        ),
    ),
    /** The address users reach the app at; links in mail use it (never the request's Host header). */
    PUBLIC_URL: optional(
      z.string().refine((v) => {
        try {
          return ['http:', 'https:'].includes(new URL(v).protocol);
        } catch {
          return false;
        }
      }, 'must be an http:// or https:// URL'),
    ),
    /** The dev mailbox page (/dev/mailbox): on in development and tests, with 1 in local mode, never in production. */
    MAILBOX_ENABLED: optional(z.enum(['0', '1'], { error: 'must be 1 or 0' })),
    /** Development only: webhook channels may point at this machine (a local receiver). */
    WEBHOOK_ALLOW_LOOPBACK: optional(z.enum(['0', '1'], { error: 'must be 1 or 0' })),
    MAILBOX_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).default('.data/mailbox')),
    // Exports decrypt backups: the web reads the same storage and keys as the worker.
    ...backupEnvSchema,
  })
  .superRefine((c, ctx) => {
    if (securityMode(c) === 'production') {
      // Keys made up at start-up break two-factor and form tokens on restart and on other replicas,
      // and a backup key kept beside the backups protects nothing (ADR 0100).
      for (const [name, how] of PRODUCTION_SECRETS)
        if (!c[name]) ctx.addIssue({ code: 'custom', path: [name], message: `is required in production (${how})` });
      if (c.MAILBOX_ENABLED === '1')
        ctx.addIssue({
          code: 'custom',
          path: ['MAILBOX_ENABLED'],
          message:
            'cannot be 1 in production: the dev mailbox shows sign-up, reset and invitation links (set SMTP_URL on the worker)',
        });
    }
    if (c.BACKUP_KEYS) {
      try {
        parseKeyring(c.BACKUP_KEYS, c.BACKUP_ACTIVE_KEY);
      } catch (error) {
        const message = (error as Error).message;
        ctx.addIssue({
          code: 'custom',
          path: [message.startsWith('BACKUP_ACTIVE_KEY') ? 'BACKUP_ACTIVE_KEY' : 'BACKUP_KEYS'],
          message: message.replace(/^BACKUP_[A-Z_]+: /, ''),
        });
      }
    }
    if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
      });
    }
    if (securityMode(c) === 'production' && c.WEBHOOK_ALLOW_LOOPBACK === '1') {
      ctx.addIssue({ code: 'custom', path: ['WEBHOOK_ALLOW_LOOPBACK'], message: 'cannot be 1 in production' });
    }
    if (c.CAPTCHA_PROVIDER && (!c.CAPTCHA_SITE_KEY || !c.CAPTCHA_SECRET_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.CAPTCHA_SITE_KEY ? 'CAPTCHA_SECRET_KEY' : 'CAPTCHA_SITE_KEY'],
        message: 'is required when CAPTCHA_PROVIDER is set',
      });
    }
  });

type RawConfig = z.output<typeof configSchema>;

/** The variables the web reads: every one is documented in the README (readme.test.ts checks). */
export const WEB_ENV_VARIABLES = Object.keys(configSchema.shape);

const PRODUCTION_SECRETS = [
  ['APP_ENCRYPTION_KEY', 'openssl rand -base64 32'],
  ['FORM_SECRET', 'openssl rand -hex 32'],
  ['BACKUP_KEYS', 'id:base64key, e.g. k1:$(openssl rand -base64 32)'],
] as const;

type SecurityMode = 'production' | 'local' | 'development' | 'test';

/** APP_ENV when set, else NODE_ENV: `NODE_ENV=production` alone means production. */
function securityMode(c: {
  NODE_ENV: RawConfig['NODE_ENV'];
  APP_ENV?: 'production' | 'local' | undefined;
}): SecurityMode {
  return c.APP_ENV ?? c.NODE_ENV;
}

export interface Config {
  /** What the security rules follow (APP_ENV, else NODE_ENV); see ADR 0100. */
  mode: SecurityMode;
  /** Serve the production build (NODE_ENV=production) rather than Vite's development server. */
  bundle: boolean;
  appDatabaseUrl: string;
  /** Bounds of the app role's pool (DB_*). */
  pool: DbOptions;
  port: number;
  host: string;
  logLevel: RawConfig['LOG_LEVEL'];
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  tls: { certFile: string; keyFile: string } | null;
  trustProxy: string | null;
  forms: { secret: string | null; minFillMs: number; ratePerIp: number; ratePerForm: number };
  captcha: { provider: 'turnstile' | 'hcaptcha'; siteKey: string; secretKey: string; verifyUrl: string | null } | null;
  metricsToken: string | null;
  otel: { endpoint: string; serviceName: string } | null;
  sentryDsn: string | null;
  subprocessorsFile: string | null;
  /** null (never in production): generate a temporary key at start-up and say so in the logs. */
  appEncryptionKey: string | null;
  publicUrl: string | null;
  /** The dev mailbox: never in production; where allowed it is still served on loopback only. */
  mailbox: { enabled: boolean; dir: string };
  /** Which webhook URLs may be saved: https only in production, loopback only when allowed. */
  webhookPolicy: { allowHttp: boolean; allowLoopback: boolean };
  /** Largest CSV upload, in bytes (IMPORT_MAX_MB). */
  importMaxBytes: number;
  /** Per-organization import quotas (IMPORT_MAX_UPLOADS, IMPORT_MAX_QUEUED, IMPORT_STORAGE_MB). */
  importQuotas: { maxUploads: number; maxQueued: number; storageBytes: number };
  backupEnv: Pick<
    RawConfig,
    'BACKUP_DIR' | 'BACKUP_KEYS' | 'BACKUP_ACTIVE_KEY' | 'BACKUP_KEEP_DAILY' | 'BACKUP_KEEP_WEEKLY'
  >;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; a missing or bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'configuration');
        const message = issue.code === 'invalid_type' && env[name] === undefined ? 'is required' : issue.message;
        return `${name} ${message}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    mode: securityMode(c),
    bundle: c.NODE_ENV === 'production',
    appDatabaseUrl: c.APP_DATABASE_URL,
    pool: poolOptions(c, 'DB_', {
      max: 10,
      statementTimeoutMs: 15_000,
      idleInTransactionTimeoutMs: 30_000,
      acquireTimeoutMs: 5_000,
    }),
    port: c.PORT,
    host: c.HOST,
    logLevel: c.LOG_LEVEL,
    sessionIdleMinutes: c.SESSION_IDLE_MINUTES,
    sessionAbsoluteHours: c.SESSION_ABSOLUTE_HOURS,
    tls: c.TLS_CERT_FILE && c.TLS_KEY_FILE ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE } : null,
    trustProxy: c.TRUST_PROXY ? normalizeIp(c.TRUST_PROXY) : null,
    forms: {
      secret: c.FORM_SECRET ?? null,
      minFillMs: c.FORM_MIN_FILL_MS,
      ratePerIp: c.FORM_RATE_LIMIT_PER_IP,
      ratePerForm: c.FORM_RATE_LIMIT_PER_FORM,
    },
    captcha:
      c.CAPTCHA_PROVIDER && c.CAPTCHA_SITE_KEY && c.CAPTCHA_SECRET_KEY
        ? {
            provider: c.CAPTCHA_PROVIDER,
            siteKey: c.CAPTCHA_SITE_KEY,
            secretKey: c.CAPTCHA_SECRET_KEY,
            verifyUrl: c.CAPTCHA_VERIFY_URL ?? null,
          }
        : null,
    metricsToken: c.METRICS_TOKEN ?? null,
    otel: c.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: c.OTEL_SERVICE_NAME }
      : null,
    sentryDsn: c.SENTRY_DSN ?? null,
    subprocessorsFile: c.SUBPROCESSORS_FILE ?? null,
    appEncryptionKey: c.APP_ENCRYPTION_KEY ?? null,
    publicUrl: c.PUBLIC_URL ? c.PUBLIC_URL.replace(/\/+$/, '') : null,
    webhookPolicy: { allowHttp: securityMode(c) !== 'production', allowLoopback: c.WEBHOOK_ALLOW_LOOPBACK === '1' },
    mailbox: {
      enabled:
        securityMode(c) === 'production'
          ? false
          : c.MAILBOX_ENABLED
            ? c.MAILBOX_ENABLED === '1'
            : ['development', 'test'].includes(securityMode(c)),
      dir: c.MAILBOX_DIR,
    },
    importMaxBytes: c.IMPORT_MAX_MB * 1024 * 1024,
    importQuotas: {
      maxUploads: c.IMPORT_MAX_UPLOADS,
      maxQueued: c.IMPORT_MAX_QUEUED,
      storageBytes: c.IMPORT_STORAGE_MB * 1024 * 1024,
    },
    backupEnv: {
      BACKUP_DIR: c.BACKUP_DIR,
      BACKUP_KEYS: c.BACKUP_KEYS,
      BACKUP_ACTIVE_KEY: c.BACKUP_ACTIVE_KEY,
      BACKUP_KEEP_DAILY: c.BACKUP_KEEP_DAILY,
      BACKUP_KEEP_WEEKLY: c.BACKUP_KEEP_WEEKLY,
    },
  };
}
