import { sql, type TenantDb } from '@mfiq/db';
import { subjectPeriods, type Calendar } from './evaluate.ts';
import type { LoadedRule } from './rules.ts';

/** Rules the database can judge set-wise: thresholds on plain metrics (a formula needs its parts). */
const settleable = (r: LoadedRule) => r.condition.kind === 'threshold' && !r.metric.formula;

/**
 * The rules whose verdict may change something, found set-wise (ADR 0115). Most evaluations of a
 * steady organization change nothing: each threshold either holds with its alert already open, or
 * does not hold and has nothing open to resolve. One statement judges every threshold rule on a
 * plain metric over the same periods as judgePeriod (the previous and the current one, a growing
 * sum's partial period only for "above"), with the same values (each aggregation over the local
 * days' rollups), and answers only the rules where a verdict holds without an open event for its
 * occurrence, or where one does not hold while the rule has an open event, or where the value is
 * too close to the threshold for the two sums' rounding to be trusted. Those and every other kind
 * of rule go on to the full judgement in evaluateAlerts; the rest are settled. When the rules read
 * here are not the ones cached (a rule changed since), every rule is judged in full.
 */
export async function unsettledRules(
  db: TenantDb,
  tenantId: string,
  rules: LoadedRule[],
  cal: Calendar,
): Promise<LoadedRule[]> {
  const settle = rules.filter(settleable);
  if (!settle.length) return rules;
  const grains = [...new Set(settle.map((r) => r.grain))];
  const subjects = grains.map((g) => subjectPeriods(g, cal.weekStart, cal.today));
  const { rows } = await sql<{ judged: number; ids: string[] | null }>`
    with p as (
      select * from unnest(${grains}::metric_grain[], ${subjects.map(([prev]) => prev!.period.start)}::date[],
                           ${subjects.map(([, cur]) => cur!.period.start)}::date[], ${subjects.map(([, cur]) => cur!.period.end)}::date[],
                           ${subjects.map(([prev]) => prev!.occurrence)}::text[], ${subjects.map(([, cur]) => cur!.occurrence)}::text[])
             as p (grain, prev_start, cur_start, cur_end, prev_occ, cur_occ)
    ), r as (
      select a.id, a.metric_id, a.grain, a.condition->>'op' = 'above' as above, (a.condition->>'value')::float8 as t,
             m.aggregation::text as agg
        from alert_rules a
        join metrics m on m.tenant_id = a.tenant_id and m.id = a.metric_id
       where a.tenant_id = ${tenantId} and a.metric_id = any(${[...new Set(settle.map((r) => r.metric.id))]}::uuid[])
         and a.kind = 'threshold' and a.paused_at is null and m.formula is null and m.archived_at is null
    ), v as (
      select k.metric_id, k.grain, p.prev_occ, p.cur_occ, x.prev, x.cur
        from (select distinct metric_id, grain, agg from r) k
        join p on p.grain = k.grain
        cross join lateral (
          select case k.agg
                   when 'sum' then sum(d.sum) filter (where d.day < p.cur_start)
                   when 'count' then sum(d.n::float8) filter (where d.day < p.cur_start)
                   when 'avg' then sum(d.sum) filter (where d.day < p.cur_start) / sum(d.n::float8) filter (where d.day < p.cur_start)
                   when 'min' then min(d.min) filter (where d.day < p.cur_start)
                   when 'max' then max(d.max) filter (where d.day < p.cur_start)
                   else (array_agg(d.last_value order by d.day desc) filter (where d.day < p.cur_start))[1] end as prev,
                 case k.agg
                   when 'sum' then sum(d.sum) filter (where d.day >= p.cur_start)
                   when 'count' then sum(d.n::float8) filter (where d.day >= p.cur_start)
                   when 'avg' then sum(d.sum) filter (where d.day >= p.cur_start) / sum(d.n::float8) filter (where d.day >= p.cur_start)
                   when 'min' then min(d.min) filter (where d.day >= p.cur_start)
                   when 'max' then max(d.max) filter (where d.day >= p.cur_start)
                   else (array_agg(d.last_value order by d.day desc) filter (where d.day >= p.cur_start))[1] end as cur
            from metric_daily_rollups d
           where d.tenant_id = ${tenantId} and d.metric_id = k.metric_id and d.day between p.prev_start and p.cur_end) x
    ), o as (
      select e.rule_id, array_agg(e.occurrence) as occ from alert_events e
       where e.tenant_id = ${tenantId} and e.state <> 'resolved' group by e.rule_id
    ), j as (
      select r.id, o.occ, v.prev_occ, v.cur_occ,
             v.prev is not null as prev_judged,
             v.cur is not null and (r.agg not in ('sum', 'count') or r.above) as cur_judged,
             case when r.above then v.prev > r.t else v.prev < r.t end as prev_holds,
             case when r.above then v.cur > r.t else v.cur < r.t end as cur_holds,
             abs(v.prev - r.t) <= 1e-9 * greatest(1, abs(v.prev), abs(r.t)) as prev_near,
             abs(v.cur - r.t) <= 1e-9 * greatest(1, abs(v.cur), abs(r.t)) as cur_near
        from r
        join v on v.metric_id = r.metric_id and v.grain = r.grain
        left join o on o.rule_id = r.id
    )
    select (select count(*) from r)::int as judged,
           (select array_agg(j.id)::text[] from j
             where (j.prev_judged and (j.prev_holds or j.prev_near) and not coalesce(j.prev_occ = any(j.occ), false))
                or (j.cur_judged and (j.cur_holds or j.cur_near) and not coalesce(j.cur_occ = any(j.occ), false))
                or (j.occ is not null and ((j.prev_judged and (not j.prev_holds or j.prev_near))
                                           or (j.cur_judged and (not j.cur_holds or j.cur_near))))) as ids`.execute(db);
  const row = rows[0]!;
  if (row.judged !== settle.length) return rules;
  const open = new Set(row.ids ?? []);
  return rules.filter((r) => !settleable(r) || open.has(r.id));
}
