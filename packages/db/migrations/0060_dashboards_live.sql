-- Dashboards people live in (docs/decisions/0130-dashboard-editing-and-multi-metric-tiles.md,
-- 0131-dashboard-share-links-and-tv.md): tiles edited in place with up to four metrics and their own range,
-- grain and comparison; dated annotations on metrics and dashboards; read-only share links.

-- Tiles: what a tile may override. NULL means "follow the dashboard's pickers" (range, grain) or
-- "by kind" (width: number cards one column, charts and tables two).
create type dashboard_comparison as enum ('previous_period', 'previous_year');
alter table dashboard_tiles
  add column width smallint check (width in (1, 2)),
  add column range dashboard_range,
  add column grain metric_grain,
  add column compare_to dashboard_comparison not null default 'previous_period';

-- Tenant: the second to fourth metric of a tile (the first stays dashboard_tiles.metric_id, so a
-- single-metric tile reads as before). Deleting a metric drops it from the tiles it joined.
create table dashboard_tile_metrics (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  tile_id uuid not null,
  metric_id uuid not null,
  position smallint not null check (position between 1 and 3),
  primary key (tenant_id, id),
  unique (tenant_id, tile_id, position),
  unique (tenant_id, tile_id, metric_id),
  foreign key (tenant_id, tile_id) references dashboard_tiles (tenant_id, id) on delete cascade,
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
create index dashboard_tile_metrics_metric_idx on dashboard_tile_metrics (tenant_id, metric_id);
alter table dashboard_tile_metrics enable row level security;
alter table dashboard_tile_metrics force row level security;
create policy tenant_isolation on dashboard_tile_metrics
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: a dated note on one metric or one dashboard ("pricing change"), drawn as a marker on
-- the charts that show that date.
create table annotations (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  metric_id uuid,
  dashboard_id uuid,
  on_date date not null,
  body text not null check (length(body) between 1 and 280),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check ((metric_id is null) <> (dashboard_id is null)),
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade,
  foreign key (tenant_id, dashboard_id) references dashboards (tenant_id, id) on delete cascade
);
create index annotations_metric_idx on annotations (tenant_id, metric_id, on_date) where metric_id is not null;
create index annotations_dashboard_idx on annotations (tenant_id, dashboard_id, on_date) where dashboard_id is not null;
alter table annotations enable row level security;
alter table annotations force row level security;
create policy tenant_isolation on annotations
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: read-only links to one dashboard. A credential, found by its token's SHA-256 (the one
-- index not led by tenant_id, as api_keys and data_form_links); the token itself is shown once.
-- No foreign key to dashboards, as data_form_links: an in-place restore deletes and re-inserts
-- dashboards, which must not take the kept links with them; the entry function joins the
-- dashboard, and deleting a dashboard deletes its links in the same transaction.
create table dashboard_share_links (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  dashboard_id uuid not null,
  label text not null check (length(label) between 1 and 100),
  token_hash text not null check (token_hash ~ '^[0-9a-f]{64}$'),
  prefix text not null check (length(prefix) between 4 and 16),
  expires_at timestamptz,
  revoked_at timestamptz,
  -- Origins allowed to frame the link (frame-ancestors of that response only).
  embed_origins text[] not null default '{}' check (cardinality(embed_origins) <= 5),
  view_count bigint not null default 0 check (view_count >= 0),
  last_viewed_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  rotated_at timestamptz,
  primary key (tenant_id, id)
);
create unique index dashboard_share_links_token_hash_key on dashboard_share_links (token_hash);
create index dashboard_share_links_dashboard_idx on dashboard_share_links (tenant_id, dashboard_id, created_at);
alter table dashboard_share_links enable row level security;
alter table dashboard_share_links force row level security;
create policy tenant_isolation on dashboard_share_links
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));
create policy link_lookup on dashboard_share_links for select to current_user using (true);

-- Entering a tenant through a share link, in the same round trip as BEGIN (the pattern of
-- app_enter_data_form): find a live link by its hash (not revoked, not expired), refuse a locked
-- organization, set the transaction-local tenant and actor (the link), check the dashboard is
-- still there, count the view when asked (page loads, not data refreshes), and answer which
-- dashboard it is. The tenant and the dashboard come from the link row only.
create function app_enter_dashboard_share(p_token_hash text, p_count_view boolean)
  returns table (tenant_id uuid, link_id uuid, dashboard_id uuid, org_name text, embed_origins text[])
  language plpgsql volatile security definer set search_path = public, pg_temp
  as $$
  declare
    l record;
  begin
    select k.tenant_id, k.id, k.dashboard_id, k.embed_origins, o.name as org_name into l
      from dashboard_share_links k join organizations o on o.tenant_id = k.tenant_id
     where k.token_hash = p_token_hash and k.revoked_at is null
       and (k.expires_at is null or k.expires_at > now()) and o.locked_at is null;
    if not found then
      return;
    end if;
    perform set_config('app.tenant_id', l.tenant_id::text, true), set_config('app.actor_id', l.id::text, true);
    if not exists (select 1 from dashboards d where d.tenant_id = l.tenant_id and d.id = l.dashboard_id) then
      perform set_config('app.tenant_id', '', true), set_config('app.actor_id', '', true);
      return;
    end if;
    if p_count_view then
      update dashboard_share_links k set view_count = k.view_count + 1, last_viewed_at = now()
       where k.tenant_id = l.tenant_id and k.id = l.id;
    end if;
    return query select l.tenant_id, l.id, l.dashboard_id, l.org_name, l.embed_origins;
  end
  $$;
revoke all on function app_enter_dashboard_share(text, boolean) from public;
grant execute on function app_enter_dashboard_share(text, boolean) to mfiq_app;

-- Grants: the policies come before the grants. ---------------------------------------------------
grant usage on type dashboard_comparison to mfiq_app;
grant update (metric_id, width, range, grain, compare_to) on dashboard_tiles to mfiq_app;
grant select, insert, delete on dashboard_tile_metrics to mfiq_app;
grant select, insert, delete on annotations to mfiq_app;
grant update (body, on_date) on annotations to mfiq_app;
-- View counts are written by the entry function only.
grant select, insert, delete on dashboard_share_links to mfiq_app;
grant update (label, token_hash, prefix, expires_at, revoked_at, embed_origins, rotated_at) on dashboard_share_links to mfiq_app;
-- Backups read every tenant table as the worker role (see 0006).
grant select on dashboard_tile_metrics, annotations, dashboard_share_links to mfiq_worker;
