-- Foundation: users and sessions (global), organizations and memberships (tenant), audit outboxes.
-- Conventions (docs/decisions/0002-tenant-isolation.md): every tenant table has tenant_id, RLS enabled
-- and forced, one policy on the transaction-scoped app.tenant_id, indexes led by tenant_id.

create function app_current_tenant() returns uuid
  language sql stable parallel safe
  as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

create function app_current_actor() returns uuid
  language sql stable parallel safe
  as $$ select nullif(current_setting('app.actor_id', true), '')::uuid $$;

-- Global: users ---------------------------------------------------------------------------------
create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  display_name text not null check (length(display_name) between 1 and 100),
  password_hash text not null,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (lower(email));

-- Global: sessions. id is the SHA-256 (hex) of the token the cookie carries; the token itself is
-- never stored. expires_at is the idle expiry (slides on use), absolute_expires_at never moves.
create table sessions (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  absolute_expires_at timestamptz not null,
  ip text,
  user_agent text
);
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expiry_idx on sessions (least(expires_at, absolute_expires_at));

-- Tenant: organizations. The organization is the tenant: its primary key is tenant_id. ------------
create table organizations (
  tenant_id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$'),
  name text not null check (length(name) between 1 and 100),
  timezone text not null default 'UTC',
  week_start smallint not null default 1 check (week_start between 0 and 6),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table organizations enable row level security;
alter table organizations force row level security;
create policy tenant_isolation on organizations
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: memberships ----------------------------------------------------------------------------
create type member_role as enum ('owner', 'admin', 'editor', 'viewer');
create table memberships (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  role member_role not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, user_id)
);
create index memberships_user_id_idx on memberships (user_id);
alter table memberships enable row level security;
alter table memberships force row level security;
create policy tenant_isolation on memberships
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: audit outbox. Written in the same transaction as the change it records; drained by the
-- worker into the append-only audit log.
create table audit_outbox (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  occurred_at timestamptz not null default clock_timestamp(),
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  outcome text not null default 'success' check (outcome in ('success', 'failure')),
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
  primary key (tenant_id, id)
);
create index audit_outbox_occurred_idx on audit_outbox (occurred_at, id);
alter table audit_outbox enable row level security;
alter table audit_outbox force row level security;
create policy tenant_isolation on audit_outbox
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Global: security events that have no tenant (sign-in, sign-out, failed sign-in for an unknown
-- email). Same shape as audit_outbox, without tenant_id.
create table platform_audit_outbox (
  id uuid primary key default gen_random_uuid(),
  occurred_at timestamptz not null default clock_timestamp(),
  action text not null check (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  outcome text not null default 'success' check (outcome in ('success', 'failure')),
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
  request_id text
);

-- Directory functions. The app role can only see one tenant at a time; finding which tenants a
-- signed-in user belongs to is the one cross-tenant read it needs. These SECURITY DEFINER functions
-- answer exactly that, for the user id the app has already authenticated, and nothing more.
create policy directory_read on memberships for select to current_user using (true);
create policy directory_read on organizations for select to current_user using (true);

create function app_user_organizations(p_user_id uuid)
  returns table (tenant_id uuid, slug text, name text, role member_role)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id, o.slug, o.name, m.role
      from memberships m join organizations o on o.tenant_id = m.tenant_id
     where m.user_id = p_user_id
     order by o.name, o.slug
  $$;

create function app_resolve_membership(p_user_id uuid, p_slug text)
  returns table (tenant_id uuid, slug text, name text, role member_role, membership_id uuid)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id, o.slug, o.name, m.role, m.id
      from organizations o join memberships m on m.tenant_id = o.tenant_id
     where o.slug = p_slug and m.user_id = p_user_id
  $$;

-- Slugs are global (they name organizations in URLs); sign-up asks whether one is free without
-- being able to read other tenants' rows.
create function app_slug_taken(p_slug text) returns boolean
  language sql stable security definer set search_path = public, pg_temp
  as $$ select exists (select 1 from organizations where slug = p_slug) $$;

revoke all on function app_slug_taken(text) from public;
revoke all on function app_user_organizations(uuid) from public;
revoke all on function app_resolve_membership(uuid, text) from public;

-- Grants: the policy comes before the grant. -----------------------------------------------------
grant usage on schema public to mfiq_app, mfiq_worker;
grant execute on function app_current_tenant(), app_current_actor() to mfiq_app, mfiq_worker;
grant execute on function app_user_organizations(uuid), app_resolve_membership(uuid, text), app_slug_taken(text) to mfiq_app;
-- /readyz compares applied migrations with the files on disk.
grant select on schema_migrations to mfiq_app;
grant usage on type member_role to mfiq_app, mfiq_worker;

grant select, insert on users to mfiq_app;
grant update (display_name, password_hash, email, updated_at) on users to mfiq_app;
grant select, insert, delete on sessions to mfiq_app;
grant update (expires_at, last_seen_at) on sessions to mfiq_app;
grant select, insert on organizations to mfiq_app;
grant update (name, timezone, week_start, updated_at) on organizations to mfiq_app;
grant select, insert, update, delete on memberships to mfiq_app;
grant insert on audit_outbox to mfiq_app;
grant insert on platform_audit_outbox to mfiq_app;

-- The worker purges expired sessions; it reads nothing else of them.
grant select (id, expires_at, absolute_expires_at), delete on sessions to mfiq_worker;
