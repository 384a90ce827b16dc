-- Entering a tenant in the same round trip as BEGIN: resolve the caller's membership by slug and set
-- the transaction-local tenant and actor when (and only when) the caller is a member. A request to a
-- tenant procedure then costs BEGIN+enter, the handler's queries, and COMMIT.
create function app_enter_tenant(p_user_id uuid, p_slug text)
  returns table (tenant_id uuid, slug text, name text, role member_role, membership_id uuid)
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    m record;
  begin
    select o.tenant_id, o.slug, o.name, mb.role, mb.id as membership_id into m
      from organizations o join memberships mb on mb.tenant_id = o.tenant_id
     where o.slug = p_slug and mb.user_id = p_user_id;
    if not found then
      return;
    end if;
    perform set_config('app.tenant_id', m.tenant_id::text, true), set_config('app.actor_id', p_user_id::text, true);
    return query select m.tenant_id, m.slug, m.name, m.role, m.membership_id;
  end
  $$;

revoke all on function app_enter_tenant(uuid, text) from public;
grant execute on function app_enter_tenant(uuid, text) to mfiq_app;

-- Superseded by app_enter_tenant: resolving a membership without entering the tenant is no longer needed.
drop function app_resolve_membership(uuid, text);
