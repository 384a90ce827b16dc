-- Organization lifecycle (issue 14): more than one organization per person, slug changes with
-- redirects, and deletion with a grace period during which the organization is locked and its
-- owners can cancel. docs/decisions/0120-organization-lifecycle.md and 0121-verifiable-erasure.md.

-- Who locked an organization ------------------------------------------------------------------
-- A pending deletion locks the organization with the existing lock (every path in refuses a
-- locked organization, see 0053-organization-lock.md). lock_kind says whose lock it is, so that
-- cancelling a deletion lifts the deletion's lock and never an operator's.
alter table organizations
  add column lock_kind text check (lock_kind in ('operator', 'deletion')),
  add column deletion_requested_at timestamptz,
  add column deletion_requested_by uuid,
  add column deletion_due_at timestamptz;
update organizations set lock_kind = 'operator' where locked_at is not null;
alter table organizations
  add constraint organizations_lock_kind check ((locked_at is null) = (lock_kind is null)),
  add constraint organizations_deletion_fields check (
    (deletion_due_at is null) = (deletion_requested_at is null) and deletion_due_at >= deletion_requested_at
  ),
  -- A pending deletion keeps the organization locked: lifting the lock means cancelling the deletion.
  add constraint organizations_deletion_locked check (deletion_due_at is null or locked_at is not null);

-- Writers that lock without naming a kind (the operator CLI, older restores) are the operators; a
-- new reason on a deletion's lock is an operator locking it too. Lifting the lock clears the kind.
create function organizations_lock_kind() returns trigger
  language plpgsql
  as $$
  begin
    if new.locked_at is null then
      new.lock_kind := null;
    elsif tg_op = 'INSERT' then
      new.lock_kind := coalesce(new.lock_kind, 'operator');
    elsif new.lock_kind is not distinct from old.lock_kind
          and (old.locked_at is null or new.locked_reason is distinct from old.locked_reason) then
      new.lock_kind := 'operator';
    end if;
    return new;
  end
  $$;
create trigger organizations_lock_kind before insert or update of locked_at, locked_reason, lock_kind on organizations
  for each row execute function organizations_lock_kind();

-- Requesting deletion, inside the owner's tenant transaction: only the entered tenant, only when
-- the acting user is one of its owners (checked here again, under the procedure's own check), and
-- only when nothing else holds the lock. The app role cannot write the lock columns itself.
create function app_request_organization_deletion(p_grace_days integer)
  returns timestamptz
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    v_tenant uuid := app_current_tenant();
    v_actor uuid := app_current_actor();
    v_due timestamptz;
  begin
    if p_grace_days is null or p_grace_days not between 1 and 90 then
      raise exception 'grace period must be 1 to 90 days' using errcode = 'invalid_parameter_value';
    end if;
    if v_tenant is null or v_actor is null or not exists (
      select 1 from memberships m where m.tenant_id = v_tenant and m.user_id = v_actor and m.role = 'owner'
    ) then
      raise exception 'only an owner of the organization may delete it' using errcode = 'insufficient_privilege';
    end if;
    update organizations
       set locked_at = now(), lock_kind = 'deletion',
           locked_reason = 'Deletion requested by an owner',
           deletion_requested_at = now(), deletion_requested_by = v_actor,
           deletion_due_at = now() + make_interval(days => p_grace_days)
     where tenant_id = v_tenant and locked_at is null and deletion_due_at is null
     returning deletion_due_at into v_due;
    return v_due;
  end
  $$;

-- Entering an organization whose deletion is pending (it is locked, so app_enter_tenant does not
-- enter it): members see what is scheduled, owners may cancel. Sets the tenant only for a member
-- of an organization with a pending deletion; anything else answers no row.
create function app_enter_pending_deletion(p_user_id uuid, p_slug text)
  returns table (
    tenant_id uuid, slug text, name text, role member_role,
    deletion_requested_at timestamptz, deletion_due_at timestamptz, requested_by text
  )
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    m record;
  begin
    select o.tenant_id, o.slug, o.name, mb.role, o.deletion_requested_at, o.deletion_due_at,
           (select u.email from users u where u.id = o.deletion_requested_by) as requested_by
      into m
      from organizations o join memberships mb on mb.tenant_id = o.tenant_id
     where o.slug = p_slug and mb.user_id = p_user_id and o.deletion_due_at is not null;
    if not found then
      return;
    end if;
    perform set_config('app.tenant_id', m.tenant_id::text, true), set_config('app.actor_id', p_user_id::text, true);
    return query select m.tenant_id, m.slug, m.name, m.role, m.deletion_requested_at, m.deletion_due_at, m.requested_by;
  end
  $$;

-- Cancelling, inside the transaction app_enter_pending_deletion entered: an owner only; lifts the
-- deletion's lock but leaves an operator's lock in place. False when nothing was pending any more
-- (cancelled meanwhile, or already being erased: the erasure holds the row lock).
create function app_cancel_organization_deletion()
  returns boolean
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    v_tenant uuid := app_current_tenant();
    v_actor uuid := app_current_actor();
  begin
    if v_tenant is null or v_actor is null or not exists (
      select 1 from memberships m where m.tenant_id = v_tenant and m.user_id = v_actor and m.role = 'owner'
    ) then
      raise exception 'only an owner of the organization may cancel its deletion' using errcode = 'insufficient_privilege';
    end if;
    update organizations
       set deletion_requested_at = null, deletion_requested_by = null, deletion_due_at = null,
           locked_at = case when lock_kind = 'deletion' then null else locked_at end,
           locked_reason = case when lock_kind = 'deletion' then null else locked_reason end
     where tenant_id = v_tenant and deletion_due_at is not null;
    return found;
  end
  $$;

-- Slug changes and their redirects --------------------------------------------------------------
-- Tenant: an organization's former slugs. For 30 days the old address sends the organization's
-- members on to the new one; nobody else learns anything from it (app_slug_redirect answers only a
-- member). Erasing the organization erases them (they carry tenant_id).
create table organization_slug_redirects (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  old_slug text not null check (old_slug ~ '^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$'),
  changed_by uuid,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, old_slug)
);
-- The one index not led by tenant_id: an address names no tenant, so the redirect is found by it.
create index organization_slug_redirects_old_slug_idx on organization_slug_redirects (old_slug, expires_at);
alter table organization_slug_redirects enable row level security;
alter table organization_slug_redirects force row level security;
create policy tenant_isolation on organization_slug_redirects
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));
create policy directory_read on organization_slug_redirects for select to current_user using (true);

-- Where an old slug now points, for a current member of that organization only.
create function app_slug_redirect(p_user_id uuid, p_slug text)
  returns text
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.slug
      from organization_slug_redirects r
      join organizations o on o.tenant_id = r.tenant_id
      join memberships m on m.tenant_id = r.tenant_id and m.user_id = p_user_id
     where r.old_slug = p_slug and r.expires_at > now()
     order by r.created_at desc
     limit 1
  $$;

-- A slug is taken while an organization has it, and for 30 days after it gave it up, so a link
-- to the old address never lands in somebody else's organization in that time.
create or replace function app_slug_taken(p_slug text) returns boolean
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select exists (select 1 from organizations where slug = p_slug)
        or exists (select 1 from organization_slug_redirects where old_slug = p_slug and expires_at > now())
  $$;

-- Grants: the policy comes before the grant. -------------------------------------------------------
revoke all on function organizations_lock_kind() from public;
revoke all on function app_request_organization_deletion(integer), app_enter_pending_deletion(uuid, text),
  app_cancel_organization_deletion(), app_slug_redirect(uuid, text) from public;
grant execute on function app_request_organization_deletion(integer), app_enter_pending_deletion(uuid, text),
  app_cancel_organization_deletion(), app_slug_redirect(uuid, text) to mfiq_app;
-- The owner changes the address; the app keeps the redirects (one per old slug, renewed on reuse).
grant update (slug) on organizations to mfiq_app;
grant select, insert, delete on organization_slug_redirects to mfiq_app;
grant update (changed_by, created_at, expires_at) on organization_slug_redirects to mfiq_app;
-- Backups read every tenant table as the worker role (see 0006).
grant select on organization_slug_redirects to mfiq_worker;
