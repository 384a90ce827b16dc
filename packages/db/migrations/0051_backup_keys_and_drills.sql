-- Per-organization backup keys (crypto-shredding) and restore drills (issue 14).
-- docs/decisions/0121-verifiable-erasure.md and 0123-restore-drills.md.

-- Tenant: the organization's backup key, wrapped by a master key from BACKUP_KEYS (key id recorded,
-- so master keys rotate: a backup re-wraps the key under the active master key). Every backup's
-- data key is wrapped by this key, never stored anywhere else, so deleting this one row (the
-- organization's erasure does) makes every copy of every backup of the organization unreadable.
-- Not part of any backup (packages/backup/src/catalog.ts excludes it): a backup must never carry
-- the key that opens it.
create table backup_keys (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  master_key_id text not null check (master_key_id ~ '^[A-Za-z0-9_-]{1,32}$'),
  wrapped_key text not null check (length(wrapped_key) between 40 and 200),
  created_at timestamptz not null default now(),
  rewrapped_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id)
);
alter table backup_keys enable row level security;
alter table backup_keys force row level security;
create policy tenant_isolation on backup_keys
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: restore drills. Each restores one backup of the organization into scratch tables (the
-- restore_drill schema below) and compares every table's row count and checksum with what the
-- backup recorded from the source. Describes backups, like `backups`, so it is not backed up.
create table restore_drills (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  backup_id uuid,
  backup_taken_at timestamptz,
  trigger text not null check (trigger in ('scheduled', 'operator')),
  status text not null check (status in ('passed', 'failed')),
  started_at timestamptz not null,
  finished_at timestamptz not null,
  tables integer not null default 0 check (tables >= 0),
  rows bigint not null default 0 check (rows >= 0),
  -- Tables whose restored rows differ from the source: [{table, expectedRows, restoredRows, ...}].
  mismatches jsonb not null default '[]'::jsonb,
  error text check (length(error) <= 1000),
  primary key (tenant_id, id)
);
create index restore_drills_tenant_finished_idx on restore_drills (tenant_id, finished_at desc);
alter table restore_drills enable row level security;
alter table restore_drills force row level security;
create policy tenant_isolation on restore_drills
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Which organizations to drill tonight: the ones whose last drill is oldest (never drilled first),
-- that have a finished backup and no pending deletion. The worker gets tenant ids only.
create policy drill_directory on restore_drills for select to current_user using (true);
create function app_restore_drill_candidates(p_limit integer)
  returns table (tenant_id uuid, slug text)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id, o.slug
      from organizations o
     where o.deletion_due_at is null
       and exists (select 1 from backups b where b.tenant_id = o.tenant_id and b.status = 'succeeded')
     order by (select max(d.finished_at) from restore_drills d where d.tenant_id = o.tenant_id) asc nulls first, o.tenant_id
     limit least(greatest(p_limit, 0), 100000)
  $$;

-- Monitoring: per organization with a backup, the last drill's outcome and the age of the last
-- passed one (from the organization's creation when none passed), for alerting.
create function app_restore_drill_status()
  returns table (slug text, last_passed boolean, passed_age_seconds double precision)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.slug,
           (select d.status = 'passed' from restore_drills d where d.tenant_id = o.tenant_id
             order by d.finished_at desc limit 1),
           extract(epoch from now() - coalesce(
             (select max(d.finished_at) from restore_drills d where d.tenant_id = o.tenant_id and d.status = 'passed'),
             o.created_at))::double precision
      from organizations o
     where exists (select 1 from backups b where b.tenant_id = o.tenant_id and b.status = 'succeeded')
  $$;

-- Grants: the policy comes before the grant. -------------------------------------------------------
revoke all on function app_restore_drill_candidates(integer), app_restore_drill_status() from public;
grant execute on function app_restore_drill_candidates(integer) to mfiq_worker;
grant execute on function app_restore_drill_status() to mfiq_app;
-- The worker creates an organization's key at its first backup and re-wraps it after a rotation;
-- the web reads it to decrypt an owner's export. Nobody but the erasure deletes it.
grant select, insert on backup_keys to mfiq_worker;
grant update (master_key_id, wrapped_key, rewrapped_at) on backup_keys to mfiq_worker;
grant select on backup_keys to mfiq_app;
-- The worker runs drills and records them; the backups page shows the last one.
grant select, insert on restore_drills to mfiq_worker;
grant select on restore_drills to mfiq_app;

-- Scratch space for drills: the worker creates the restore's tables here inside its transaction and
-- rolls the transaction back, so nothing stays. No other role may use the schema.
create schema restore_drill;
revoke all on schema restore_drill from public;
grant usage, create on schema restore_drill to mfiq_worker;
-- Scratch tables are shaped like the live ones, so the worker needs every column type they use.
grant usage on type dashboard_range, dashboard_tile_kind to mfiq_worker;
