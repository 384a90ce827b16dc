-- Public data forms ("request a value"): a form whose fields map to metrics, reachable without an
-- account through an unguessable link. docs/decisions/0054-public-data-forms.md explains the choices.

-- Tenant: the form. Paused forms keep their link but refuse submissions.
create table data_forms (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  description text not null default '' check (length(description) <= 1000),
  paused_at timestamptz,
  submission_count integer not null default 0 check (submission_count >= 0),
  last_submitted_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index data_forms_created_idx on data_forms (tenant_id, created_at);
alter table data_forms enable row level security;
alter table data_forms force row level security;
create policy tenant_isolation on data_forms
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: one field per metric of a form, in order. Both foreign keys carry tenant_id, so a field
-- can only ever name a metric of its own organization.
create table data_form_fields (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  form_id uuid not null,
  metric_id uuid not null,
  label text not null check (length(label) between 1 and 100),
  help text not null default '' check (length(help) <= 300),
  position smallint not null check (position between 0 and 49),
  primary key (tenant_id, id),
  unique (tenant_id, form_id, metric_id),
  foreign key (tenant_id, form_id) references data_forms (tenant_id, id) on delete cascade,
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
create index data_form_fields_metric_idx on data_form_fields (tenant_id, metric_id);
create index data_form_fields_form_idx on data_form_fields (tenant_id, form_id, position);
alter table data_form_fields enable row level security;
alter table data_form_fields force row level security;
create policy tenant_isolation on data_form_fields
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: the live link of a form. A credential, kept apart from the form so that a restore never
-- revives a rotated link (it is kept in place and not copied, like api_keys): hence no foreign key
-- to data_forms, whose rows a restore deletes and re-inserts. The token's SHA-256 finds it; the
-- token itself is sealed under the application key so editors can copy the link again.
create table data_form_links (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  form_id uuid not null,
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  token_sealed text not null check (length(token_sealed) between 16 and 500),
  prefix text not null check (length(prefix) between 4 and 16),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, form_id)
);
-- The one index not led by tenant_id: a link names no tenant, so it is found by its hash (as api_keys).
create unique index data_form_links_token_hash_key on data_form_links (token_hash);
alter table data_form_links enable row level security;
alter table data_form_links force row level security;
create policy tenant_isolation on data_form_links
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));
create policy link_lookup on data_form_links for select to current_user using (true);

-- Entering a tenant through a public link, in the same round trip as BEGIN: find the link by its
-- hash, refuse a locked organization (the tenant is not entered), set the transaction-local tenant
-- and actor (the form), and answer which form it is. The tenant comes from the link row only.
create function app_enter_data_form(p_token_hash text)
  returns table (tenant_id uuid, form_id uuid, form_name text, org_name text, paused boolean)
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    l record;
    f record;
  begin
    select k.tenant_id, k.form_id, o.name as org_name into l
      from data_form_links k join organizations o on o.tenant_id = k.tenant_id
     where k.token_hash = p_token_hash and o.locked_at is null;
    if not found then
      return;
    end if;
    perform set_config('app.tenant_id', l.tenant_id::text, true), set_config('app.actor_id', l.form_id::text, true);
    select d.name, d.paused_at is not null as paused into f from data_forms d where d.tenant_id = l.tenant_id and d.id = l.form_id;
    if not found then
      -- A link left behind by a restore that removed its form: no form, no tenant.
      perform set_config('app.tenant_id', '', true), set_config('app.actor_id', '', true);
      return;
    end if;
    return query select l.tenant_id, l.form_id, f.name, l.org_name, f.paused;
  end
  $$;
revoke all on function app_enter_data_form(text) from public;
grant execute on function app_enter_data_form(text) to mfiq_app;

-- Grants: the policy comes before the grant. ------------------------------------------------------
grant select, insert, update, delete on data_forms, data_form_fields to mfiq_app;
grant select, insert, delete on data_form_links to mfiq_app;
-- Backups read every tenant table as the worker role (see 0006).
grant select on data_forms, data_form_fields, data_form_links to mfiq_worker;
