-- Per metric, a revision of its daily rollups (docs/decisions/0135-dashboard-rollup-cache.md): a
-- new random value on every statement that writes the metric's rollup rows, whatever wrote them
-- (the data_points trigger, an import, the timezone rebuild, retention, a restore). A reader that
-- kept a metric's days in memory keyed by this value knows they are still exact when the value has
-- not moved. Random rather than a sequence: a value never comes back, even after a restore of the
-- whole database to an earlier point in time.

create table metric_data_revisions (
  tenant_id uuid not null,
  metric_id uuid not null,
  revision uuid not null default gen_random_uuid(),
  primary key (tenant_id, metric_id),
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
alter table metric_data_revisions enable row level security;
alter table metric_data_revisions force row level security;
create policy tenant_isolation on metric_data_revisions
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Runs as the caller, under RLS, like the rollup refresh that fires it. A metric being deleted in
-- the same statement (its rollups go by cascade) is skipped: its revision row goes with it. Rows are
-- taken in key order, so two writers of the same metrics lock their revisions in the same order and
-- cannot deadlock on them; a revision row is held until its writer commits, like the rollup rows.
create function app_bump_metric_revisions() returns trigger
  language plpgsql
  as $$
  begin
    if tg_op = 'INSERT' then
      insert into metric_data_revisions (tenant_id, metric_id)
      select distinct r.tenant_id, r.metric_id from new_rows r
       where exists (select 1 from metrics m where m.tenant_id = r.tenant_id and m.id = r.metric_id)
       order by r.tenant_id, r.metric_id
      on conflict (tenant_id, metric_id) do update set revision = gen_random_uuid();
    else
      insert into metric_data_revisions (tenant_id, metric_id)
      select distinct r.tenant_id, r.metric_id from old_rows r
       where exists (select 1 from metrics m where m.tenant_id = r.tenant_id and m.id = r.metric_id)
       order by r.tenant_id, r.metric_id
      on conflict (tenant_id, metric_id) do update set revision = gen_random_uuid();
    end if;
    return null;
  end
  $$;

-- An update never moves a row to another metric (the key is not updated), so old_rows names them all.
create trigger metric_daily_rollups_revision_insert after insert on metric_daily_rollups
  referencing new table as new_rows for each statement execute function app_bump_metric_revisions();
create trigger metric_daily_rollups_revision_update after update on metric_daily_rollups
  referencing old table as old_rows for each statement execute function app_bump_metric_revisions();
create trigger metric_daily_rollups_revision_delete after delete on metric_daily_rollups
  referencing old table as old_rows for each statement execute function app_bump_metric_revisions();

-- Every metric that has rollups today starts with a revision (a metric without one is never read
-- from memory until its next write). The owner reads every tenant's rows only while the policy is
-- not forced on it, inside this migration's transaction.
alter table metric_daily_rollups no force row level security;
alter table metric_data_revisions no force row level security;
insert into metric_data_revisions (tenant_id, metric_id)
select distinct tenant_id, metric_id from metric_daily_rollups;
alter table metric_daily_rollups force row level security;
alter table metric_data_revisions force row level security;

-- Grants: the policy comes before the grants. ---------------------------------------------------
grant select, insert, update on metric_data_revisions to mfiq_app, mfiq_worker;
