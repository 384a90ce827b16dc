-- Public surface and operations: contact messages, the anti-abuse stores (rate limits, used form
-- tokens), organization locks for incident response, and narrow read functions for monitoring.
-- docs/decisions/0050..0053 explain the choices.

-- Global: messages sent through the public /contact form. No tenant: the sender has no account.
create table contact_messages (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  name text not null check (length(name) between 1 and 100),
  email text not null check (length(email) between 3 and 254),
  topic text not null check (topic in ('sales', 'security', 'support', 'privacy', 'other')),
  message text not null check (length(message) between 1 and 5000),
  ip text,
  user_agent text,
  request_id text
);
create index contact_messages_created_idx on contact_messages (created_at);
-- The web only adds messages; reading them is an operator's job (owner connection).
grant insert on contact_messages to mfiq_app;

-- Global: rate-limiter-flexible's PostgreSQL store, in the layout RateLimiterPostgres expects
-- (key, points, expire in epoch milliseconds). Created here so the app role never runs DDL.
create table rate_limits (
  key varchar(255) primary key,
  points integer not null default 0,
  expire bigint
);
create index rate_limits_expire_idx on rate_limits (expire);
grant select, insert, update, delete on rate_limits to mfiq_app;

-- Global: nonces of form tokens already used. A token is accepted once; its nonce is kept until
-- the token would have expired anyway, then purged.
create table form_nonces (
  nonce text primary key check (nonce ~ '^[A-Za-z0-9_-]{16,64}$'),
  form text not null check (form ~ '^[a-z][a-z0-9-]{0,31}$'),
  expires_at timestamptz not null
);
create index form_nonces_expires_idx on form_nonces (expires_at);
grant select, insert, delete on form_nonces to mfiq_app;

-- Incident response: an operator can lock an organization. Only the owner connection (the
-- operator CLI) can set or clear it; the app role can read it through app_enter_tenant.
alter table organizations
  add column locked_at timestamptz,
  add column locked_reason text check (length(locked_reason) <= 500);

-- Entering a tenant now reports the lock, and a locked organization's tenant is NOT entered: the
-- settings stay unset, so even a handler that ignored the refusal would read nothing.
drop function app_enter_tenant(uuid, text);
create function app_enter_tenant(p_user_id uuid, p_slug text)
  returns table (
    tenant_id uuid, slug text, name text, role member_role, membership_id uuid,
    require_two_factor boolean, session_idle_minutes integer, session_absolute_hours integer, user_has_two_factor boolean,
    locked_at timestamptz
  )
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    m record;
  begin
    select o.tenant_id, o.slug, o.name, mb.role, mb.id as membership_id,
           o.require_two_factor, o.session_idle_minutes, o.session_absolute_hours,
           exists (select 1 from user_two_factor t where t.user_id = p_user_id and t.enabled_at is not null) as user_has_two_factor,
           o.locked_at
      into m
      from organizations o join memberships mb on mb.tenant_id = o.tenant_id
     where o.slug = p_slug and mb.user_id = p_user_id;
    if not found then
      return;
    end if;
    if m.locked_at is null then
      perform set_config('app.tenant_id', m.tenant_id::text, true), set_config('app.actor_id', p_user_id::text, true);
    end if;
    return query select m.tenant_id, m.slug, m.name, m.role, m.membership_id,
                        m.require_two_factor, m.session_idle_minutes, m.session_absolute_hours, m.user_has_two_factor,
                        m.locked_at;
  end
  $$;
revoke all on function app_enter_tenant(uuid, text) from public;
grant execute on function app_enter_tenant(uuid, text) to mfiq_app;

-- Monitoring: how many audit events wait in the outbox, and how old the oldest is. The owner (the
-- definer) reads across tenants through the drain_directory policy of 0004; the app role gets only
-- the two numbers.
create function app_audit_outbox_depth()
  returns table (pending bigint, oldest_seconds double precision)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select count(*), coalesce(extract(epoch from now() - min(o.occurred_at)), 0)::double precision from audit_outbox o
  $$;
revoke all on function app_audit_outbox_depth() from public;
grant execute on function app_audit_outbox_depth() to mfiq_app;

-- Monitoring: age of each organization's last successful backup (from its creation when it never
-- had one), for alerting. The owner (the definer) reads across tenants through this select-only
-- policy, as the audit drain does on the outbox; the app role gets only slug and age.
create policy ops_backup_age on backups for select to current_user using (true);
create function app_backup_ages()
  returns table (slug text, age_seconds double precision)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.slug, extract(epoch from now() - coalesce(max(b.finished_at) filter (where b.status = 'succeeded'), o.created_at))::double precision
      from organizations o left join backups b on b.tenant_id = o.tenant_id
     group by o.slug, o.created_at
  $$;
revoke all on function app_backup_ages() from public;
grant execute on function app_backup_ages() to mfiq_app;
