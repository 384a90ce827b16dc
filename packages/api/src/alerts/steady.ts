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
    ), v as materialized (
      -- Each metric's value in both periods, and what judging it depends on besides the threshold: a
      -- growing sum's partial period is judged for "above" only and, when it does not hold, is not
      -- final (judgePeriod's "definite"); a sum or average of several days may round differently
      -- here and in judgePeriod (fuzzy: too close to the threshold is judged in full).
      select m.id as metric_id, p.grain, x.prev, x.cur,
             m.aggregation in ('sum', 'count') as grows,
             case when m.aggregation in ('sum', 'count') then 16 else 16 | 32 end as cur_clear,
             m.aggregation in ('sum', 'avg') and x.prev_days > 1 as prev_fuzzy,
             m.aggregation in ('sum', 'avg') and x.cur_days > 1 as cur_fuzzy
        from metrics m
       cross join p
       cross join lateral (
          select case m.aggregation::text
                   when 'sum' then sum(d.sum) filter (where d.day < p.cur_start)
                   when 'count' then sum(d.n::float8) filter (where d.day < p.cur_start)
                   when 'avg' then sum(d.sum) filter (where d.day < p.cur_start) / sum(d.n::float8) filter (where d.day < p.cur_start)
                   when 'min' then min(d.min) filter (where d.day < p.cur_start)
                   when 'max' then max(d.max) filter (where d.day < p.cur_start)
                   else (array_agg(d.last_value order by d.day desc) filter (where d.day < p.cur_start))[1] end as prev, case m.aggregation::text
                   when 'sum' then sum(d.sum) filter (where d.day >= p.cur_start)
                   when 'count' then sum(d.n::float8) filter (where d.day >= p.cur_start)
                   when 'avg' then sum(d.sum) filter (where d.day >= p.cur_start) / sum(d.n::float8) filter (where d.day >= p.cur_start)
                   when 'min' then min(d.min) filter (where d.day >= p.cur_start)
                   when 'max' then max(d.max) filter (where d.day >= p.cur_start)
                   else (array_agg(d.last_value order by d.day desc) filter (where d.day >= p.cur_start))[1] end as cur,
                 count(*) filter (where d.day < p.cur_start) as prev_days, count(*) filter (where d.day >= p.cur_start) as cur_days
            from metric_daily_rollups d
           where d.tenant_id = ${tenantId} and d.metric_id = m.id and d.day between p.prev_start and p.cur_end) x
       where m.tenant_id = ${tenantId} and m.id = any(${[...new Set(settle.map((r) => r.metric.id))]}::uuid[])
         and m.formula is null and m.archived_at is null
    ), r as (
      -- Each rule's verdicts on the two periods as bits: 1 a rule, 2/4 the previous/current period holds
      -- (or is too close to call), 8/16 it does not (or is too close), 32 the current one is final.
      select a.id as rule_id,
             1 | case when v.prev is null then 0 when (c.above and v.prev > c.t) or (not c.above and v.prev < c.t) then 2 else 8 end
               | case when v.prev_fuzzy and abs(v.prev - c.t) <= 1e-9 * greatest(1, abs(v.prev), abs(c.t)) then 2 | 8 else 0 end
               | case when v.cur is null or (v.grows and not c.above) then 0
                      when (c.above and v.cur > c.t) or (not c.above and v.cur < c.t) then 4 else v.cur_clear end
               | case when v.cur_fuzzy and (c.above or not v.grows) and abs(v.cur - c.t) <= 1e-9 * greatest(1, abs(v.cur), abs(c.t))
                      then 4 | v.cur_clear else 0 end as f
        from v
        join alert_rules a on a.tenant_id = ${tenantId} and a.metric_id = v.metric_id and a.grain = v.grain
                          and a.kind = 'threshold' and a.paused_at is null
        -- offset 0: read once per rule, not once per use (reading the JSON is most of the cost).
       cross join lateral (select a.condition->>'op' = 'above' as above, (a.condition->>'value')::float8 as t offset 0) c
    ), g as (
      -- Open events as bits: 64/128 the previous/current period's, 256/512 one up to the previous/current
      -- period. Rules and the organization's open events side by side, their bits or-ed by rule: one pass
      -- over each whatever the planner guesses about their sizes (a join it misjudged probed once
      -- per rule). An event of a grain not judged here counts as older than anything (it is kept).
      select u.rule_id, bit_or(u.f) as f
        from (select r.rule_id, r.f from r
              union all
              select e.rule_id,
                     case when e.occurrence = p.prev_occ then 64 else 0 end
                     | case when e.occurrence = p.cur_occ then 128 else 0 end
                     | case when coalesce(e.period_start <= p.prev_start, true) then 256 else 0 end
                     | case when coalesce(e.period_start <= p.cur_start, true) then 512 else 0 end
                from alert_events e
                left join p on p.grain = e.grain
               where e.tenant_id = ${tenantId} and e.state <> 'resolved') u
       group by u.rule_id
    )
    select count(*) filter (where g.f & 1 <> 0)::int as judged,
           (array_agg(g.rule_id) filter (where g.f & 1 <> 0 and (
             -- holds (or too close to call) without an open event for its period: it may fire or reopen;
                (g.f & 2 <> 0 and g.f & 64 = 0) or (g.f & 4 <> 0 and g.f & 128 = 0)
             -- does not hold (or too close) while an event it could resolve is open: its own period's,
             -- or, for a final answer, any up to its period.
             or (g.f & 8 <> 0 and g.f & (64 | 256) <> 0)
             or (g.f & 16 <> 0 and (g.f & 128 <> 0 or (g.f & 32 <> 0 and g.f & 512 <> 0))))))::text[] as ids
      from g`.execute(db);

  const row = rows[0]!;
  if (row.judged !== settle.length) return rules;
  const open = new Set(row.ids ?? []);
  return rules.filter((r) => !settleable(r) || open.has(r.id));
}
