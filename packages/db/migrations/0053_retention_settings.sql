-- Retention settings an owner sees and sets (issue 14): the audit log's (audit_retention_days, 0004),
-- data points' (optional) and backups' (within the operator's bounds, which the worker applies).
-- The worker enforces them nightly. docs/decisions/0122-retention-settings.md.

alter table organizations
  add column data_retention_days integer check (data_retention_days between 30 and 36500),
  add column backup_keep_daily integer check (backup_keep_daily between 1 and 366),
  add column backup_keep_weekly integer check (backup_keep_weekly between 0 and 520);

-- Organizations that keep data points for a limited time and have points older than that.
create policy retention_directory on data_points for select to current_user using (true);
create function app_data_retention_due()
  returns table (tenant_id uuid, retention_days integer)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id, o.data_retention_days from organizations o
     where o.data_retention_days is not null and o.deletion_due_at is null
       and exists (select 1 from data_points p
                    where p.tenant_id = o.tenant_id and p.ts < now() - make_interval(days => o.data_retention_days))
  $$;

-- Deletes one batch of the entered tenant's points older than its own setting (never more: the
-- period comes from the organization's row, not from the caller). Rollups follow by trigger. The
-- worker has no DELETE on data_points; this is the only deletion it can cause.
create function app_expire_data_points(p_batch integer)
  returns integer
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    v_tenant uuid := app_current_tenant();
    v_days integer;
    n integer;
  begin
    select data_retention_days into v_days from organizations where tenant_id = v_tenant;
    if v_days is null then
      return 0;
    end if;
    delete from data_points
     where ctid = any (array(
       select ctid from data_points
        where tenant_id = v_tenant and ts < now() - make_interval(days => v_days)
        limit least(greatest(p_batch, 1), 50000)));
    get diagnostics n = row_count;
    return n;
  end
  $$;

-- Grants: the policy comes before the grant. -------------------------------------------------------
revoke all on function app_data_retention_due(), app_expire_data_points(integer) from public;
grant execute on function app_data_retention_due(), app_expire_data_points(integer) to mfiq_worker;
-- The owner sets the periods through the app (each change audited there).
grant update (audit_retention_days, data_retention_days, backup_keep_daily, backup_keep_weekly) on organizations to mfiq_app;
