import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseCrontab } from 'graphile-worker';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const URL_OK = 'postgres://mfiq_worker:secret@127.0.0.1:5432/mfiq';

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('worker configuration', () => {
  it('applies defaults', () => {
    const config = loadConfig({ WORKER_DATABASE_URL: URL_OK });
    expect(config).toMatchObject({ databaseUrl: URL_OK, concurrency: 2, logLevel: 'info' });
    expect(config.crontab).toMatch(/^\*\/15 \* \* \* \* purge_sessions /);
    expect(parseCrontab(config.crontab).map((c) => c.task)).toEqual([
      'purge_sessions',
      'audit_drain',
      'send_emails',
      'alerts_sweep',
      'alerts_sweep',
      'housekeeping',
      'backup_all',
    ]);
    expect(config).toMatchObject({ auditDrainBatch: 500, auditDrainIntervalMs: 5_000 });
    expect(config.crontab).toMatch(/^30 2 \* \* \* backup_all /m);
    expect(config.backupEnv).toMatchObject({
      BACKUP_DIR: '.data/backups',
      BACKUP_KEEP_DAILY: 7,
      BACKUP_KEEP_WEEKLY: 4,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      WORKER_DATABASE_URL: URL_OK,
      WORKER_CONCURRENCY: '8',
      LOG_LEVEL: 'debug',
      CRON_PURGE_SESSIONS: '*/5 * * * *',
      CRON_BACKUPS: '0 4 * * 0',
      BACKUP_KEEP_DAILY: '3',
    });
    expect(config).toMatchObject({ concurrency: 8, logLevel: 'debug', backupEnv: { BACKUP_KEEP_DAILY: 3 } });
    expect(config.crontab).toMatch(/^0 4 \* \* 0 backup_all /m);
    expect(config.crontab).toMatch(/^\*\/5 \* \* \* \* purge_sessions /);
  });

  it('alerts: the application key, the public URL, and webhooks over https only in production', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const dev = loadConfig({ WORKER_DATABASE_URL: URL_OK });
    expect(dev).toMatchObject({
      appEncryptionKey: null,
      publicUrl: 'http://localhost:3000',
      webhookPolicy: { allowHttp: true, allowLoopback: false },
    });
    const prod = loadConfig({
      WORKER_DATABASE_URL: URL_OK,
      NODE_ENV: 'production',
      BACKUP_KEYS: `k1:${key}`,
      APP_ENCRYPTION_KEY: key,
      PUBLIC_URL: 'https://metrics.example.com/',
    });
    expect(prod).toMatchObject({
      appEncryptionKey: key,
      publicUrl: 'https://metrics.example.com',
      webhookPolicy: { allowHttp: false, allowLoopback: false },
    });
    expect(loadConfig({ WORKER_DATABASE_URL: URL_OK, WEBHOOK_ALLOW_LOOPBACK: '1' }).webhookPolicy.allowLoopback).toBe(
      true,
    );
    expect(
      parseCrontab(dev.crontab)
        .filter((c) => c.task === 'alerts_sweep')
        .map((c) => c.payload),
    ).toEqual([{ rules: 'stale' }, { rules: 'all' }]);
  });

  it.each([
    [
      {
        NODE_ENV: 'production',
        BACKUP_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
        WEBHOOK_ALLOW_LOOPBACK: '1',
      },
      'WEBHOOK_ALLOW_LOOPBACK',
    ],
    [{ APP_ENCRYPTION_KEY: 'too-short' }, 'APP_ENCRYPTION_KEY'],
    [{ PUBLIC_URL: 'ftp://example.com' }, 'PUBLIC_URL'],
  ])('refuses a bad alert setting %o', (env, variable) => {
    expect(errorOf({ WORKER_DATABASE_URL: URL_OK, ...env }).variables).toEqual([variable]);
  });

  it('refuses the audit retention role and checkpoint key: they belong to the retention process alone', () => {
    for (const variable of ['RETENTION_DATABASE_URL', 'AUDIT_CHECKPOINT_KEY']) {
      const error = errorOf({
        WORKER_DATABASE_URL: URL_OK,
        [variable]: variable.endsWith('URL') ? URL_OK : 'k'.repeat(40),
      });
      expect(error.variables).toEqual([variable]);
      expect(error.message).toMatch(/audit retention process/);
    }
    expect(parseCrontab(loadConfig({ WORKER_DATABASE_URL: URL_OK }).crontab).map((c) => c.task)).not.toContain(
      'audit_retention',
    );
  });

  it.each([
    [{ WORKER_DATABASE_URL: URL_OK, AUDIT_DRAIN_BATCH: '0' }, 'AUDIT_DRAIN_BATCH'],
    [{}, 'WORKER_DATABASE_URL'],
    [{ WORKER_DATABASE_URL: '' }, 'WORKER_DATABASE_URL'],
    [{ WORKER_DATABASE_URL: 'mysql://x@y/z' }, 'WORKER_DATABASE_URL'],
    [{ WORKER_DATABASE_URL: 'not a url' }, 'WORKER_DATABASE_URL'],
    [{ WORKER_DATABASE_URL: URL_OK, WORKER_CONCURRENCY: 'lots' }, 'WORKER_CONCURRENCY'],
    [{ WORKER_DATABASE_URL: URL_OK, WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
    [{ WORKER_DATABASE_URL: URL_OK, WORKER_CONCURRENCY: '2.5' }, 'WORKER_CONCURRENCY'],
    [{ WORKER_DATABASE_URL: URL_OK, LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WORKER_DATABASE_URL: URL_OK, CRON_PURGE_SESSIONS: 'every 15 minutes' }, 'CRON_PURGE_SESSIONS'],
    [{ WORKER_DATABASE_URL: URL_OK, CRON_PURGE_SESSIONS: '*/15 * * *' }, 'CRON_PURGE_SESSIONS'],
    [{ WORKER_DATABASE_URL: URL_OK, CRON_PURGE_SESSIONS: '99 * * * *' }, 'CRON_PURGE_SESSIONS'],
    [{ WORKER_DATABASE_URL: URL_OK, CRON_BACKUPS: 'nightly' }, 'CRON_BACKUPS'],
    [{ WORKER_DATABASE_URL: URL_OK, BACKUP_KEEP_DAILY: '-1' }, 'BACKUP_KEEP_DAILY'],
    [{ WORKER_DATABASE_URL: URL_OK, BACKUP_KEEP_WEEKLY: 'many' }, 'BACKUP_KEEP_WEEKLY'],
    [{ WORKER_DATABASE_URL: URL_OK, NODE_ENV: 'production' }, 'BACKUP_KEYS'],
    [{ WORKER_DATABASE_URL: URL_OK, APP_ENV: 'production' }, 'BACKUP_KEYS'],
    [{ WORKER_DATABASE_URL: URL_OK, APP_ENV: 'staging' }, 'APP_ENV'],
  ])('%o is refused, naming %s', (env, variable) => {
    const error = errorOf(env);
    expect(error.variables).toEqual([variable]);
    expect(error.message).toContain(`${variable}:`);
  });

  it('takes the backup keys from the environment in production, and lets the local install do the same', () => {
    const keys = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
    expect(
      loadConfig({ WORKER_DATABASE_URL: URL_OK, NODE_ENV: 'production', BACKUP_KEYS: keys }).backupEnv,
    ).toMatchObject({ BACKUP_KEYS: keys });
    expect(() => loadConfig({ WORKER_DATABASE_URL: URL_OK, NODE_ENV: 'production', APP_ENV: 'local' })).not.toThrow();
  });

  it('names every bad variable at once', () => {
    expect(errorOf({ WORKER_CONCURRENCY: '-1' }).variables.sort()).toEqual([
      'WORKER_CONCURRENCY',
      'WORKER_DATABASE_URL',
    ]);
  });

  /** The real entry point with this environment: its exit code and what it wrote to stderr. */
  async function runMain(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { PATH: process.env.PATH, ...env },
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stderr };
  }

  it('the entry point stops with the message and exit code 2 before connecting anywhere', async () => {
    const { code, stderr } = await runMain({ WORKER_CONCURRENCY: 'zero' });
    expect(code).toBe(2);
    expect(stderr).toContain('WORKER_DATABASE_URL: is required');
    expect(stderr).toContain('WORKER_CONCURRENCY:');
  });

  it('in production the entry point refuses to start without BACKUP_KEYS (no key is made up beside the backups)', async () => {
    const { code, stderr } = await runMain({ NODE_ENV: 'production', WORKER_DATABASE_URL: URL_OK });
    expect(code).toBe(2);
    expect(stderr).toContain('BACKUP_KEYS: is required in production');
  });
});
