-- CSV imports: the upload's metadata, its bytes (in 1 MiB chunks, until the import has run) and the
-- rows it rejected. See docs/decisions/0070-csv-import-storage.md and 0071-csv-import-semantics.md.

create type import_status as enum ('uploaded', 'queued', 'running', 'completed', 'failed');

-- Tenant: one uploaded file and the state of its import.
create table imports (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  file_name text not null check (length(file_name) between 1 and 255),
  size_bytes bigint not null check (size_bytes > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  -- The first row's cells: the column names a mapping may refer to.
  header text[] not null check (cardinality(header) between 1 and 200),
  delimiter text not null check (delimiter in (',', ';', E'\t')),
  mapping jsonb,
  status import_status not null default 'uploaded',
  rows_processed integer not null default 0 check (rows_processed >= 0),
  rows_written integer not null default 0 check (rows_written >= 0),
  points_changed integer not null default 0 check (points_changed >= 0),
  rows_failed integer not null default 0 check (rows_failed >= 0),
  bytes_processed bigint not null default 0 check (bytes_processed >= 0),
  -- Why the import as a whole stopped (a malformed file, a crash after the last retry).
  error text check (length(error) <= 1000),
  attempts integer not null default 0,
  created_by uuid,
  started_by uuid,
  created_at timestamptz not null default now(),
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index imports_created_idx on imports (tenant_id, created_at desc);
-- "Already imported": earlier imports of a file with the same checksum.
create index imports_sha256_idx on imports (tenant_id, sha256);
alter table imports enable row level security;
alter table imports force row level security;
create policy tenant_isolation on imports
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: the uploaded bytes in order. Deleted when the import has run: the result (counts and
-- rejected rows) is what stays. Stored uncompressed: CSV is read once, and pglz on 1 MiB values
-- would cost more CPU than the disk it saves for that short life.
create table import_chunks (
  tenant_id uuid not null,
  import_id uuid not null,
  seq integer not null check (seq >= 0),
  data bytea not null,
  primary key (tenant_id, import_id, seq),
  -- Deferred: the upload streams its chunks before it knows the checksum and header of the file,
  -- and inserts the imports row last, in the same transaction.
  foreign key (tenant_id, import_id) references imports (tenant_id, id) on delete cascade deferrable initially deferred
);
alter table import_chunks alter column data set storage external;
alter table import_chunks enable row level security;
alter table import_chunks force row level security;
create policy tenant_isolation on import_chunks
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: rows an import rejected, by line number in the file (one problem per row).
create table import_errors (
  tenant_id uuid not null,
  import_id uuid not null,
  line integer not null check (line > 0),
  message text not null check (length(message) <= 500),
  primary key (tenant_id, import_id, line),
  foreign key (tenant_id, import_id) references imports (tenant_id, id) on delete cascade
);
alter table import_errors enable row level security;
alter table import_errors force row level security;
create policy tenant_isolation on import_errors
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Grants ------------------------------------------------------------------------------------------
grant usage on type import_status to mfiq_app, mfiq_worker;
-- The web uploads, maps, queues and reads; it never deletes an import or edits its results.
grant select, insert on imports to mfiq_app;
grant update (mapping, status, queued_at, started_by) on imports to mfiq_app;
grant select, insert on import_chunks to mfiq_app;
grant select on import_errors to mfiq_app;
-- The worker runs imports: it reads the file, writes results and progress, records rejected rows,
-- drops the bytes when done and writes the one audit event of the run.
grant select on imports to mfiq_worker;
grant update (status, rows_processed, rows_written, points_changed, rows_failed, bytes_processed, error, attempts, started_at, finished_at) on imports to mfiq_worker;
grant select, delete on import_chunks to mfiq_worker;
grant select, insert, delete on import_errors to mfiq_worker;
grant insert on audit_outbox to mfiq_worker;

-- Rollup refresh, same result as 0005's definition, with each affected (metric, day) aggregated by
-- a LATERAL index range scan. The join form let the planner hash-join the statement's affected
-- days against all of a tenant's points, so each batch cost grew with the table: imports of a
-- million rows slowed batch by batch into the statement timeout (docs/decisions/0072-csv-import-scale.md).
create or replace function app_refresh_rollup_days(p_tenant uuid[], p_metric uuid[], p_ts timestamptz[]) returns void
  language sql
  as $$
    with affected as (
      select distinct t.tenant_id, t.metric_id, (t.ts at time zone o.timezone)::date as day, o.timezone
        from unnest(p_tenant, p_metric, p_ts) as t (tenant_id, metric_id, ts)
        join organizations o on o.tenant_id = t.tenant_id
    ), agg as (
      select a.tenant_id, a.metric_id, a.day, s.n, s.s, s.mn, s.mx, s.last_ts, s.last_value
        from affected a
        cross join lateral (
          select count(p.ts)::int as n, sum(p.value) as s, min(p.value) as mn, max(p.value) as mx,
                 max(p.ts) as last_ts, (array_agg(p.value order by p.ts desc))[1] as last_value
            from data_points p
           where p.tenant_id = a.tenant_id and p.metric_id = a.metric_id
             and p.ts >= (a.day::timestamp at time zone a.timezone) and p.ts < ((a.day + 1)::timestamp at time zone a.timezone)
        ) s
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
