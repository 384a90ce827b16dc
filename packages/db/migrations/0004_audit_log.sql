-- The audit log: append-only, hash-chained per tenant, drained from the outboxes by the worker.
-- Design: docs/decisions/0030-audit-drain-ordering.md, 0031-audit-append-only-and-retention.md.

-- Per-organization retention of the audit log, applied by the daily retention job.
alter table organizations add column audit_retention_days integer not null default 365
  check (audit_retention_days between 30 and 3650);

-- Tenant: audit_log. id is the outbox row's id, so a row drained twice would collide on the key.
-- No foreign key to organizations: the trail outlives the organization it describes, and a cascade
-- would be a delete that the append-only trigger refuses anyway.
create table audit_log (
  tenant_id uuid not null,
  id uuid not null,
  sequence bigint not null check (sequence > 0),
  occurred_at timestamptz not null,
  recorded_at timestamptz not null,
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  outcome text not null check (outcome in ('success', 'failure')),
  actor_type text not null check (actor_type in ('user', 'api_key', 'system', 'public_form')),
  actor_id uuid,
  actor_display text,
  target_type text,
  target_id text,
  target_display text,
  before jsonb,
  after jsonb,
  ip text,
  user_agent text,
  request_id text,
  prev_hash bytea not null check (octet_length(prev_hash) = 32),
  hash bytea not null check (octet_length(hash) = 32),
  primary key (tenant_id, id),
  unique (tenant_id, sequence)
);
create index audit_log_tenant_occurred_idx on audit_log (tenant_id, occurred_at, sequence);
create index audit_log_tenant_action_idx on audit_log (tenant_id, action, sequence);
create index audit_log_tenant_actor_idx on audit_log (tenant_id, actor_id, sequence);
create index audit_log_tenant_target_idx on audit_log (tenant_id, target_type, target_id, sequence);
alter table audit_log enable row level security;
alter table audit_log force row level security;
create policy tenant_isolation on audit_log
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: the head of each tenant's chain. Drainers lock it (FOR UPDATE SKIP LOCKED): whoever holds
-- it is the only one appending to that tenant's chain, so sequences are gap-free and in order.
-- One row per tenant, so tenant_id alone is the key (like organizations).
create table audit_chain_heads (
  tenant_id uuid primary key,
  last_sequence bigint not null default 0 check (last_sequence >= 0),
  last_hash bytea not null default '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
    check (octet_length(last_hash) = 32),
  updated_at timestamptz not null default now()
);
alter table audit_chain_heads enable row level security;
alter table audit_chain_heads force row level security;
create policy tenant_isolation on audit_chain_heads
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: signed checkpoints written by the retention job before it purges a prefix of the chain:
-- (sequence, hash) of the last purged row, HMAC-signed, so verification resumes from it.
create table audit_checkpoints (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  sequence bigint not null check (sequence > 0),
  hash bytea not null check (octet_length(hash) = 32),
  purged_rows integer not null check (purged_rows >= 0),
  key_id text not null check (length(key_id) between 1 and 64),
  signature bytea not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, sequence)
);
alter table audit_checkpoints enable row level security;
alter table audit_checkpoints force row level security;
create policy tenant_isolation on audit_checkpoints
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Global: the platform log of security events without a tenant, same shape and chain.
create table platform_audit_log (
  id uuid primary key,
  sequence bigint not null unique check (sequence > 0),
  occurred_at timestamptz not null,
  recorded_at timestamptz not null,
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  outcome text not null check (outcome in ('success', 'failure')),
  actor_type text not null check (actor_type in ('user', 'api_key', 'system', 'public_form', 'anonymous')),
  actor_id uuid,
  actor_display text,
  target_type text,
  target_id text,
  target_display text,
  before jsonb,
  after jsonb,
  ip text,
  user_agent text,
  request_id text,
  prev_hash bytea not null check (octet_length(prev_hash) = 32),
  hash bytea not null check (octet_length(hash) = 32)
);
create index platform_audit_log_occurred_idx on platform_audit_log (occurred_at, sequence);

create table platform_audit_chain_head (
  singleton boolean primary key default true check (singleton),
  last_sequence bigint not null default 0 check (last_sequence >= 0),
  last_hash bytea not null default '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
    check (octet_length(last_hash) = 32),
  updated_at timestamptz not null default now()
);
insert into platform_audit_chain_head default values;

-- Append-only: refused for everyone, the owner included (tampering needs ALTER TABLE ... DISABLE
-- TRIGGER, which only the owner can do and which the chain then exposes). The one exception is the
-- retention role deleting expired rows.
create function audit_log_refuse_change() returns trigger
  language plpgsql
  as $$
  begin
    if tg_op = 'DELETE' and current_user = 'mfiq_retention' then
      return old;
    end if;
    raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'insufficient_privilege';
  end
  $$;
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();
create trigger platform_audit_log_append_only before update or delete on platform_audit_log
  for each row execute function audit_log_refuse_change();
create trigger platform_audit_log_no_truncate before truncate on platform_audit_log
  for each statement execute function audit_log_refuse_change();

-- Waking the drain: one notification per writing statement, delivered at commit (and collapsed
-- within a transaction), carrying only the tenant id. The worker listens; writers pay no lock.
create function audit_outbox_notify() returns trigger
  language plpgsql
  as $$
  declare t uuid;
  begin
    if tg_table_name = 'platform_audit_outbox' then
      perform pg_notify('mfiq_audit_outbox', 'platform');
      return null;
    end if;
    for t in select distinct n.tenant_id from new_rows n loop
      perform pg_notify('mfiq_audit_outbox', t::text);
    end loop;
    return null;
  end
  $$;
create trigger audit_outbox_notify after insert on audit_outbox
  referencing new table as new_rows for each statement execute function audit_outbox_notify();
create trigger platform_audit_outbox_notify after insert on platform_audit_outbox
  referencing new table as new_rows for each statement execute function audit_outbox_notify();

-- The only cross-tenant reads the drain and retention need: which tenants have work, never the rows.
-- Everything else they do inside withTenant, under the tenant_isolation policies.
create policy drain_directory on audit_outbox for select to current_user using (true);
create policy retention_directory on audit_log for select to current_user using (true);

create function audit_pending_tenants(p_limit integer)
  returns table (tenant_id uuid)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id from audit_outbox o group by o.tenant_id order by min(o.occurred_at) limit least(p_limit, 1000)
  $$;

create function audit_retention_due()
  returns table (tenant_id uuid, retention_days integer)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id, o.audit_retention_days from organizations o
     where exists (select 1 from audit_log l
                    where l.tenant_id = o.tenant_id and l.occurred_at < now() - make_interval(days => o.audit_retention_days))
  $$;

-- The operator CLI names an organization by slug; the worker role may map a slug to its tenant id.
create function audit_tenant_by_slug(p_slug text)
  returns uuid
  language sql stable security definer set search_path = public, pg_temp
  as $$ select tenant_id from organizations where slug = p_slug $$;

revoke all on function audit_pending_tenants(integer), audit_retention_due(), audit_tenant_by_slug(text) from public;
revoke all on function audit_log_refuse_change(), audit_outbox_notify() from public;

-- Grants: the policy comes before the grant. --------------------------------------------------------
grant usage on schema public to mfiq_retention;
grant execute on function app_current_tenant(), app_current_actor() to mfiq_retention;

-- Web: reads its tenant's log, head (to see a truncated tail) and checkpoints; writes none of them.
grant select on audit_log, audit_chain_heads, audit_checkpoints to mfiq_app;

-- Worker: drains (read + delete the outbox, append the log, move the head), verifies (read).
grant execute on function audit_pending_tenants(integer), audit_tenant_by_slug(text) to mfiq_worker;
grant select, delete on audit_outbox to mfiq_worker;
grant select, insert on audit_log to mfiq_worker;
grant select, insert, update on audit_chain_heads to mfiq_worker;
grant select on audit_checkpoints to mfiq_worker;
grant select, delete on platform_audit_outbox to mfiq_worker;
grant select, insert on platform_audit_log to mfiq_worker;
grant select, update on platform_audit_chain_head to mfiq_worker;

-- Retention: finds due tenants, checkpoints and purges expired rows, nothing else.
grant execute on function audit_retention_due() to mfiq_retention;
grant select, delete on audit_log to mfiq_retention;
grant select, insert on audit_checkpoints to mfiq_retention;
