import { randomUUID } from 'node:crypto';
import { withNewTenant, withTenant, type Database, type MetricGrain } from '@mfiq/db';
import type { TestDatabase } from '@mfiq/db/testing';
import { storedCondition, type Condition } from '../alerts/conditions.ts';
import { evaluateTenant } from '../alerts/engine.ts';
import type { RuleScope } from '../alerts/rules.ts';
import { writePoints, type PointInput } from '../metrics/points.ts';

export const PUBLIC_URL = 'http://mfiq.test';

/**
 * Fixtures for the alert tests: an organization with members and metrics written as the owner
 * role (fixtures only), points written as the web's role through the real writer (so the rollups
 * and the wake-up trigger run), and evaluations run as the worker's role, as the worker runs them.
 */
export async function alertOrg(
  tdb: TestDatabase,
  opts: { timezone?: string; weekStart?: number; members?: number } = {},
): Promise<{ tenantId: string; slug: string; memberships: string[]; emails: string[] }> {
  const tenantId = randomUUID();
  const slug = `alerts-${tenantId.slice(0, 8)}`;
  const memberships: string[] = [];
  const emails: string[] = [];
  const userIds: string[] = [];
  for (let i = 0; i < (opts.members ?? 1); i++) {
    const id = randomUUID();
    const email = `alert-${id.slice(0, 8)}@example.test`;
    await tdb.owner
      .insertInto('users')
      .values({ id, email, displayName: `Member ${i}`, passwordHash: 'x' })
      .execute();
    userIds.push(id);
    emails.push(email);
  }
  await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({
        tenantId,
        slug,
        name: `Alerts ${slug}`,
        timezone: opts.timezone ?? 'UTC',
        weekStart: opts.weekStart ?? 1,
      })
      .execute();
    for (const [i, userId] of userIds.entries()) {
      const m = await trx
        .insertInto('memberships')
        .values({ tenantId, userId, role: i === 0 ? 'owner' : 'editor' })
        .returning('id')
        .executeTakeFirstOrThrow();
      memberships.push(m.id);
    }
  });
  return { tenantId, slug, memberships, emails };
}

export async function addMetric(
  owner: Database,
  tenantId: string,
  m: {
    key: string;
    aggregation?: 'sum' | 'avg' | 'min' | 'max' | 'count' | 'last';
    formula?: string;
    direction?: 'higher' | 'lower';
  },
): Promise<string> {
  const row = await withTenant(owner, { tenantId }, (trx) =>
    trx
      .insertInto('metrics')
      .values({
        tenantId,
        key: m.key,
        name: m.key.replace(/_/g, ' '),
        aggregation: m.aggregation ?? 'sum',
        formula: m.formula ?? null,
        direction: m.direction ?? 'higher',
      })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return row.id;
}

export async function addRule(
  owner: Database,
  tenantId: string,
  r: {
    metricId: string;
    grain: MetricGrain;
    condition: Condition;
    members?: string[];
    channels?: string[];
    cooldownMinutes?: number;
    quiet?: { start: number; end: number };
    name?: string;
  },
): Promise<string> {
  return withTenant(owner, { tenantId }, async (trx) => {
    const rule = await trx
      .insertInto('alertRules')
      .values({
        tenantId,
        name: r.name ?? `${r.condition.kind} rule`,
        metricId: r.metricId,
        kind: r.condition.kind,
        grain: r.grain,
        condition: storedCondition(r.condition),
        cooldownMinutes: r.cooldownMinutes ?? 0,
        quietStartMinute: r.quiet?.start ?? null,
        quietEndMinute: r.quiet?.end ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const recipients = [
      ...(r.members ?? []).map((membershipId) => ({ tenantId, ruleId: rule.id, membershipId })),
      ...(r.channels ?? []).map((channelId) => ({ tenantId, ruleId: rule.id, channelId })),
    ];
    if (recipients.length) await trx.insertInto('alertRuleRecipients').values(recipients).execute();
    return rule.id;
  });
}

/** Points through the shared writer, as the web role: rollups and the evaluation wake-up follow. */
export async function write(app: Database, tenantId: string, points: PointInput[]): Promise<void> {
  const result = await withTenant(app, { tenantId }, (trx) => writePoints(trx, tenantId, points));
  if (result.rejected) throw new Error(`points rejected: ${JSON.stringify(result.errors)}`);
}

export function evaluate(worker: Database, tenantId: string, now: Date, scope: RuleScope = { all: true }) {
  return evaluateTenant(worker, { tenantId, scope, now, publicUrl: PUBLIC_URL });
}

/** The rule's events as the admin sees them (superuser: assertions only). */
export async function eventsOf(tdb: TestDatabase, ruleId: string) {
  return tdb.admin
    .selectFrom('alertEvents')
    .select(['id', 'occurrence', 'state', 'value', 'baseline', 'notified', 'resolution', 'explanation'])
    .where('ruleId', '=', ruleId)
    .orderBy('occurrence')
    .execute();
}
