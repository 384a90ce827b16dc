import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.server.ts';

const DB = 'postgres://app:secret@127.0.0.1:5432/mfiq';
const PRODUCTION_KEYS = {
  APP_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  FORM_SECRET: 'ab'.repeat(32),
  BACKUP_KEYS: `k1:${Buffer.alloc(32, 2).toString('base64')}`,
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ APP_DATABASE_URL: DB })).toEqual({
      mode: 'development',
      bundle: false,
      appDatabaseUrl: DB,
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      sessionIdleMinutes: 120,
      sessionAbsoluteHours: 168,
      tls: null,
      trustProxy: null,
      forms: { secret: null, minFillMs: 3000, ratePerIp: 20, ratePerForm: 1000 },
      captcha: null,
      metricsToken: null,
      otel: null,
      pool: { max: 10, acquireTimeoutMs: 5000, statementTimeoutMs: 15000, idleInTransactionTimeoutMs: 30000 },
      sentryDsn: null,
      subprocessorsFile: null,
      appEncryptionKey: null,
      publicUrl: null,
      webhookPolicy: { allowHttp: true, allowLoopback: false },
      mailbox: { enabled: true, dir: '.data/mailbox' },
      importMaxBytes: 100 * 1024 * 1024,
      importQuotas: { maxUploads: 2, maxQueued: 3, storageBytes: 1000 * 1024 * 1024 },
      backupEnv: {
        BACKUP_DIR: '.data/backups',
        BACKUP_KEYS: undefined,
        BACKUP_ACTIVE_KEY: undefined,
        BACKUP_KEEP_DAILY: 7,
        BACKUP_KEEP_WEEKLY: 4,
        BACKUP_KEEP_DAILY_MAX: 35,
        BACKUP_KEEP_WEEKLY_MAX: 52,
      },
      lifecycle: {
        deletionGraceDays: 7,
        securityContact: 'support@metricflowiq.com',
        securityTxtExpires: expect.any(Date),
        supportContact: null,
        testReportFile: undefined,
      },
    });
  });

  it('refuses a bad retention count or keyring, naming the variable', () => {
    expect(() => loadConfig({ APP_DATABASE_URL: DB, BACKUP_KEEP_DAILY: 'lots' })).toThrow(/BACKUP_KEEP_DAILY/);
    expect(() => loadConfig({ APP_DATABASE_URL: DB, BACKUP_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      /BACKUP_KEYS key "k1" must be 32 bytes/,
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(() => loadConfig({ APP_DATABASE_URL: DB, BACKUP_KEYS: `a:${key},b:${key}` })).toThrow(
      /BACKUP_ACTIVE_KEY required when BACKUP_KEYS has more than one key/,
    );
    expect(
      loadConfig({ APP_DATABASE_URL: DB, BACKUP_KEYS: `a:${key},b:${key}`, BACKUP_ACTIVE_KEY: 'b' }).backupEnv
        .BACKUP_ACTIVE_KEY,
    ).toBe('b');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      ...PRODUCTION_KEYS,
      APP_DATABASE_URL: DB,
      PORT: '8443',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'warn',
      SESSION_IDLE_MINUTES: '30',
      SESSION_ABSOLUTE_HOURS: '12',
      TLS_CERT_FILE: '/etc/tls/cert.pem',
      TLS_KEY_FILE: '/etc/tls/key.pem',
      TRUST_PROXY: '::ffff:10.0.0.2',
    });
    expect(c).toMatchObject({
      mode: 'production',
      bundle: true,
      appEncryptionKey: PRODUCTION_KEYS.APP_ENCRYPTION_KEY,
      port: 8443,
      host: '0.0.0.0',
      logLevel: 'warn',
      sessionIdleMinutes: 30,
      sessionAbsoluteHours: 12,
    });
    expect(c.tls).toEqual({ certFile: '/etc/tls/cert.pem', keyFile: '/etc/tls/key.pem' });
    expect(c.trustProxy).toBe('10.0.0.2');
  });

  it('reads the anti-abuse, monitoring and CAPTCHA settings', () => {
    const secret = 'ab'.repeat(32);
    const c = loadConfig({
      APP_DATABASE_URL: DB,
      FORM_SECRET: secret,
      FORM_MIN_FILL_MS: '1500',
      FORM_RATE_LIMIT_PER_IP: '5',
      FORM_RATE_LIMIT_PER_FORM: '50',
      CAPTCHA_PROVIDER: 'hcaptcha',
      CAPTCHA_SITE_KEY: 'site',
      CAPTCHA_SECRET_KEY: 'secret',
      CAPTCHA_VERIFY_URL: 'http://127.0.0.1:9999/verify',
      METRICS_TOKEN: 'a-long-enough-token',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      SENTRY_DSN: 'https://key@errors.example/1',
    });
    expect(c.forms).toEqual({ secret, minFillMs: 1500, ratePerIp: 5, ratePerForm: 50 });
    expect(c.captcha).toEqual({
      provider: 'hcaptcha',
      siteKey: 'site',
      secretKey: 'secret',
      verifyUrl: 'http://127.0.0.1:9999/verify',
    });
    expect(c.metricsToken).toBe('a-long-enough-token');
    expect(c.otel).toEqual({ endpoint: 'http://127.0.0.1:4318', serviceName: 'mfiq-web' });
    expect(c.sentryDsn).toBe('https://key@errors.example/1');
  });

  it('refuses weak or inconsistent anti-abuse and monitoring settings', () => {
    expect(problems({ APP_DATABASE_URL: DB, FORM_SECRET: 'short' })[0]).toMatch(
      /^FORM_SECRET must be at least 32 bytes/,
    );
    expect(problems({ APP_DATABASE_URL: DB, CAPTCHA_PROVIDER: 'turnstile' })[0]).toMatch(
      /^CAPTCHA_SITE_KEY is required when CAPTCHA_PROVIDER/,
    );
    expect(
      problems({
        APP_DATABASE_URL: DB,
        CAPTCHA_PROVIDER: 'turnstile',
        CAPTCHA_SITE_KEY: 's',
        CAPTCHA_SECRET_KEY: 'k',
        CAPTCHA_VERIFY_URL: 'http://verifier.example/x',
      })[0],
    ).toMatch(/^CAPTCHA_VERIFY_URL must be an https/);
    expect(problems({ APP_DATABASE_URL: DB, METRICS_TOKEN: 'short' })[0]).toMatch(/^METRICS_TOKEN must be at least 16/);
    expect(problems({ APP_DATABASE_URL: DB, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })[0]).toMatch(
      /^OTEL_EXPORTER_OTLP_ENDPOINT /,
    );
  });

  it('webhooks: https only in production, loopback only when allowed and never in production', () => {
    expect(loadConfig({ APP_DATABASE_URL: DB, NODE_ENV: 'production', ...PRODUCTION_KEYS }).webhookPolicy).toEqual({
      allowHttp: false,
      allowLoopback: false,
    });
    expect(loadConfig({ APP_DATABASE_URL: DB, WEBHOOK_ALLOW_LOOPBACK: '1' }).webhookPolicy).toEqual({
      allowHttp: true,
      allowLoopback: true,
    });
    expect(
      problems({ APP_DATABASE_URL: DB, NODE_ENV: 'production', ...PRODUCTION_KEYS, WEBHOOK_ALLOW_LOOPBACK: '1' })[0],
    ).toMatch(/^WEBHOOK_ALLOW_LOOPBACK cannot be 1 in production/);
  });

  it('production needs its keys (never made up at start-up) and has no dev mailbox', () => {
    expect(problems({ APP_DATABASE_URL: DB, NODE_ENV: 'production' })).toEqual([
      'APP_ENCRYPTION_KEY is required in production (openssl rand -base64 32)',
      'FORM_SECRET is required in production (openssl rand -hex 32)',
      'BACKUP_KEYS is required in production (id:base64key, e.g. k1:$(openssl rand -base64 32))',
    ]);
    // Empty is unset, here too.
    expect(problems({ APP_DATABASE_URL: DB, NODE_ENV: 'production', ...PRODUCTION_KEYS, FORM_SECRET: '' })).toEqual([
      'FORM_SECRET is required in production (openssl rand -hex 32)',
    ]);
    expect(problems({ APP_DATABASE_URL: DB, APP_ENV: 'production', NODE_ENV: 'development' })).toHaveLength(3);
    expect(
      problems({ APP_DATABASE_URL: DB, NODE_ENV: 'production', ...PRODUCTION_KEYS, MAILBOX_ENABLED: '1' })[0],
    ).toMatch(/^MAILBOX_ENABLED cannot be 1 in production/);
    expect(loadConfig({ APP_DATABASE_URL: DB, NODE_ENV: 'production', ...PRODUCTION_KEYS }).mailbox.enabled).toBe(
      false,
    );
  });

  it("the launcher's local mode runs the production build, with the mailbox only when asked for", () => {
    const local = loadConfig({ APP_DATABASE_URL: DB, NODE_ENV: 'production', APP_ENV: 'local' });
    expect(local).toMatchObject({ mode: 'local', bundle: true, mailbox: { enabled: false } });
    expect(
      loadConfig({ APP_DATABASE_URL: DB, NODE_ENV: 'production', APP_ENV: 'local', MAILBOX_ENABLED: '1' }).mailbox
        .enabled,
    ).toBe(true);
    expect(problems({ APP_DATABASE_URL: DB, APP_ENV: 'staging' })[0]).toMatch(/^APP_ENV must be production or local/);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ APP_DATABASE_URL: DB, PORT: '', TRUST_PROXY: '' })).toMatchObject({
      port: 3000,
      trustProxy: null,
    });
  });

  it('names each missing or bad variable', () => {
    expect(problems({})).toEqual(['APP_DATABASE_URL is required']);
    expect(problems({ APP_DATABASE_URL: 'mysql://x' })[0]).toMatch(/^APP_DATABASE_URL must be a postgres/);
    expect(problems({ APP_DATABASE_URL: DB, PORT: 'eighty' })[0]).toMatch(/^PORT /);
    expect(problems({ APP_DATABASE_URL: DB, PORT: '70000' })[0]).toMatch(/^PORT /);
    expect(problems({ APP_DATABASE_URL: DB, LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL /);
    expect(problems({ APP_DATABASE_URL: DB, SESSION_IDLE_MINUTES: '0' })[0]).toMatch(/^SESSION_IDLE_MINUTES /);
    expect(problems({ APP_DATABASE_URL: DB, SESSION_ABSOLUTE_HOURS: '1.5' })[0]).toMatch(/^SESSION_ABSOLUTE_HOURS /);
    expect(problems({ APP_DATABASE_URL: DB, TRUST_PROXY: 'proxy.internal' })[0]).toMatch(
      /^TRUST_PROXY must be an IP address/,
    );
    expect(problems({ APP_DATABASE_URL: DB, TLS_CERT_FILE: '/c.pem' })).toEqual([
      'TLS_KEY_FILE TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    ]);
  });
});
