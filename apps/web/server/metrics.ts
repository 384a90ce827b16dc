import { timingSafeEqual, createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql, type Database } from '@mfiq/db';
import type { ProcedureObserver } from '@mfiq/api/server';

/**
 * Prometheus metrics. Per-procedure counters and latency come from the API's observer (every call,
 * pages and /api/trpc alike); queue and outbox gauges are read from PostgreSQL when scraped, so
 * they are right whichever replica answers.
 */
export function createMetrics(db: Database, logger: Logger) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mfiq_web_' });

  const calls = new Counter({
    name: 'mfiq_procedure_calls_total',
    help: 'tRPC procedure calls by path, type and result code',
    labelNames: ['path', 'type', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'mfiq_procedure_duration_seconds',
    help: 'tRPC procedure duration in seconds',
    labelNames: ['path', 'type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'mfiq_form_refusals_total',
    help: 'Public form submissions refused by the anti-abuse checks',
    labelNames: ['form', 'reason'],
    registers: [registry],
  });

  const queued = new Gauge({
    name: 'mfiq_jobs_queued',
    help: 'Jobs waiting or running, by task',
    labelNames: ['task'],
    registers: [registry],
  });
  const failed = new Gauge({
    name: 'mfiq_jobs_failed',
    help: 'Jobs that used all their attempts (kept for inspection), by task',
    labelNames: ['task'],
    registers: [registry],
  });
  const retrying = new Gauge({
    name: 'mfiq_jobs_retrying',
    help: 'Jobs that failed at least once and will be retried, by task',
    labelNames: ['task'],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'mfiq_jobs_lag_seconds',
    help: 'Age of the oldest job that is due and not yet picked up, by task',
    labelNames: ['task'],
    registers: [registry],
  });
  const outboxPending = new Gauge({
    name: 'mfiq_audit_outbox_pending',
    help: 'Audit events waiting in the outbox to be drained into the audit log',
    registers: [registry],
  });
  const backupAge = new Gauge({
    name: 'mfiq_backup_last_success_age_seconds',
    help: "Seconds since each organization's last successful backup (since its creation when it has none)",
    labelNames: ['org'],
    registers: [registry],
  });
  // Restore drills (docs/decisions/0123): alert on failed = 1, or on a passed drill growing old.
  const drillFailed = new Gauge({
    name: 'mfiq_restore_drill_failed',
    help: "1 when an organization's last restore drill failed (its backups did not restore as taken)",
    labelNames: ['org'],
    registers: [registry],
  });
  const drillAge = new Gauge({
    name: 'mfiq_restore_drill_last_pass_age_seconds',
    help: "Seconds since an organization's last passed restore drill (since its creation when none passed)",
    labelNames: ['org'],
    registers: [registry],
  });
  const outboxAge = new Gauge({
    name: 'mfiq_audit_outbox_oldest_seconds',
    help: 'Age of the oldest audit event in the outbox',
    registers: [registry],
  });

  async function refreshFromDatabase() {
    const jobs = await sql<{ task: string; queued: number; failed: number; retrying: number; lag: number }>`
      select t.identifier as task,
             count(*) filter (where j.attempts < j.max_attempts)::int as queued,
             count(*) filter (where j.attempts >= j.max_attempts)::int as failed,
             count(*) filter (where j.attempts > 0 and j.attempts < j.max_attempts)::int as retrying,
             coalesce(extract(epoch from now() - min(j.run_at) filter (where j.locked_at is null and j.run_at <= now() and j.attempts < j.max_attempts)), 0)::float8 as lag
        from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
       group by t.identifier`.execute(db);
    for (const g of [queued, failed, retrying, lag]) g.reset();
    for (const row of jobs.rows) {
      queued.set({ task: row.task }, row.queued);
      failed.set({ task: row.task }, row.failed);
      retrying.set({ task: row.task }, row.retrying);
      lag.set({ task: row.task }, row.lag);
    }
    const outbox = await sql<{
      pending: number;
      oldestSeconds: number;
    }>`select pending, oldest_seconds from app_audit_outbox_depth()`.execute(db);
    outboxPending.set(outbox.rows[0]?.pending ?? 0);
    outboxAge.set(outbox.rows[0]?.oldestSeconds ?? 0);
    const backups = await sql<{
      slug: string;
      ageSeconds: number;
    }>`select slug, age_seconds from app_backup_ages()`.execute(db);
    backupAge.reset();
    for (const row of backups.rows) backupAge.set({ org: row.slug }, row.ageSeconds);
    const drills = await sql<{
      slug: string;
      lastPassed: boolean | null;
      passedAgeSeconds: number;
    }>`select slug, last_passed, passed_age_seconds from app_restore_drill_status()`.execute(db);
    drillFailed.reset();
    drillAge.reset();
    for (const row of drills.rows) {
      drillFailed.set({ org: row.slug }, row.lastPassed === false ? 1 : 0);
      drillAge.set({ org: row.slug }, row.passedAgeSeconds);
    }
  }

  const observeProcedure: ProcedureObserver = ({ path, type, code, durationMs }) => {
    calls.inc({ path, type, code });
    latency.observe({ path, type }, durationMs / 1000);
  };

  return {
    registry,
    observeProcedure,
    formRefused(form: string, reason: string) {
      refusals.inc({ form, reason });
    },
    /** GET /metrics: 404 when no token is configured, 401 without the right bearer token. */
    handler(token: string | null) {
      const expected = token ? createHash('sha256').update(token).digest() : null;
      return async (req: Request, res: Response, next: NextFunction) => {
        res.setHeader('Cache-Control', 'no-store');
        if (!expected) return next();
        const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
          res.status(401).type('text/plain').send('A valid bearer token is required.');
          return;
        }
        try {
          await refreshFromDatabase();
        } catch (error) {
          // Process metrics are still worth serving when the database gauges cannot be read.
          logger.warn({ err: error }, 'metrics: database gauges unavailable');
        }
        res.type(registry.contentType).send(await registry.metrics());
      };
    },
  };
}
