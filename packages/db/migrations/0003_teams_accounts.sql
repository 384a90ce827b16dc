-- Teams and account security: invitations (tenant), organization security policy, two-factor,
-- recovery codes, password reset and sign-up tokens, sign-in challenges, the email outbox and the
-- sign-in throttle store (global). Every token is stored as its SHA-256 hex, never in clear.

-- Sessions: when the holder last proved who they are (sign-in or re-authentication). Sensitive
-- account changes require this to be recent.
alter table sessions add column authenticated_at timestamptz not null default now();
grant update (authenticated_at) on sessions to mfiq_app;

-- Organization security policy ------------------------------------------------------------------
alter table organizations
  add column require_two_factor boolean not null default false,
  add column session_idle_minutes integer check (session_idle_minutes between 5 and 1440),
  add column session_absolute_hours integer check (session_absolute_hours between 1 and 720);
grant update (require_two_factor, session_idle_minutes, session_absolute_hours) on organizations to mfiq_app;

-- Tenant: invitations. The token carries the tenant id in clear (it is not secret) followed by the
-- random part, so the lookup is by (tenant_id, token_hash) under row-level security, with no
-- cross-tenant function.
create table invitations (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  role member_role not null,
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references users (id) on delete set null,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash)
);
create index invitations_pending_idx on invitations (tenant_id, lower(email)) where accepted_at is null and revoked_at is null;
alter table invitations enable row level security;
alter table invitations force row level security;
create policy tenant_isolation on invitations
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));
grant select, insert on invitations to mfiq_app;
grant update (accepted_at, accepted_by, revoked_at) on invitations to mfiq_app;
-- Per-tenant backups read every tenant table as the worker.
grant select on invitations to mfiq_worker;

-- Global: two-factor (TOTP). The secret is AES-256-GCM ciphertext under the application key;
-- enabled_at is null while set-up is pending. last_used_step refuses a code used before (replay).
create table user_two_factor (
  user_id uuid primary key references users (id) on delete cascade,
  secret_ciphertext text not null,
  enabled_at timestamptz,
  last_used_step bigint,
  created_at timestamptz not null default now()
);
grant select, insert, delete on user_two_factor to mfiq_app;
grant update (secret_ciphertext, enabled_at, last_used_step, created_at) on user_two_factor to mfiq_app;

create table recovery_codes (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  code_hash text not null check (code_hash ~ '^[0-9a-f]{64}$'),
  used_at timestamptz,
  created_at timestamptz not null default now(),
  unique (user_id, code_hash)
);
grant select, insert, delete on recovery_codes to mfiq_app;
grant update (used_at) on recovery_codes to mfiq_app;

-- Global: the second step of a sign-in for an account with two-factor. Short-lived, few attempts.
create table sign_in_challenges (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  attempts integer not null default 0
);
create index sign_in_challenges_user_idx on sign_in_challenges (user_id);
grant select, insert, delete on sign_in_challenges to mfiq_app;
grant update (attempts) on sign_in_challenges to mfiq_app;

-- Global: password reset links (30 minutes, single use).
create table password_reset_tokens (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_reset_tokens_user_idx on password_reset_tokens (user_id);
grant select, insert on password_reset_tokens to mfiq_app;
grant update (used_at) on password_reset_tokens to mfiq_app;

-- Global: a sign-up waiting for its email to be confirmed. Sign-up answers the same for a new and
-- a taken email; only the mailbox owner can complete it.
create table signup_requests (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  email text not null check (length(email) between 3 and 254),
  display_name text not null check (length(display_name) between 1 and 100),
  password_hash text not null,
  organization_name text not null check (length(organization_name) between 1 and 100),
  organization_slug text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
grant select, insert on signup_requests to mfiq_app;
grant update (used_at) on signup_requests to mfiq_app;

-- Global: the email outbox. Mail is addressed to a person, not to an organization (sign-up, reset
-- and security notices have no tenant), and one worker drains it for everybody: a global table
-- the web may only append to. See docs/decisions/0010-email-outbox.md.
create table email_outbox (
  id uuid primary key default gen_random_uuid(),
  created_at timestamptz not null default now(),
  kind text not null check (kind ~ '^[a-z_]+$'),
  to_address text not null check (length(to_address) between 3 and 254),
  subject text not null check (length(subject) between 1 and 200),
  text_body text,
  status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  sent_at timestamptz
);
create index email_outbox_pending_idx on email_outbox (next_attempt_at) where status = 'pending';
grant insert on email_outbox to mfiq_app;
grant select, update (status, attempts, next_attempt_at, last_error, sent_at, text_body) on email_outbox to mfiq_worker;

-- New mail wakes the sender at once (one queued job however many rows; the cron catches the rest).
create function email_outbox_enqueue() returns trigger
  language plpgsql
  as $$
  begin
    perform graphile_worker.add_job('send_emails', '{}'::json, job_key := 'send_emails', job_key_mode := 'preserve_run_at');
    return null;
  end
  $$;
create trigger email_outbox_enqueue after insert on email_outbox for each statement execute function email_outbox_enqueue();

-- Global: rate-limiter-flexible's PostgreSQL store for sign-in throttling (its own schema; the app
-- role cannot create tables, so the table is made here and the limiter told it exists). Keys are
-- hashes, never emails.
create table sign_in_throttle (
  key varchar(255) primary key,
  points integer not null default 0,
  expire bigint
);
grant select, insert, update, delete on sign_in_throttle to mfiq_app;

-- Entering a tenant also returns its security policy and whether the caller has two-factor, so
-- the tenant path enforces both without another round trip.
drop function app_enter_tenant(uuid, text);
create function app_enter_tenant(p_user_id uuid, p_slug text)
  returns table (
    tenant_id uuid, slug text, name text, role member_role, membership_id uuid,
    require_two_factor boolean, session_idle_minutes integer, session_absolute_hours integer, user_has_two_factor boolean
  )
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    m record;
  begin
    select o.tenant_id, o.slug, o.name, mb.role, mb.id as membership_id,
           o.require_two_factor, o.session_idle_minutes, o.session_absolute_hours,
           exists (select 1 from user_two_factor t where t.user_id = p_user_id and t.enabled_at is not null) as user_has_two_factor
      into m
      from organizations o join memberships mb on mb.tenant_id = o.tenant_id
     where o.slug = p_slug and mb.user_id = p_user_id;
    if not found then
      return;
    end if;
    perform set_config('app.tenant_id', m.tenant_id::text, true), set_config('app.actor_id', p_user_id::text, true);
    return query select m.tenant_id, m.slug, m.name, m.role, m.membership_id,
                        m.require_two_factor, m.session_idle_minutes, m.session_absolute_hours, m.user_has_two_factor;
  end
  $$;
revoke all on function app_enter_tenant(uuid, text) from public;
grant execute on function app_enter_tenant(uuid, text) to mfiq_app;
