-- Audit retention, narrowed to what it is for (issue 11, finding 10; docs/decisions/0098).
-- Before: the append-only trigger let mfiq_retention delete any audit_log row. Now the retention
-- role may delete a row only if (1) it is older than its organization's retention period and (2) a
-- signed checkpoint of that tenant covers its sequence, and a checkpoint may only name an expired
-- event of the chain by its true (sequence, hash). The database cannot check an HMAC without the
-- key, so "signed" here means a 32-byte signature is present; verification (with
-- AUDIT_CHECKPOINT_KEY) checks that it is the right one. Whoever holds the retention role can at
-- worst purge early what retention would purge anyway, never a recent or a checkpoint-less row.

alter table audit_checkpoints add constraint audit_checkpoints_signed check (octet_length(signature) = 32);

-- The oldest instant an organization's events must be kept from (now - its retention days). The
-- retention role cannot read organizations; this answers only the question the guards need.
create function audit_retention_horizon(p_tenant_id uuid)
  returns timestamptz
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select now() - make_interval(days => greatest(o.audit_retention_days, 30))
      from organizations o where o.tenant_id = p_tenant_id
  $$;
revoke all on function audit_retention_horizon(uuid) from public;
grant execute on function audit_retention_horizon(uuid) to mfiq_retention;

create or replace function audit_log_refuse_change() returns trigger
  language plpgsql
  as $$
  begin
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

-- A checkpoint names a real, expired event of the tenant's chain: its sequence and its hash.
create function audit_checkpoint_check() returns trigger
  language plpgsql
  as $$
  begin
    if not exists (select 1 from audit_log l
                    where l.tenant_id = new.tenant_id and l.sequence = new.sequence and l.hash = new.hash
                      and l.occurred_at < audit_retention_horizon(new.tenant_id)) then
      raise exception 'audit_checkpoints: a checkpoint must name an expired event of the chain by its sequence and hash (sequence % refused)', new.sequence
        using errcode = 'check_violation';
    end if;
    return new;
  end
  $$;
revoke all on function audit_checkpoint_check() from public;
create trigger audit_checkpoints_check before insert on audit_checkpoints
  for each row execute function audit_checkpoint_check();
