-- Waking the evaluator, batched (ADR 0110, "Measured and changed"): a statement that writes points
-- queues one job per organization, not one per touched metric. Its payload is a JSON array of
-- {tenantId, metricIds}; graphile-worker's add_jobs concatenates the arrays of two jobs under one
-- job key (both payloads arrays, the queued job not yet locked), so every write until the job starts
-- adds its metrics to the same job, and a write during the run queues a new one (the running job's
-- key is cleared). preserve_run_at: a steady stream cannot postpone it. Same task name: jobs queued
-- before this migration ({tenantId, metricId}, keyed per metric) still run. Only metrics a rule could
-- care about: one on the metric itself, or one on a formula metric (which may read it). Runs as the
-- writer, under RLS.
create or replace function app_alerts_wake(p_tenant uuid[], p_metric uuid[]) returns void
  language plpgsql
  as $$
  begin
    -- No variable of graphile_worker's types: its schema is installed after the migrations run.
    perform graphile_worker.add_jobs(s.specs, true)
      from (select array_agg(row('alerts_evaluate', json_build_array(json_build_object('tenantId', x.t, 'metricIds', x.ms)),
                                 null, null, 5, 'alerts:' || x.t || ':touched', null, null)::graphile_worker.job_spec) as specs
              from (select u.t, array_agg(distinct u.m) as ms
                      from unnest(p_tenant, p_metric) as u (t, m)
                     where exists (select 1 from alert_rules r where r.tenant_id = u.t and r.metric_id = u.m and r.paused_at is null)
                        or exists (select 1 from metrics f join alert_rules r on r.tenant_id = f.tenant_id and r.metric_id = f.id
                                    where f.tenant_id = u.t and f.formula is not null and r.paused_at is null)
                     group by u.t) x) s
     where s.specs is not null;
  end
  $$;
