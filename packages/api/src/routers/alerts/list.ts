import { sql } from '@mfiq/db';
import { z } from 'zod';
import { describeCondition } from '../../alerts/explain.ts';
import { readCondition } from '../../alerts/conditions.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { ruleSummaryOutput } from './schemas.ts';

/** The organization's rules with what is going on with each: open alerts, last fired, the caller's mute. */
export const list = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .output(z.array(ruleSummaryOutput))
  .query(async ({ ctx }) => {
    const rows = await ctx.db
      .selectFrom('alertRules as r')
      .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'r.tenantId').onRef('m.id', '=', 'r.metricId'))
      .leftJoin('alertMutes as mu', (j) =>
        j
          .onRef('mu.tenantId', '=', 'r.tenantId')
          .onRef('mu.ruleId', '=', 'r.id')
          .on('mu.membershipId', '=', ctx.membershipId),
      )
      .select([
        'r.id',
        'r.name',
        'r.kind',
        'r.grain',
        'r.condition',
        'r.pausedAt',
        'm.key as metricKey',
        'm.name as metricName',
        'm.unit',
        'm.currency',
        'mu.id as muteId',
        'mu.until as muteUntil',
        sql<number>`(select count(*)::int from alert_events e where e.tenant_id = r.tenant_id and e.rule_id = r.id and e.state <> 'resolved')`.as(
          'openEvents',
        ),
        sql<Date | null>`(select max(e.fired_at) from alert_events e where e.tenant_id = r.tenant_id and e.rule_id = r.id)`.as(
          'lastFiredAt',
        ),
        sql<number>`(select count(*)::int from alert_rule_recipients x where x.tenant_id = r.tenant_id and x.rule_id = r.id)`.as(
          'recipients',
        ),
      ])
      .where('r.tenantId', '=', ctx.tenant.id)
      .orderBy('r.name')
      .orderBy('r.id')
      .limit(1000)
      .execute();
    return rows.map((r) => {
      const condition = readCondition(r.kind, r.condition);
      const live = r.muteId !== null && (r.muteUntil === null || r.muteUntil > new Date());
      return {
        id: r.id,
        name: r.name,
        kind: r.kind,
        grain: r.grain,
        metricKey: r.metricKey,
        metricName: r.metricName,
        conditionText: condition ? describeCondition(condition, r.grain, r) : 'this rule can no longer be read',
        paused: r.pausedAt !== null,
        openEvents: r.openEvents,
        lastFiredAt: r.lastFiredAt,
        recipients: r.recipients,
        myMute: live ? { until: r.muteUntil } : null,
      };
    });
  });
