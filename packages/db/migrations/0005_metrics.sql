-- Metrics core: definitions, data points with a daily rollup kept current by triggers, targets,
-- API keys (hashed) with their idempotency records, and the API rate-limit store.
-- See docs/decisions/0020-0029.

create type metric_unit as enum ('number', 'currency', 'percent', 'duration');
create type metric_aggregation as enum ('sum', 'avg', 'min', 'max', 'count', 'last');
create type metric_direction as enum ('higher', 'lower');
create type metric_grain as enum ('day', 'week', 'month', 'quarter');

-- Tenant: metric definitions. A formula metric has `formula` set and receives no data points.
create table metrics (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  key text not null check (key ~ '^[a-z][a-z0-9_]{0,62}$'),
  name text not null check (length(name) between 1 and 100),
  description text not null default '' check (length(description) <= 2000),
  unit metric_unit not null default 'number',
  currency text check (currency ~ '^[A-Z]{3}$'),
  aggregation metric_aggregation not null default 'sum',
  direction metric_direction not null default 'higher',
  default_grain metric_grain not null default 'day',
  owner_membership_id uuid,
  tags text[] not null default '{}' check (cardinality(tags) <= 20),
  formula text check (length(formula) between 1 and 1000),
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, key),
  foreign key (tenant_id, owner_membership_id) references memberships (tenant_id, id) on delete set null (owner_membership_id),
  check ((unit = 'currency') = (currency is not null))
);
alter table metrics enable row level security;
alter table metrics force row level security;
create policy tenant_isolation on metrics
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: data points. The natural key (metric, ts) is the identity: writing it again replaces the
-- value. Values are bounded so that sums over a tenant's data cannot overflow a double.
create table data_points (
  tenant_id uuid not null,
  metric_id uuid not null,
  ts timestamptz not null check (ts >= '1900-01-01T00:00:00Z' and ts < '2100-01-01T00:00:00Z'),
  value double precision not null check (abs(value) <= 1e15),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, metric_id, ts),
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
alter table data_points enable row level security;
alter table data_points force row level security;
create policy tenant_isolation on data_points
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: one row per metric and local day (organization timezone) that has data. Every
-- aggregation is decomposable from these columns: sum, count, min, max, avg = sum / count, and
-- last = the value at the latest ts.
create table metric_daily_rollups (
  tenant_id uuid not null,
  metric_id uuid not null,
  day date not null,
  n integer not null check (n > 0),
  sum double precision not null,
  min double precision not null,
  max double precision not null,
  last_ts timestamptz not null,
  last_value double precision not null,
  primary key (tenant_id, metric_id, day),
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
alter table metric_daily_rollups enable row level security;
alter table metric_daily_rollups force row level security;
create policy tenant_isolation on metric_daily_rollups
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Recomputes the rollup rows of the (metric, local day) pairs touched by a statement, from the
-- points themselves: replacing or deleting a point can lower a max or change the last value, so
-- the affected days are re-aggregated rather than adjusted. Runs as the caller, under RLS.
create function app_refresh_rollup_days(p_tenant uuid[], p_metric uuid[], p_ts timestamptz[]) returns void
  language sql
  as $$
    with affected as (
      select distinct t.tenant_id, t.metric_id, (t.ts at time zone o.timezone)::date as day, o.timezone
        from unnest(p_tenant, p_metric, p_ts) as t (tenant_id, metric_id, ts)
        join organizations o on o.tenant_id = t.tenant_id
    ), agg as (
      select a.tenant_id, a.metric_id, a.day, count(p.ts)::int as n, sum(p.value) as s, min(p.value) as mn, max(p.value) as mx,
             max(p.ts) as last_ts, (array_agg(p.value order by p.ts desc))[1] as last_value
        from affected a
        left join data_points p
          on p.tenant_id = a.tenant_id and p.metric_id = a.metric_id
         and p.ts >= (a.day::timestamp at time zone a.timezone) and p.ts < ((a.day + 1)::timestamp at time zone a.timezone)
       group by a.tenant_id, a.metric_id, a.day
    ), gone as (
      delete from metric_daily_rollups r using agg
       where agg.n = 0 and r.tenant_id = agg.tenant_id and r.metric_id = agg.metric_id and r.day = agg.day
    )
    insert into metric_daily_rollups (tenant_id, metric_id, day, n, sum, min, max, last_ts, last_value)
    select tenant_id, metric_id, day, n, s, mn, mx, last_ts, last_value from agg where n > 0
    on conflict (tenant_id, metric_id, day) do update
      set n = excluded.n, sum = excluded.sum, min = excluded.min, max = excluded.max,
          last_ts = excluded.last_ts, last_value = excluded.last_value
  $$;

create function app_refresh_rollups() returns trigger
  language plpgsql
  as $$
  declare
    v_tenants uuid[];
    v_metrics uuid[];
    v_stamps timestamptz[];
  begin
    if tg_op = 'INSERT' then
      select array_agg(r.tenant_id), array_agg(r.metric_id), array_agg(r.ts) into v_tenants, v_metrics, v_stamps from new_rows r;
    elsif tg_op = 'DELETE' then
      select array_agg(r.tenant_id), array_agg(r.metric_id), array_agg(r.ts) into v_tenants, v_metrics, v_stamps from old_rows r;
    else
      select array_agg(r.tenant_id), array_agg(r.metric_id), array_agg(r.ts) into v_tenants, v_metrics, v_stamps
        from (select tenant_id, metric_id, ts from new_rows union all select tenant_id, metric_id, ts from old_rows) r;
    end if;
    if v_tenants is not null then
      perform app_refresh_rollup_days(v_tenants, v_metrics, v_stamps);
    end if;
    return null;
  end
  $$;

create trigger data_points_rollup_insert after insert on data_points
  referencing new table as new_rows for each statement execute function app_refresh_rollups();
create trigger data_points_rollup_update after update on data_points
  referencing old table as old_rows new table as new_rows for each statement execute function app_refresh_rollups();
create trigger data_points_rollup_delete after delete on data_points
  referencing old table as old_rows for each statement execute function app_refresh_rollups();

-- Local days depend on the organization's timezone: a change rebuilds the tenant's rollups in the
-- same transaction as the settings change.
create function app_rebuild_rollups() returns trigger
  language plpgsql
  as $$
  begin
    delete from metric_daily_rollups where tenant_id = new.tenant_id;
    insert into metric_daily_rollups (tenant_id, metric_id, day, n, sum, min, max, last_ts, last_value)
    select tenant_id, metric_id, (ts at time zone new.timezone)::date, count(*)::int, sum(value), min(value), max(value),
           max(ts), (array_agg(value order by ts desc))[1]
      from data_points where tenant_id = new.tenant_id
     group by tenant_id, metric_id, (ts at time zone new.timezone)::date;
    return null;
  end
  $$;
create trigger organizations_timezone_rollups after update of timezone on organizations
  for each row when (old.timezone is distinct from new.timezone) execute function app_rebuild_rollups();

-- Tenant: targets. Recurring: `value` per period of `grain`, effective from starts_on to ends_on
-- (both optional). Fixed: one value for the whole range starts_on..ends_on (both required).
create type target_kind as enum ('fixed', 'recurring');
create table metric_targets (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  metric_id uuid not null,
  kind target_kind not null,
  grain metric_grain,
  value double precision not null check (abs(value) <= 1e15),
  starts_on date,
  ends_on date,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade,
  check ((kind = 'recurring') = (grain is not null)),
  check (kind = 'recurring' or (starts_on is not null and ends_on is not null)),
  check (starts_on is null or ends_on is null or starts_on <= ends_on)
);
create index metric_targets_metric_idx on metric_targets (tenant_id, metric_id);
alter table metric_targets enable row level security;
alter table metric_targets force row level security;
create policy tenant_isolation on metric_targets
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: API keys. Only the SHA-256 of the token is stored; the prefix is kept for display.
create table api_keys (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  prefix text not null check (length(prefix) between 4 and 24),
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  scopes text[] not null check (cardinality(scopes) > 0 and scopes <@ array['data:write', 'metrics:read']),
  created_by uuid,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
-- The one index not led by tenant_id: a bearer token names no tenant, so it is found by its hash
-- (docs/decisions/0021-api-keys.md).
create unique index api_keys_token_hash_key on api_keys (token_hash);
alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy tenant_isolation on api_keys
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));
create policy key_lookup on api_keys for select to current_user using (true);

-- Tenant: idempotency records of push batches, with the batch's result, so a retry is a no-op.
create table api_idempotency_keys (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  request_hash text not null,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, idempotency_key)
);
alter table api_idempotency_keys enable row level security;
alter table api_idempotency_keys force row level security;
create policy tenant_isolation on api_idempotency_keys
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Entering a tenant with an API key, in the same round trip as BEGIN: find the live key by its
-- hash, set the transaction-local tenant and actor (the key), note last use (at most once a minute,
-- to keep pushes from all writing the same row) and answer who the key is.
create function app_enter_api_key(p_token_hash text)
  returns table (tenant_id uuid, key_id uuid, key_name text, key_prefix text, scopes text[], slug text, org_name text)
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    k record;
  begin
    select a.tenant_id, a.id, a.name, a.prefix, a.scopes, o.slug, o.name as org_name into k
      from api_keys a join organizations o on o.tenant_id = a.tenant_id
     where a.token_hash = p_token_hash and a.revoked_at is null;
    if not found then
      return;
    end if;
    perform set_config('app.tenant_id', k.tenant_id::text, true), set_config('app.actor_id', k.id::text, true);
    update api_keys set last_used_at = now()
     where api_keys.tenant_id = k.tenant_id and api_keys.id = k.id
       and (last_used_at is null or last_used_at < now() - interval '1 minute');
    return query select k.tenant_id, k.id, k.name, k.prefix, k.scopes, k.slug, k.org_name;
  end
  $$;
revoke all on function app_enter_api_key(text) from public;
grant execute on function app_enter_api_key(text) to mfiq_app;

-- Global: rate-limiter-flexible's PostgreSQL store for API keys (the table shape it expects).
create table api_rate_limits (
  key varchar(255) primary key,
  points integer not null default 0,
  expire bigint
);

-- Grants ------------------------------------------------------------------------------------------
grant usage on type metric_unit, metric_aggregation, metric_direction, metric_grain, target_kind to mfiq_app, mfiq_worker;
grant select, insert, update, delete on metrics to mfiq_app;
grant select, insert, update, delete on data_points to mfiq_app;
grant select, insert, update, delete on metric_daily_rollups to mfiq_app;
grant select, insert, update, delete on metric_targets to mfiq_app;
grant select, insert on api_keys to mfiq_app;
grant update (name, revoked_at, last_used_at) on api_keys to mfiq_app;
grant select, insert, update on api_idempotency_keys to mfiq_app;
grant select, insert, update, delete on api_rate_limits to mfiq_app;
-- Imports run in the worker: it writes points (and so rollups) and reads definitions.
grant select on metrics, organizations to mfiq_worker;
grant select, insert, update on data_points to mfiq_worker;
grant select, insert, update, delete on metric_daily_rollups to mfiq_worker;
