import type { Runner } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from '../logger.ts';

export const AUDIT_DRAIN = 'audit_drain';
/** Channel the outbox triggers notify on (migration 0004). */
const AUDIT_CHANNEL = 'mfiq_audit_outbox';

/**
 * Queues a drain. The job key folds any number of wake-ups into one queued job; a running drain
 * holds its job locked, so a wake-up during it queues exactly one follow-up that picks up what was
 * written meanwhile.
 */
function queueDrain(addJob: Runner['addJob']) {
  return addJob(AUDIT_DRAIN, {}, { jobKey: AUDIT_DRAIN, jobKeyMode: 'preserve_run_at', maxAttempts: 3 });
}

export interface DrainWaker {
  stop(): Promise<void>;
}

/**
 * Wakes the drain on demand and on a short interval. Writers' transactions notify at commit (a
 * statement trigger on the outboxes); this process listens and queues a drain job, debounced so a
 * burst of writes costs one job. The interval covers notifications missed while no worker listened
 * or while the listening connection was being re-established; the crontab covers a dead process.
 */
export async function startDrainWaker(opts: {
  connectionString: string;
  addJob: Runner['addJob'];
  logger: Logger;
  intervalMs: number;
  debounceMs?: number;
}): Promise<DrainWaker> {
  const { logger } = opts;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let client: pg.Client | null = null;

  const wake = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (stopped) return;
      queueDrain(opts.addJob).catch((err: unknown) => logger.warn({ err }, 'could not queue the audit drain'));
    }, opts.debounceMs ?? 25);
  };

  const listen = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: opts.connectionString, application_name: 'mfiq-worker-audit-listen' });
    c.on('notification', wake);
    c.on('error', (err) => {
      logger.warn({ err }, 'audit listener connection lost; reconnecting');
      c.end().catch(() => {});
      if (client === c) client = null;
      setTimeout(() => void listen().catch(() => {}), 1_000).unref();
    });
    await c.connect();
    await c.query(`listen ${AUDIT_CHANNEL}`);
    client = c;
    wake(); // whatever was written while nobody listened
  };

  await listen();
  const interval = setInterval(wake, opts.intervalMs);
  interval.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(interval);
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => {});
    },
  };
}
