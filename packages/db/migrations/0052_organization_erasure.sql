-- Organization erasure (issue 14): when a deletion's grace period ends the worker erases every row
-- the organization has in every tenant table (found in the catalog, so a new table cannot be
-- forgotten), its mail and its backup key, and keeps a platform-level record of what was erased.
-- docs/decisions/0121-verifiable-erasure.md.

-- Mail about an organization (invitations, deletion notices, incident notifications) carries its
-- id, so the erasure finds and removes it. No foreign key: the mail table is global, and a notice
-- that the erasure is done must outlive the organization.
alter table email_outbox add column organization_id uuid;
create index email_outbox_organization_idx on email_outbox (organization_id) where organization_id is not null;

-- Global: one record per erased organization, kept after everything else of it is gone: who asked,
-- when, and how many rows of each table, files, mails and keys were destroyed. Append-only for
-- every role (the trigger refuses UPDATE, DELETE and TRUNCATE); only the erasure function writes it.
-- organization_id, not tenant_id: the row belongs to the platform, not to the erased tenant.
create table organization_erasures (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null unique,
  slug text not null,
  name text not null,
  requested_by uuid,
  requested_by_email text,
  requested_at timestamptz not null,
  due_at timestamptz not null,
  erased_at timestamptz not null default now(),
  rows_deleted jsonb not null,
  files_deleted jsonb not null,
  mails_deleted integer not null check (mails_deleted >= 0),
  backup_keys_destroyed uuid[] not null,
  notified text[] not null
);

create function append_only_refuse() returns trigger
  language plpgsql
  as $$
  begin
    raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'insufficient_privilege';
  end
  $$;
create trigger organization_erasures_append_only before update or delete on organization_erasures
  for each row execute function append_only_refuse();
create trigger organization_erasures_no_truncate before truncate on organization_erasures
  for each statement execute function append_only_refuse();

-- The audit log is append-only (0004); erasing an organization is the one other deletion it allows:
-- by the owner role, inside the erasure function (which names the tenant in app.erasing_tenant),
-- for an organization whose deletion is due. A runtime role cannot pass as the owner, and the owner
-- could already disable the trigger (0031), so this gives nobody a new power.
create function app_erasing(p_tenant uuid) returns boolean
  language sql stable
  as $$
    select current_user = 'mfiq_owner'
       and current_setting('app.erasing_tenant', true) = p_tenant::text
       and exists (select 1 from organizations o where o.tenant_id = p_tenant and o.deletion_due_at <= now())
  $$;

-- Replacing the trigger function must not undo somebody else's change to it: refuse, loudly, unless
-- it still is 0026's (audit retention's guard), and merge by hand if it is not.
do $$
begin
  if (select regexp_replace(prosrc, '\s+', ' ', 'g') from pg_proc where proname = 'audit_log_refuse_change') <>
     ' begin if tg_op = ''DELETE'' and tg_level = ''ROW'' and tg_table_name = ''audit_log'' and current_user = ''mfiq_retention'' then if old.occurred_at < audit_retention_horizon(old.tenant_id) and exists (select 1 from audit_checkpoints c where c.tenant_id = old.tenant_id and c.sequence >= old.sequence and octet_length(c.signature) = 32) then return old; end if; raise exception ''audit_log: retention may delete only expired events below a signed checkpoint (sequence % refused)'', old.sequence using errcode = ''insufficient_privilege''; end if; raise exception ''% is append-only: % refused'', tg_table_name, tg_op using errcode = ''insufficient_privilege''; end ' then
    raise exception 'audit_log_refuse_change() changed since 0026: merge the erasure exception of 0052 into its new body';
  end if;
end $$;
-- 0026's body, with the erasure's exception first (the owner role only; retention's rule unchanged).
create or replace function audit_log_refuse_change() returns trigger
  language plpgsql
  as $$
  begin
    if tg_op = 'DELETE' and tg_level = 'ROW' and tg_table_name = 'audit_log' and current_user = 'mfiq_owner' then
      if app_erasing(old.tenant_id) then
        return old;
      end if;
    end if;
    if tg_op = 'DELETE' and tg_level = 'ROW' and tg_table_name = 'audit_log' and current_user = 'mfiq_retention' then
      if old.occurred_at < audit_retention_horizon(old.tenant_id)
         and exists (select 1 from audit_checkpoints c
                      where c.tenant_id = old.tenant_id and c.sequence >= old.sequence
                        and octet_length(c.signature) = 32) then
        return old;
      end if;
      raise exception 'audit_log: retention may delete only expired events below a signed checkpoint (sequence % refused)', old.sequence
        using errcode = 'insufficient_privilege';
    end if;
    raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'insufficient_privilege';
  end
  $$;

-- Organizations whose grace period is over. The worker gets ids and slugs, nothing else.
create function app_erasure_due()
  returns table (tenant_id uuid, slug text)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select tenant_id, slug from organizations where deletion_due_at <= now() order by deletion_due_at $$;

-- What restore says about a backup whose key is gone: when and which organization was erased.
create function app_organization_erasure(p_tenant uuid)
  returns table (slug text, erased_at timestamptz)
  language sql stable security definer set search_path = public, pg_temp
  as $$ select slug, erased_at from organization_erasures where organization_id = p_tenant $$;

-- The erasure, in one transaction: refuses unless the organization's deletion is due; deletes the
-- organization's rows from every table of the catalog that has tenant_id (children before parents,
-- in batches so row triggers stay small, repeated until a pass deletes nothing, since triggers may
-- derive rows from rows being deleted), then its mail; checks that no row is left anywhere; writes
-- the record and a platform audit event. Runs as the owner under row-level security (the tenant is
-- set first), never BYPASSRLS. `p_files` is what the worker deleted outside the database.
create function app_erase_organization(p_tenant uuid, p_files jsonb)
  returns table (record_id uuid, slug text, name text, owners text[], rows_deleted jsonb, mails_deleted integer, backup_keys uuid[])
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    o record;
    t record;
    n bigint;
    pass_total bigint;
    counts jsonb := '{}'::jsonb;
    v_owners text[];
    v_keys uuid[];
    v_mails integer;
    v_left text[] := '{}';
    v_any boolean;
    v_record uuid;
  begin
    perform set_config('app.tenant_id', p_tenant::text, true), set_config('app.actor_id', '', true);
    select org.slug, org.name, org.deletion_requested_at, org.deletion_requested_by, org.deletion_due_at,
           (select u.email from users u where u.id = org.deletion_requested_by) as requested_by_email
      into o
      from organizations org
     where org.tenant_id = p_tenant and org.deletion_due_at <= now()
       for update;
    if not found then
      raise exception 'organization % is not due for erasure', p_tenant using errcode = 'insufficient_privilege';
    end if;
    select coalesce(array_agg(distinct u.email), '{}') into v_owners
      from memberships m join users u on u.id = m.user_id
     where m.tenant_id = p_tenant and (m.role = 'owner' or m.user_id = o.deletion_requested_by);
    select coalesce(array_agg(k.id), '{}') into v_keys from backup_keys k where k.tenant_id = p_tenant;
    perform set_config('app.erasing_tenant', p_tenant::text, true);
    loop
      pass_total := 0;
      for t in
        with recursive tables as (
          select c.oid, c.relname::text as relname
            from pg_class c
           where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
             and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        ), edges as (
          select distinct f.conrelid as child, f.confrelid as parent
            from pg_constraint f
           where f.contype = 'f' and f.conrelid <> f.confrelid
             and f.conrelid in (select oid from tables) and f.confrelid in (select oid from tables)
        ), levels (oid, level) as (
          select oid, 0 from tables
          union
          select e.child, l.level + 1 from edges e join levels l on l.oid = e.parent
        )
        select tb.relname, max(l.level) as level
          from tables tb join levels l on l.oid = tb.oid
         group by tb.relname
         order by max(l.level) desc, (tb.relname = 'organizations'), tb.relname
      loop
        loop
          execute format(
            'delete from public.%I where ctid = any (array(select ctid from public.%I where tenant_id = $1 limit 10000))',
            t.relname, t.relname) using p_tenant;
          get diagnostics n = row_count;
          exit when n = 0;
          counts := jsonb_set(counts, array[t.relname], to_jsonb(coalesce((counts ->> t.relname)::bigint, 0) + n));
          pass_total := pass_total + n;
        end loop;
      end loop;
      exit when pass_total = 0;
    end loop;
    for t in
      select c.relname::text as relname from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
         and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
    loop
      execute format('select exists (select 1 from public.%I where tenant_id = $1)', t.relname) into v_any using p_tenant;
      if v_any then
        v_left := v_left || t.relname;
      end if;
    end loop;
    if cardinality(v_left) > 0 then
      raise exception 'erasure of % left rows in %', p_tenant, array_to_string(v_left, ', ');
    end if;
    delete from email_outbox e where e.organization_id = p_tenant;
    get diagnostics v_mails = row_count;
    insert into organization_erasures (organization_id, slug, name, requested_by, requested_by_email, requested_at,
                                       due_at, rows_deleted, files_deleted, mails_deleted, backup_keys_destroyed, notified)
    values (p_tenant, o.slug, o.name, o.deletion_requested_by, o.requested_by_email, o.deletion_requested_at,
            o.deletion_due_at, counts, coalesce(p_files, '{}'::jsonb), v_mails, v_keys, v_owners)
    returning id into v_record;
    insert into platform_audit_outbox (action, actor_type, actor_display, target_type, target_id, target_display, after)
    values ('organization.erased', 'system', 'Erasure', 'organization', p_tenant::text, o.slug,
            jsonb_build_object('erasureId', v_record, 'rows', counts, 'files', coalesce(p_files, '{}'::jsonb),
                               'mails', v_mails, 'backupKeysDestroyed', to_jsonb(v_keys)));
    return query select v_record, o.slug, o.name, v_owners, counts, v_mails, v_keys;
  end
  $$;

-- Grants: the policy comes before the grant. -------------------------------------------------------
revoke all on function append_only_refuse(), app_erasing(uuid), app_erasure_due(), app_organization_erasure(uuid),
  app_erase_organization(uuid, jsonb) from public;
grant execute on function app_erasure_due(), app_erase_organization(uuid, jsonb) to mfiq_worker;
grant execute on function app_organization_erasure(uuid) to mfiq_worker, mfiq_app;
-- The worker queues the erasure's confirmation and operator alerts in the same transaction as the
-- event they announce.
grant insert on email_outbox to mfiq_worker;
