import { sql, type TenantDb } from '@mfiq/db';
import { audit, type AuditContext } from '../audit.ts';
import { addDays, localDate } from '../metrics/periods.ts';
import { zonedMidnight } from '../metrics/zoned.ts';
import { evaluateFormula, parseFormula } from '../metrics/formula.ts';
import { DEMO_DASHBOARD, DEMO_METRICS, dayIndex, seededNormal, type DemoMetric } from './demo-metrics.ts';

// Two years: a year of history for "last 12 months" to compare with.
const DAYS = 731;
const RECENT_DAYS = 28;
const PERIOD_DAYS = { month: 30.4, quarter: 91.3 } as const;

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Two significant digits: targets people set are round numbers. */
const roundNice = (v: number) => Number(v.toPrecision(2));

/**
 * A target near the recent level: for sums, the last four weeks' daily pace over the target's
 * period; for levels, their mean; for a formula, the formula over its parts' recent sums.
 */
function targetValue(
  m: DemoMetric,
  t: { grain: 'month' | 'quarter'; factor: number },
  recent: Map<string, number[]>,
): number | null {
  if (m.formula) {
    const v = evaluateFormula(parseFormula(m.formula), (k) => {
      const xs = recent.get(k);
      return xs ? xs.reduce((a, b) => a + b, 0) : null;
    });
    return v === null ? null : roundNice(v * t.factor);
  }
  const xs = recent.get(m.key);
  if (!xs?.length) return null;
  return roundNice(m.aggregation === 'sum' ? mean(xs) * PERIOD_DAYS[t.grain] * t.factor : mean(xs) * t.factor);
}

/**
 * The demo organization's metrics, data, targets and home dashboard, inside the seed's tenant
 * transaction. Points go in with one INSERT ... SELECT FROM unnest (the rollup trigger runs once),
 * and a value is rewritten only when it differs, so a second run on the same day changes nothing.
 */
export async function seedDemoMetrics(db: TenantDb, tenantId: string, timezone: string, now = new Date()) {
  const ctx: AuditContext = {
    db,
    tenant: { id: tenantId },
    actor: { type: 'system', id: null, display: 'demo seed' },
    request: { ip: null, userAgent: null, requestId: 'seed' },
  };
  const created = await sql<{ id: string; key: string }>`
    insert into metrics (tenant_id, key, name, description, unit, currency, aggregation, direction, default_grain, tags, formula)
    select ${tenantId}::uuid, m.key, m.name, m.description, m.unit::metric_unit, m.currency, m.aggregation::metric_aggregation,
           m.direction::metric_direction, m.grain::metric_grain, string_to_array(m.tags, ','), m.formula
      from jsonb_to_recordset(${JSON.stringify(
        DEMO_METRICS.map((m) => ({
          ...m,
          currency: m.currency ?? null,
          formula: m.formula ?? null,
          grain: m.defaultGrain,
          tags: m.tags.join(','),
        })),
      )}::jsonb) as m (key text, name text, description text, unit text, currency text, aggregation text, direction text, grain text, tags text, formula text)
    on conflict (tenant_id, key) do nothing
    returning id, key`.execute(db);
  for (const m of created.rows)
    await audit(ctx, {
      action: 'metric.created',
      target: { type: 'metric', id: m.id, display: m.key },
      after: { key: m.key, source: 'demo seed' },
    });

  const metrics = await db
    .selectFrom('metrics')
    .select(['id', 'key'])
    .where('tenantId', '=', tenantId)
    .where(
      'key',
      'in',
      DEMO_METRICS.map((m) => m.key),
    )
    .execute();
  const idOf = new Map(metrics.map((m) => [m.key, m.id]));

  // Days ending today in the organization's timezone.
  const today = localDate(now, timezone);
  const ids: string[] = [];
  const stamps: string[] = [];
  const values: number[] = [];
  const recent = new Map<string, number[]>();
  for (let i = DAYS - 1; i >= 0; i--) {
    const date = addDays(today, -i);
    const { t, dow } = dayIndex(date);
    const ts = zonedMidnight(date, timezone).toISOString();
    for (const m of DEMO_METRICS) {
      if (!m.value) continue;
      const v = m.value(t, dow, seededNormal(`${m.key}:${date}`));
      ids.push(idOf.get(m.key)!);
      stamps.push(ts);
      values.push(v);
      if (i < RECENT_DAYS) recent.set(m.key, [...(recent.get(m.key) ?? []), v]);
    }
  }
  // A few statements of ~3,000 rows (about eight months of days each): each stays short, and so
  // does its rollup trigger, even on a busy machine.
  let n = 0;
  const slice = 3_000;
  for (let i = 0; i < ids.length; i += slice) {
    const written = await sql`
      insert into data_points (tenant_id, metric_id, ts, value)
      select ${tenantId}::uuid, m, t, v from unnest(${ids.slice(i, i + slice)}::uuid[], ${stamps.slice(i, i + slice)}::timestamptz[], ${values.slice(i, i + slice)}::float8[]) as u (m, t, v)
      on conflict (tenant_id, metric_id, ts) do update set value = excluded.value, updated_at = now()
        where data_points.value is distinct from excluded.value`.execute(db);
    n += Number(written.numAffectedRows ?? 0);
  }
  if (n > 0)
    await audit(ctx, {
      action: 'data.points_written',
      after: { source: 'demo seed', received: ids.length, written: n },
    });

  // Targets for metrics that have none (an edited or deleted target is the user's to keep).
  const withTargets = new Set(
    (await db.selectFrom('metricTargets').select('metricId').where('tenantId', '=', tenantId).execute()).map(
      (r) => r.metricId,
    ),
  );
  for (const m of DEMO_METRICS) {
    const metricId = idOf.get(m.key)!;
    if (withTargets.has(metricId)) continue;
    for (const t of m.targets ?? []) {
      const value = targetValue(m, t, recent);
      if (value === null) continue;
      const row = await db
        .insertInto('metricTargets')
        .values({ tenantId, metricId, kind: 'recurring', grain: t.grain, value })
        .returning('id')
        .executeTakeFirstOrThrow();
      await audit(ctx, {
        action: 'target.created',
        target: { type: 'metric_target', id: row.id, display: m.key },
        after: { metric: m.key, kind: 'recurring', grain: t.grain, value },
      });
    }
  }

  // The home dashboard, when the organization has no dashboard at all.
  const any = await db
    .selectFrom('dashboards')
    .select('id')
    .where('tenantId', '=', tenantId)
    .limit(1)
    .executeTakeFirst();
  if (!any) {
    const d = await db
      .insertInto('dashboards')
      .values({
        tenantId,
        name: DEMO_DASHBOARD.name,
        range: DEMO_DASHBOARD.range,
        grain: DEMO_DASHBOARD.grain,
        isDefault: true,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('dashboardTiles')
      .values(
        DEMO_DASHBOARD.tiles.map((t, position) => ({
          tenantId,
          dashboardId: d.id,
          metricId: idOf.get(t.metric)!,
          kind: t.kind,
          title: t.title ?? null,
          position,
        })),
      )
      .execute();
    await audit(ctx, {
      action: 'dashboard.created',
      target: { type: 'dashboard', id: d.id, display: DEMO_DASHBOARD.name },
      after: { name: DEMO_DASHBOARD.name, tiles: DEMO_DASHBOARD.tiles.length, source: 'demo seed' },
    });
  }
  return { metrics: metrics.length, points: ids.length, pointsWritten: n };
}
