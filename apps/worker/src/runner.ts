import { createDb, sql, type Database, type DbOptions } from '@mfiq/db';
import { run, type Runner } from 'graphile-worker';
import {
  buildCrontab,
  DEFAULT_BACKUPS_SCHEDULE,
  DEFAULT_RESTORE_DRILLS_SCHEDULE,
  DEFAULT_MAIL_FROM,
  DEFAULT_MAILBOX_DIR,
  DEFAULT_PUBLIC_URL,
  DEFAULT_PURGE_SESSIONS_SCHEDULE,
} from './config.ts';
import { graphileLogger, type Logger } from './logger.ts';
import { startDrainWaker, type DrainWaker } from './audit/wake.ts';
import { createTaskList, type LifecycleDeps } from './tasks/index.ts';
import type { BackupDeps } from './tasks/backup.ts';
import { createMailer, type Mailer } from './tasks/send-emails.ts';
import type { WebhookDeps } from './tasks/alerts-deliver.ts';
import { STRICT_EGRESS } from '@mfiq/api/alerts';

export interface StartWorkerOptions {
  /** Must connect as the worker role (mfiq_worker): never the owner, a superuser or a BYPASSRLS role. */
  connectionString: string;
  /**
   * graphile-worker's queue and the audit drain's waker: they LISTEN, which needs a session, so behind
   * pgbouncer in transaction mode this names PostgreSQL itself. Default: connectionString.
   */
  listenConnectionString?: string;
  concurrency: number;
  /** The worker role's pool bounds; default: concurrency + 1 connections and the role's timeouts. */
  pool?: DbOptions;
  logger: Logger;
  /** graphile-worker crontab text; defaults to the built-in schedule. Pass '' for no cron. */
  crontab?: string;
  /** Mail delivery; default: the dev mailbox directory (no SMTP). */
  mailer?: Mailer;
  /** Milliseconds between polls for future-dated jobs (new jobs arrive by LISTEN/NOTIFY anyway). */
  pollInterval?: number;
  /** Outbox rows per drain transaction. */
  auditDrainBatch?: number;
  /** The drain is woken by writes; this interval is the fallback. 0 turns the waker off (tests). */
  auditDrainIntervalMs?: number;
  /** Backup storage, keys and retention; the backup tasks run only when given. */
  backups?: BackupDeps;
  /** Base of links in alert mail and webhooks; default DEFAULT_PUBLIC_URL. */
  publicUrl?: string;
  /** Signing key and egress policy for webhooks; default: no key (nothing signed), https to public addresses only. */
  webhooks?: WebhookDeps;
  /** Restore drill sample and operator alerts, and the dev mailbox an erasure cleans. */
  lifecycle?: LifecycleDeps;
}

export interface WorkerHandle {
  runner: Runner;
  /** The worker role's Kysely, shared by the tasks. */
  db: Database;
  addJob: Runner['addJob'];
  /** Stops taking jobs, waits for running ones, then closes the pools. Safe to call twice. */
  stop(): Promise<void>;
}

/** The connection would work, but not safely or not at all: a start-up refusal with the reason. */
export class UnsafeRoleError extends Error {
  override name = 'UnsafeRoleError';
}

/**
 * The worker must be subject to the same boundaries as the web app: if it ran as the owner (or any
 * role that bypasses row-level security) one missed tenant filter in a job would read across tenants.
 * Checked against the catalog at start-up, so a wrong URL fails loudly instead of working "fine".
 */
export async function assertRuntimeRole(
  db: Database,
  expected: { variable: string; role: string } = { variable: 'WORKER_DATABASE_URL', role: 'mfiq_worker' },
): Promise<string> {
  const { rows } = await sql<{ role: string; superuser: boolean; bypass: boolean; owner: boolean }>`
    select current_user::text as role, r.rolsuper as superuser, r.rolbypassrls as bypass,
           exists (select 1 from pg_tables t
                    where t.schemaname = 'public' and pg_has_role(current_user, t.tableowner, 'MEMBER')) as owner
      from pg_roles r where r.rolname = current_user`.execute(db);
  const row = rows[0];
  if (!row) throw new UnsafeRoleError('Could not read the connected role from pg_roles.');
  const reasons = [
    row.superuser && 'is a superuser',
    row.bypass && 'has BYPASSRLS',
    row.owner && 'owns the schema',
  ].filter(Boolean);
  if (reasons.length) {
    throw new UnsafeRoleError(
      `Refusing to run as role "${row.role}" (it ${reasons.join(', ')}); ${expected.variable} must name the role ${expected.role}.`,
    );
  }
  return row.role;
}

/**
 * graphile-worker enables row-level security on its private tables with no policies: only their owner
 * (or a BYPASSRLS role) can use them. The worker role needs a policy on each; without one, graphile-
 * worker would start and then fail on every insert, retrying forever. Fail at start-up instead.
 */
export async function assertQueueAccess(db: Database): Promise<void> {
  const { rows } = await sql<{ table: string }>`
    select c.relname::text as table
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity
       and not exists (
         select 1 from pg_policy p
          where p.polrelid = c.oid
            -- role 0 is PUBLIC; CASE keeps pg_has_role from ever seeing it
            and exists (select 1 from unnest(p.polroles) r
                         where case when r = 0 then true else pg_has_role(current_user, r, 'MEMBER') end))
     order by 1`.execute(db);
  if (rows.length) {
    throw new UnsafeRoleError(
      `The worker role has no row-level security policy on graphile_worker.${rows.map((r) => r.table).join(', graphile_worker.')}, ` +
        'so it cannot queue or run jobs. Apply the migrations again (pnpm db:migrate) with a version of @mfiq/db that installs them.',
    );
  }
}

/** Starts graphile-worker with the crontab and the task list, connected as the worker role. */
export async function startWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const { logger } = opts;
  const db = createDb(opts.connectionString, {
    max: opts.concurrency + 1,
    ...opts.pool,
    applicationName: 'mfiq-worker',
  });
  let runner: Runner;
  let waker: DrainWaker | null = null;
  try {
    const role = await assertRuntimeRole(db);
    await assertQueueAccess(db);
    const listenUrl = opts.listenConnectionString ?? opts.connectionString;
    runner = await run({
      connectionString: listenUrl,
      concurrency: opts.concurrency,
      // graphile-worker's advice: at least concurrency + 2 so job release never waits for a client.
      maxPoolSize: Math.max(opts.concurrency + 2, 4),
      pollInterval: opts.pollInterval ?? 2_000,
      logger: graphileLogger(logger),
      // The process owns signal handling (main.ts), so tests and embedders can stop it themselves.
      noHandleSignals: true,
      crontab:
        opts.crontab ??
        buildCrontab({
          purgeSessions: DEFAULT_PURGE_SESSIONS_SCHEDULE,
          backups: opts.backups ? DEFAULT_BACKUPS_SCHEDULE : null,
          drills: DEFAULT_RESTORE_DRILLS_SCHEDULE,
        }),
      taskList: createTaskList({
        db,
        logger,
        auditBatchSize: opts.auditDrainBatch ?? 500,
        mailer:
          opts.mailer ?? createMailer({ smtpUrl: null, from: DEFAULT_MAIL_FROM, mailboxDir: DEFAULT_MAILBOX_DIR }),
        ...(opts.backups ? { backups: opts.backups } : {}),
        publicUrl: opts.publicUrl ?? DEFAULT_PUBLIC_URL,
        webhooks: opts.webhooks ?? { secretBox: null, policy: STRICT_EGRESS },
        ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
      }),
    });
    const intervalMs = opts.auditDrainIntervalMs ?? 5_000;
    if (intervalMs > 0)
      waker = await startDrainWaker({
        connectionString: listenUrl,
        addJob: runner.addJob,
        logger,
        intervalMs,
      });
    logger.info({ role, concurrency: opts.concurrency, mail: opts.mailer?.kind ?? 'mailbox' }, 'worker started');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    runner,
    db,
    addJob: runner.addJob,
    stop() {
      stopping ??= (async () => {
        try {
          await waker?.stop();
          await runner.stop();
        } finally {
          await db.destroy();
          logger.info('worker stopped');
        }
      })();
      return stopping;
    },
  };
}
