import { randomUUID } from 'node:crypto';
import { sql, type Database, type TenantDb } from '@mfiq/db';
import { batchMetricValues } from '../dashboards/values.ts';
import { addDays, localDate, periodOf, periodStart, type Period } from '../metrics/periods.ts';
import { targetProgress, type TargetProgress } from '../metrics/targets.ts';
import { zonedMidnight } from '../metrics/zoned.ts';
import { selectTargets, toDef } from '../routers/targets/query.ts';
import { formatNumber, type Explanation, type MetricLabel } from './explain.ts';
import { localMinutes } from './quiet.ts';
import { unlessLocked } from './tenant.ts';

/** Digests go out from this local hour on (the organization's morning), once per period. */
export const DIGEST_LOCAL_HOUR = 8;
const MAX_METRICS = 50;
const MAX_ALERTS = 20;

export type DigestFrequency = 'daily' | 'weekly';

interface DigestMetric extends MetricLabel {
  value: number | null;
  previous: number | null;
  /** (value - previous) / |previous| in percent, null when either is missing or previous is 0. */
  change: number | null;
  targets: TargetProgress[];
}

export interface Digest {
  frequency: DigestFrequency;
  period: Period;
  metrics: DigestMetric[];
  alerts: { firedAt: Date; ruleName: string; summary: string; link: string }[];
  alertCount: number;
}

/** The period a digest sent on `today` covers: yesterday, or the week before the current one. */
export function digestPeriod(frequency: DigestFrequency, today: string, weekStart: number): Period {
  if (frequency === 'daily') {
    const y = addDays(today, -1);
    return { start: y, end: y };
  }
  return periodOf(addDays(periodStart(today, 'week', weekStart), -1), 'week', weekStart);
}

/**
 * A member's digest: the metrics they follow or own, each over the period with the period before
 * it and the progress of its targets as of the period's last day (the numbers metrics.series,
 * dashboards and targets.list give for the same range), and the alerts that reached their inbox
 * during the period.
 */
export async function buildDigest(
  db: TenantDb,
  org: { tenantId: string; timezone: string; weekStart: number },
  membershipId: string,
  frequency: DigestFrequency,
  period: Period,
): Promise<Digest> {
  const metrics = await db
    .selectFrom('metrics as m')
    .select(['m.id', 'm.key', 'm.name', 'm.unit', 'm.currency', 'm.aggregation', 'm.direction', 'm.formula'])
    .where('m.tenantId', '=', org.tenantId)
    .where('m.archivedAt', 'is', null)
    .where((eb) =>
      eb.or([
        eb('m.ownerMembershipId', '=', membershipId),
        eb.exists(
          eb
            .selectFrom('metricFollows as f')
            .select('f.id')
            .whereRef('f.tenantId', '=', 'm.tenantId')
            .whereRef('f.metricId', '=', 'm.id')
            .where('f.membershipId', '=', membershipId),
        ),
      ]),
    )
    .orderBy('m.name')
    .limit(MAX_METRICS)
    .execute();
  const previous = frequency === 'daily' ? addDays(period.start, -1) : addDays(period.start, -7);
  const values = metrics.length
    ? await batchMetricValues(db, org.tenantId, metrics, [
        { from: period.start, to: period.end },
        { from: previous, to: addDays(period.start, -1) },
      ])
    : new Map<string, (number | null)[]>();
  const targetRows = metrics.length
    ? await selectTargets(db, org.tenantId)
        .where(
          'metricId',
          'in',
          metrics.map((m) => m.id),
        )
        .execute()
    : [];
  const out: DigestMetric[] = [];
  for (const m of metrics) {
    const [value, prev] = values.get(m.id) ?? [null, null];
    const targets = targetRows.filter((t) => t.metricId === m.id).map(toDef);
    out.push({
      key: m.key,
      name: m.name,
      unit: m.unit,
      currency: m.currency,
      value: value ?? null,
      previous: prev ?? null,
      change:
        value === null || value === undefined || prev === null || prev === undefined || prev === 0
          ? null
          : ((value - prev) / Math.abs(prev)) * 100,
      targets: targets.length
        ? await targetProgress(db, { tenantId: org.tenantId, weekStart: org.weekStart }, m, targets, period.end)
        : [],
    });
  }
  const from = zonedMidnight(period.start, org.timezone);
  const to = zonedMidnight(addDays(period.end, 1), org.timezone);
  const alerts = await db
    .selectFrom('notifications as n')
    .innerJoin('alertEvents as e', (j) => j.onRef('e.tenantId', '=', 'n.tenantId').onRef('e.id', '=', 'n.eventId'))
    .select(['e.firedAt', 'e.explanation', sql<number>`count(*) over ()`.as('total')])
    .where('n.tenantId', '=', org.tenantId)
    .where('n.membershipId', '=', membershipId)
    .where('n.createdAt', '>=', from)
    .where('n.createdAt', '<', to)
    .orderBy('e.firedAt')
    .limit(MAX_ALERTS)
    .execute();
  return {
    frequency,
    period,
    metrics: out,
    alerts: alerts.map((a) => {
      const x = a.explanation as unknown as Explanation;
      return { firedAt: a.firedAt, ruleName: x.rule.name, summary: x.summary, link: x.link };
    }),
    alertCount: alerts[0] ? Number(alerts[0].total) : 0,
  };
}

const pct = (v: number) =>
  `${v >= 0 ? '+' : ''}${formatNumber(Math.round(v * 10) / 10, { unit: 'number', currency: null })} %`;
const STATUS: Record<TargetProgress['status'], string> = {
  on_track: 'on track',
  at_risk: 'at risk',
  off_track: 'off track',
  no_data: 'no data',
};

function digestMail(org: { name: string; slug: string }, d: Digest, publicUrl: string) {
  const label = d.frequency === 'daily' ? d.period.start : `the week of ${d.period.start}`;
  const lines = [`Your ${d.frequency} digest for ${org.name}, ${label}.`, ''];
  if (d.metrics.length) {
    lines.push('Metrics you follow');
    for (const m of d.metrics) {
      const against = d.frequency === 'daily' ? 'the day before' : 'the week before';
      let line = `  ${m.name}: ${formatNumber(m.value, m)}${m.change === null ? '' : ` (${pct(m.change)} on ${against})`}`;
      for (const t of m.targets) {
        const share =
          t.forecastAttainment === null
            ? ''
            : `, on pace for ${formatNumber(Math.round(t.forecastAttainment * 1000) / 10, { unit: 'number', currency: null })} %`;
        line += `\n    target ${formatNumber(t.target, m)} for ${t.period.start} to ${t.period.end}: ${STATUS[t.status]}${share}`;
      }
      lines.push(line);
    }
    lines.push('');
  } else lines.push('You follow no metrics yet: follow one from its page to see it here.', '');
  if (d.alertCount) {
    lines.push(`Alerts that fired for you (${d.alertCount})`);
    for (const a of d.alerts) lines.push(`  - ${a.ruleName}: ${a.summary}`);
    if (d.alertCount > d.alerts.length) lines.push(`  ... and ${d.alertCount - d.alerts.length} more in your inbox.`);
  } else lines.push('No alerts fired for you.');
  lines.push(
    '',
    `Open ${org.name}: ${publicUrl}/orgs/${org.slug}`,
    '',
    '-- ',
    'Metric Flow IQ',
    `Change or stop this digest: ${publicUrl}/account/notifications`,
  );
  return { subject: `[${org.name}] Your ${d.frequency} digest: ${label}`, text: lines.join('\n') };
}

/**
 * Sends the digests due in one organization: from its local morning on, each member who asked for
 * one gets it once per period (the alert_digests key refuses a second, whatever the number of
 * workers or retries). A locked organization sends none.
 */
export async function sendDigests(
  db: Database,
  opts: { tenantId: string; now?: Date; publicUrl: string },
): Promise<{ sent: number; due: number }> {
  const now = opts.now ?? new Date();
  const out = await unlessLocked(db, opts.tenantId, async (trx) => {
    const org = await trx
      .selectFrom('organizations')
      .select(['slug', 'name', 'timezone', 'weekStart', 'lockedAt'])
      .where('tenantId', '=', opts.tenantId)
      .executeTakeFirst();
    if (!org || org.lockedAt) return { sent: 0, due: 0 };
    if (localMinutes(now, org.timezone) < DIGEST_LOCAL_HOUR * 60) return { sent: 0, due: 0 };
    const today = localDate(now, org.timezone);
    const { rows: members } = await sql<{
      membershipId: string;
      email: string;
      disabled: boolean;
      digest: 'off' | DigestFrequency;
    }>`
      select membership_id, email, disabled, digest from app_alert_members() where digest <> 'off' and not disabled`.execute(
      trx,
    );
    let sent = 0;
    let due = 0;
    for (const m of members) {
      if (m.digest === 'off') continue;
      const period = digestPeriod(m.digest, today, org.weekStart);
      const done = await trx
        .selectFrom('alertDigests')
        .select('id')
        .where('tenantId', '=', opts.tenantId)
        .where('membershipId', '=', m.membershipId)
        .where('frequency', '=', m.digest)
        .where('periodStart', '=', sql<Date>`${period.start}::date`)
        .executeTakeFirst();
      if (done) continue;
      due += 1;
      const digest = await buildDigest(trx, { tenantId: opts.tenantId, ...org }, m.membershipId, m.digest, period);
      const empty = !digest.metrics.length && !digest.alertCount;
      const mailId = empty ? null : randomUUID();
      const recorded = await trx
        .insertInto('alertDigests')
        .values({
          tenantId: opts.tenantId,
          membershipId: m.membershipId,
          frequency: m.digest,
          periodStart: sql<Date>`${period.start}::date`,
          periodEnd: sql<Date>`${period.end}::date`,
          emailOutboxId: mailId,
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!recorded || !mailId) continue;
      const mail = digestMail(org, digest, opts.publicUrl);
      await trx
        .insertInto('emailOutbox')
        .values({ id: mailId, kind: 'digest', toAddress: m.email, subject: mail.subject, textBody: mail.text })
        .execute();
      sent += 1;
    }
    return { sent, due };
  });
  // A locked organization is not entered: no digests while the lock lasts.
  return out.locked ? { sent: 0, due: 0 } : out.result;
}
