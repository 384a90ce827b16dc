import { DELIVER_TASK, DIGEST_LOCAL_HOUR, EVALUATE_TASK } from '@mfiq/api/alerts';
import { sql, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { Logger } from '../logger.ts';
import { DIGEST_TASK } from './alerts-digest.ts';

export const SWEEP_TASK = 'alerts_sweep';

/** Rules whose answer changes as time passes even without new data. */
const payloadSchema = z.object({ rules: z.enum(['stale', 'all']).default('stale') });

const hourIn = (at: Date, timezone: string) =>
  Number(new Intl.DateTimeFormat('en-US', { timeZone: timezone, hour: '2-digit', hourCycle: 'h23' }).format(at));

/**
 * The scheduled side of alerts (crontab): finds, in one call to app_alert_work, the unlocked
 * organizations that have rules, due webhooks or digest readers, and queues their per-tenant jobs,
 * each under a job key so a slow one absorbs the next tick. Every minute: stale rules and due
 * webhooks, digests in the organization's morning (08:00 to 12:00 local); every five minutes: all rules (pace, and
 * periods that ended since the last write).
 */
export function alertsSweepTask(deps: { db: Database; logger: Logger }): Task {
  return async (payload, helpers) => {
    const { rules } = payloadSchema.parse(payload ?? {});
    const now = new Date();
    const { rows } = await sql<{
      tenantId: string;
      timezone: string;
      hasRules: boolean;
      deliveriesDue: boolean;
      digestMembers: boolean;
    }>`select tenant_id, timezone, has_rules, deliveries_due, digest_members from app_alert_work(${now})`.execute(
      deps.db,
    );
    let queued = 0;
    for (const t of rows) {
      if (t.hasRules) {
        const evaluate = rules === 'all' ? { all: true } : { kinds: ['stale'] };
        await helpers.addJob(
          EVALUATE_TASK,
          { tenantId: t.tenantId, ...evaluate },
          { jobKey: `alerts:${t.tenantId}:sweep:${rules}`, jobKeyMode: 'preserve_run_at', maxAttempts: 3 },
        );
        queued += 1;
      }
      if (t.deliveriesDue) {
        await helpers.addJob(
          DELIVER_TASK,
          { tenantId: t.tenantId },
          { jobKey: `${DELIVER_TASK}:${t.tenantId}`, jobKeyMode: 'replace', maxAttempts: 3 },
        );
        queued += 1;
      }
      const hour = hourIn(now, t.timezone);
      // The morning, with a few hours to catch up after a stopped worker; sent once per period anyway.
      if (t.digestMembers && hour >= DIGEST_LOCAL_HOUR && hour < DIGEST_LOCAL_HOUR + 4) {
        await helpers.addJob(
          DIGEST_TASK,
          { tenantId: t.tenantId },
          { jobKey: `${DIGEST_TASK}:${t.tenantId}`, jobKeyMode: 'preserve_run_at', maxAttempts: 3 },
        );
        queued += 1;
      }
    }
    if (queued)
      deps.logger.debug(
        { task: SWEEP_TASK, jobId: helpers.job.id, organizations: rows.length, queued },
        'alerts sweep',
      );
  };
}
