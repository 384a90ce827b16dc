/**
 * Bulk data for the dashboards benchmark, written as the throwaway cluster's superuser: raw points
 * go in with triggers off (session_replication_role = replica), in large generate_series chunks in
 * index order, and the daily rollups are then built per chunk by one INSERT ... SELECT ... GROUP BY,
 * the same aggregate the timezone-change rebuild runs (migration 0005, app_rebuild_rollups).
 * Through the statement trigger, 10 million points took over an hour; this way a few minutes.
 * checkRollups() then proves, on a sample, that the result is what the trigger itself produces.
 */
import { sql, type Database } from '@mfiq/db';

export const SPAN_DAYS = 730;
const CHUNK = 500_000;

export interface GeneratedTenant {
  tenantId: string;
  /** Metric ids in key order; ids[0] is the heavy metric. */
  ids: string[];
  keys: string[];
}

/**
 * `metrics` plain metrics m_0000.. with aggregations sum, avg, last, max in turn; `heavy` points on
 * m_0000 and the rest of `points` spread evenly over the others, all over the last SPAN_DAYS days.
 * Values follow a weekly cycle with noise, rounded to cents.
 */
export async function generateTenant(
  admin: Database,
  opts: { tenantId: string; metrics: number; points: number; heavy: number; log: (s: string) => void },
): Promise<GeneratedTenant> {
  const { tenantId, metrics, points, heavy, log } = opts;
  return admin.connection().execute(async (conn) => {
    // Replica mode skips ordinary triggers (the rollup trigger, and foreign-key checks: every
    // metric id below comes from the metrics just created). The superuser is not subject to RLS;
    // tenant_id is written explicitly.
    await sql`set session_replication_role = replica`.execute(conn);
    await sql`set work_mem = '256MB'`.execute(conn);
    const ids = (
      await sql<{ id: string; key: string }>`
        insert into metrics (tenant_id, key, name, aggregation)
        select ${tenantId}::uuid, 'm_' || lpad(g::text, 4, '0'), 'Metric ' || g, (array['sum','avg','last','max'])[1 + g % 4]::metric_aggregation
          from generate_series(0, ${metrics - 1}::int) g
        returning id, key`.execute(conn)
    ).rows.sort((a, b) => (a.key < b.key ? -1 : 1));
    const { timezone } = (
      await sql<{ timezone: string }>`select timezone from organizations where tenant_id = ${tenantId}`.execute(conn)
    ).rows[0]!;
    const end = Date.now() / 1000;
    // Rows are inserted in primary-key order (metric id, then ts ascending) so the index grows at
    // its right edge; g counts down so ts counts up.
    const insert = (metricIds: string[], perMetric: number, from: number, to: number) =>
      sql`insert into data_points (tenant_id, metric_id, ts, value)
          select ${tenantId}::uuid, m, to_timestamp(${end}::float8 - g * ${(SPAN_DAYS * 86_400) / perMetric}::float8),
                 round((100 + 40 * sin(g * 6.283 / greatest(1, ${perMetric / (SPAN_DAYS / 7)}::float8)) + random() * 20)::numeric, 2)
            from unnest(${metricIds}::uuid[]) m, generate_series(${to}::int, ${from}::int, -1) g
           order by m, g desc`.execute(conn);
    const rollup = (metricIds: string[]) =>
      sql`insert into metric_daily_rollups (tenant_id, metric_id, day, n, sum, min, max, last_ts, last_value)
          select tenant_id, metric_id, (ts at time zone ${timezone})::date, count(*)::int, sum(value), min(value), max(value),
                 max(ts), (array_agg(value order by ts desc))[1]
            from data_points
           where tenant_id = ${tenantId}::uuid and metric_id = any(${metricIds}::uuid[])
           group by 1, 2, 3`.execute(conn);

    const heavyId = ids[0]!.id;
    for (let from = 0; from < heavy; from += CHUNK) {
      await insert([heavyId], heavy, from, Math.min(heavy, from + CHUNK) - 1);
      log(`  heavy metric: ${Math.min(heavy, from + CHUNK).toLocaleString()} / ${heavy.toLocaleString()} points`);
    }
    if (heavy > 0) await rollup([heavyId]);
    const rest = ids
      .slice(heavy > 0 ? 1 : 0)
      .map((r) => r.id)
      .sort();
    const perMetric = rest.length ? Math.floor((points - heavy) / rest.length) : 0;
    if (perMetric > 0) {
      const metricsPerChunk = Math.max(1, Math.floor(CHUNK / perMetric));
      for (let i = 0; i < rest.length; i += metricsPerChunk) {
        const chunk = rest.slice(i, i + metricsPerChunk);
        await insert(chunk, perMetric, 0, perMetric - 1);
        await rollup(chunk);
        log(
          `  metrics: ${Math.min(rest.length, i + metricsPerChunk)} / ${rest.length} (${perMetric.toLocaleString()} points each)`,
        );
      }
    }
    // What the rollup trigger (migration 0061) gives every metric with rollups: a data revision.
    await sql`insert into metric_data_revisions (tenant_id, metric_id)
              select distinct tenant_id, metric_id from metric_daily_rollups where tenant_id = ${tenantId}::uuid`.execute(
      conn,
    );
    await sql`reset session_replication_role`.execute(conn);
    return { tenantId, ids: ids.map((r) => r.id), keys: ids.map((r) => r.key) };
  });
}

export interface RollupCheck {
  metricsChecked: number;
  rows: number;
  /** Largest |generated sum - trigger sum| / max(1, |sum|): only the order of float additions differs. */
  maxSumRelDiff: number;
}

/**
 * For a sample of metrics, rebuilds their rollups with the trigger's own function
 * (app_refresh_rollup_days over every point of those metrics) inside a transaction that is rolled
 * back, and compares row by row with what generateTenant wrote: the same (metric, day) keys and the
 * same n, min, max, last_ts and last_value exactly; sums equal up to float summation order. Also
 * checks, per tenant, that the rollups count every raw point once. Throws on any difference.
 */
export async function checkRollups(
  admin: Database,
  samples: { tenantId: string; metricIds: string[] }[],
): Promise<RollupCheck> {
  let rows = 0;
  let maxSumRelDiff = 0;
  let metricsChecked = 0;
  for (const { tenantId, metricIds } of samples) {
    const totals = await sql<{ points: string; counted: string }>`
      select (select count(*) from data_points where tenant_id = ${tenantId}::uuid)::text as points,
             (select coalesce(sum(n), 0) from metric_daily_rollups where tenant_id = ${tenantId}::uuid)::text as counted`.execute(
      admin,
    );
    const t = totals.rows[0]!;
    if (t.points !== t.counted)
      throw new Error(`rollup check: tenant ${tenantId} has ${t.points} points but its rollups count ${t.counted}`);
    await admin
      .transaction()
      .execute(async (trx) => {
        await sql`create temp table generated on commit drop as
                  select * from metric_daily_rollups where tenant_id = ${tenantId}::uuid and metric_id = any(${metricIds}::uuid[])`.execute(
          trx,
        );
        await sql`delete from metric_daily_rollups where tenant_id = ${tenantId}::uuid and metric_id = any(${metricIds}::uuid[])`.execute(
          trx,
        );
        await sql`select app_refresh_rollup_days(array_agg(tenant_id), array_agg(metric_id), array_agg(ts))
                    from data_points where tenant_id = ${tenantId}::uuid and metric_id = any(${metricIds}::uuid[])`.execute(
          trx,
        );
        const diff = await sql<{
          rows: number;
          missing: number;
          extra: number;
          different: number;
          maxRel: number | null;
        }>`
          with fresh as (select * from metric_daily_rollups where tenant_id = ${tenantId}::uuid and metric_id = any(${metricIds}::uuid[]))
          select count(*)::int as rows,
                 count(*) filter (where g.day is null)::int as missing,
                 count(*) filter (where r.day is null)::int as extra,
                 count(*) filter (where g.n <> r.n or g.min <> r.min or g.max <> r.max or g.last_ts <> r.last_ts or g.last_value <> r.last_value
                                     or abs(g.sum - r.sum) > 1e-9 * greatest(1, abs(r.sum)))::int as different,
                 max(abs(g.sum - r.sum) / greatest(1, abs(r.sum))) as max_rel
            from generated g
            full join fresh r on r.tenant_id = g.tenant_id and r.metric_id = g.metric_id and r.day = g.day`.execute(
          trx,
        );
        const d = diff.rows[0]!;
        if (d.missing || d.extra || d.different || d.rows === 0) {
          throw new Error(
            `rollup check FAILED for tenant ${tenantId}: ${d.rows} rows, ${d.missing} only from the trigger, ${d.extra} only generated, ${d.different} with different values`,
          );
        }
        rows += d.rows;
        maxSumRelDiff = Math.max(maxSumRelDiff, d.maxRel ?? 0);
        metricsChecked += metricIds.length;
        throw new RolledBack();
      })
      .catch((e: unknown) => {
        if (!(e instanceof RolledBack)) throw e;
      });
  }
  return { metricsChecked, rows, maxSumRelDiff };
}

class RolledBack extends Error {}
