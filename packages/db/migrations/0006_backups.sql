-- Backups (issue 6): one row per backup of one organization. The encrypted data and its manifest
-- live in backup storage (docs/decisions/0040-backup-format.md); this table is the owner's listing,
-- the job's progress and the retention bookkeeping. It is not itself backed up (a backup that
-- contained the list of backups would restore references to another organization's files).

create table backups (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind in ('scheduled', 'manual')),
  status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
  requested_by uuid,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- Progress while running: rows written out of rows counted in the snapshot.
  rows_done bigint not null default 0,
  rows_total bigint,
  -- Size of the encrypted object, once written.
  bytes bigint,
  key_id text,
  schema_version integer,
  error text check (length(error) <= 1000),
  primary key (tenant_id, id)
);
create index backups_tenant_created_idx on backups (tenant_id, created_at desc);
alter table backups enable row level security;
alter table backups force row level security;
create policy tenant_isolation on backups
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- The web lists backups and queues one (the worker does the rest).
grant select, insert on backups to mfiq_app;
-- The worker records progress and outcome, and prunes by retention.
grant select, insert, update, delete on backups to mfiq_worker;

-- The scheduled backup runs per tenant; finding the tenants is the one cross-tenant read it needs,
-- answered by this function alone (the worker has no BYPASSRLS and no directory policy).
create function app_backup_tenants()
  returns table (tenant_id uuid, slug text)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select tenant_id, slug from organizations order by tenant_id $$;
revoke all on function app_backup_tenants() from public;
grant execute on function app_backup_tenants() to mfiq_worker;

-- The backup reads every tenant table inside withTenant, so RLS still scopes it to one tenant.
-- Tables added later must grant select to mfiq_worker in their own migration; a test in
-- packages/backup fails on any tenant table the worker cannot read.
do $$
declare t record;
begin
  for t in select c.relname from pg_class c join pg_attribute a on a.attrelid = c.oid
            where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
              and a.attname = 'tenant_id' and not a.attisdropped loop
    execute format('grant select on %I to mfiq_worker', t.relname);
  end loop;
end $$;
-- The backup records the schema version it was taken at.
grant select on schema_migrations to mfiq_worker;
