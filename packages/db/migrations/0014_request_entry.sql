-- One round trip into a tenant, and the organization lock on every way in (ADR 0081).
--
-- Session validation moves into SQL so that a signed-in tenant request can validate its session,
-- resolve the membership and enter the tenant in the statement sent with BEGIN. The rules are the
-- ones packages/auth applied in TypeScript: a session is live while it has been idle no longer than
-- the idle timeout, before its (sliding) expiry and before its absolute expiry, and its user is not
-- disabled; a dead session is deleted; activity is written at most once per slide interval.

-- A session by its token hash: live -> one row (activity recorded when due); dead -> deleted, no row.
-- Invoker's rights: the app role already reads, deletes and touches sessions.
create function app_validate_session(p_token_hash text, p_now timestamptz, p_idle_ms bigint, p_slide_ms bigint)
  returns table (
    session_id text, user_id uuid, created_at timestamptz, last_seen_at timestamptz, expires_at timestamptz,
    absolute_expires_at timestamptz, authenticated_at timestamptz, ip text, user_agent text,
    email text, display_name text, idle_ms bigint, touched boolean
  )
  language plpgsql volatile set search_path = public, pg_temp
  as $$
  declare
    s record;
    idle interval := make_interval(secs => p_idle_ms / 1000.0);
  begin
    select x.id, x.user_id, x.created_at, x.last_seen_at, x.expires_at, x.absolute_expires_at, x.authenticated_at,
           x.ip, x.user_agent, u.email, u.display_name, u.disabled_at
      into s
      from sessions x join users u on u.id = x.user_id
     where x.id = p_token_hash;
    if not found then
      return;
    end if;
    if s.disabled_at is not null or p_now - s.last_seen_at > idle or p_now > s.expires_at
       or p_now >= s.absolute_expires_at then
      -- Expired sessions are dead for good; a disabled user's sessions must not come back on re-enable.
      delete from sessions where id = p_token_hash;
      return;
    end if;
    idle_ms := greatest(0, floor(extract(epoch from p_now - s.last_seen_at) * 1000))::bigint;
    last_seen_at := s.last_seen_at;
    expires_at := s.expires_at;
    touched := false;
    if p_now - s.last_seen_at >= make_interval(secs => p_slide_ms / 1000.0) then
      -- The `<` guard keeps two concurrent requests from moving the clock backwards.
      update sessions set last_seen_at = p_now, expires_at = p_now + idle
       where id = p_token_hash and sessions.last_seen_at < p_now;
      last_seen_at := p_now;
      expires_at := p_now + idle;
      touched := true;
    end if;
    session_id := s.id; user_id := s.user_id; created_at := s.created_at;
    absolute_expires_at := s.absolute_expires_at; authenticated_at := s.authenticated_at;
    ip := s.ip; user_agent := s.user_agent; email := s.email; display_name := s.display_name;
    return next;
  end
  $$;
revoke all on function app_validate_session(text, timestamptz, bigint, bigint) from public;
grant execute on function app_validate_session(text, timestamptz, bigint, bigint) to mfiq_app;

-- A signed-in request naming an organization: the session, the membership, the organization's
-- policy and lock, and the transaction-local tenant, in one statement. status:
--   'no_session' : the token names no live session (every other column null)
--   'not_member' : a live session, but not a member of that organization (or no such organization)
--   'locked'     : a member, but the operators locked the organization: the tenant is NOT entered
--   'entered'    : app.tenant_id and app.actor_id are set for this transaction
-- The organization policy (stricter idle/absolute limits, required two-factor) is judged by the
-- caller from the returned columns, before any handler runs.
create function app_enter_request(p_token_hash text, p_slug text, p_now timestamptz, p_idle_ms bigint, p_slide_ms bigint)
  returns table (
    status text,
    session_id text, user_id uuid, created_at timestamptz, last_seen_at timestamptz, expires_at timestamptz,
    absolute_expires_at timestamptz, authenticated_at timestamptz, ip text, user_agent text,
    email text, display_name text, idle_ms bigint, touched boolean,
    tenant_id uuid, slug text, name text, role member_role, membership_id uuid,
    require_two_factor boolean, session_idle_minutes integer, session_absolute_hours integer,
    user_has_two_factor boolean, locked_at timestamptz
  )
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    s record;
    m record;
  begin
    select * into s from app_validate_session(p_token_hash, p_now, p_idle_ms, p_slide_ms);
    if not found then
      status := 'no_session';
      return next;
      return;
    end if;
    session_id := s.session_id; user_id := s.user_id; created_at := s.created_at; last_seen_at := s.last_seen_at;
    expires_at := s.expires_at; absolute_expires_at := s.absolute_expires_at; authenticated_at := s.authenticated_at;
    ip := s.ip; user_agent := s.user_agent; email := s.email; display_name := s.display_name; idle_ms := s.idle_ms;
    touched := s.touched;
    select o.tenant_id, o.slug, o.name, mb.role, mb.id as membership_id,
           o.require_two_factor, o.session_idle_minutes, o.session_absolute_hours, o.locked_at,
           exists (select 1 from user_two_factor t where t.user_id = s.user_id and t.enabled_at is not null) as has_2fa
      into m
      from organizations o join memberships mb on mb.tenant_id = o.tenant_id
     where o.slug = p_slug and mb.user_id = s.user_id;
    if not found then
      status := 'not_member';
      return next;
      return;
    end if;
    tenant_id := m.tenant_id; slug := m.slug; name := m.name; role := m.role; membership_id := m.membership_id;
    require_two_factor := m.require_two_factor; session_idle_minutes := m.session_idle_minutes;
    session_absolute_hours := m.session_absolute_hours; user_has_two_factor := m.has_2fa; locked_at := m.locked_at;
    if m.locked_at is not null then
      status := 'locked';
      return next;
      return;
    end if;
    perform set_config('app.tenant_id', m.tenant_id::text, true), set_config('app.actor_id', s.user_id::text, true);
    status := 'entered';
    return next;
  end
  $$;
revoke all on function app_enter_request(text, text, timestamptz, bigint, bigint) from public;
grant execute on function app_enter_request(text, text, timestamptz, bigint, bigint) to mfiq_app;

-- Entering an organization by id (the worker's per-tenant jobs, invitations, operator commands):
-- the same lock as every other way in. A locked organization is entered only when the caller says
-- the work must go on under a lock (audit drain, backups, operator commands). Returns no row for an
-- unknown organization.
create function app_enter_organization(p_tenant_id uuid, p_actor_id uuid, p_even_if_locked boolean)
  returns table (tenant_id uuid, locked boolean)
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    l timestamptz;
  begin
    select o.locked_at into l from organizations o where o.tenant_id = p_tenant_id;
    if not found then
      return;
    end if;
    if l is null or p_even_if_locked then
      perform set_config('app.tenant_id', p_tenant_id::text, true),
              set_config('app.actor_id', coalesce(p_actor_id::text, ''), true);
    end if;
    return query select p_tenant_id, l is not null;
  end
  $$;
revoke all on function app_enter_organization(uuid, uuid, boolean) from public;
grant execute on function app_enter_organization(uuid, uuid, boolean) to mfiq_app, mfiq_worker, mfiq_retention;

-- API keys: a locked organization's keys are refused (the tenant is not entered), and the answer
-- says so. Last use is noted at most once a minute, as before.
drop function app_enter_api_key(text);
create function app_enter_api_key(p_token_hash text)
  returns table (
    tenant_id uuid, key_id uuid, key_name text, key_prefix text, scopes text[], slug text, org_name text,
    locked boolean
  )
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    k record;
  begin
    select a.tenant_id, a.id, a.name, a.prefix, a.scopes, o.slug, o.name as org_name, o.locked_at into k
      from api_keys a join organizations o on o.tenant_id = a.tenant_id
     where a.token_hash = p_token_hash and a.revoked_at is null;
    if not found then
      return;
    end if;
    if k.locked_at is null then
      perform set_config('app.tenant_id', k.tenant_id::text, true), set_config('app.actor_id', k.id::text, true);
      update api_keys set last_used_at = now()
       where api_keys.tenant_id = k.tenant_id and api_keys.id = k.id
         and (last_used_at is null or last_used_at < now() - interval '1 minute');
    end if;
    return query select k.tenant_id, k.id, k.name, k.prefix, k.scopes, k.slug, k.org_name, k.locked_at is not null;
  end
  $$;
revoke all on function app_enter_api_key(text) from public;
grant execute on function app_enter_api_key(text) to mfiq_app;

-- The API key rate limit, counted OUTSIDE the request's tenant transaction: the caller sends it as
-- its own statement, then COMMIT, then BEGIN and app_enter_api_key, in one round trip. The counter
-- row's lock therefore lasts one statement, not a whole request (requests of one key never queue
-- behind each other), and no second connection is needed. Fixed window per key.
create function app_api_key_rate(p_token_hash text, p_points integer, p_window_ms bigint)
  returns table (allowed boolean, retry_after_ms bigint)
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    k uuid;
    now_ms bigint := floor(extract(epoch from clock_timestamp()) * 1000)::bigint;
    r record;
  begin
    select a.id into k from api_keys a where a.token_hash = p_token_hash and a.revoked_at is null;
    if not found then
      return;
    end if;
    insert into api_rate_limits as l (key, points, expire) values ('apikey:' || k, 1, now_ms + p_window_ms)
    on conflict (key) do update
      set points = case when l.expire <= now_ms then 1 else l.points + 1 end,
          expire = case when l.expire <= now_ms then now_ms + p_window_ms else l.expire end
    returning l.points, l.expire into r;
    return query select r.points <= p_points, greatest(0, r.expire - now_ms);
  end
  $$;
revoke all on function app_api_key_rate(text, integer, bigint) from public;
grant execute on function app_api_key_rate(text, integer, bigint) to mfiq_app;
