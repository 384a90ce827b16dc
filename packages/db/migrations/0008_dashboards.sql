-- Dashboards and their tiles (docs/decisions/0060-dashboards.md). A dashboard stores its default
-- date range and grain; the viewer's pickers override them per page view, without writing.

create type dashboard_range as enum ('7d', '30d', '90d', '6m', '12m', 'mtd', 'qtd', 'ytd');
create type dashboard_tile_kind as enum ('number', 'line', 'bar', 'table');

-- Tenant: dashboards. At most one default per organization (the partial unique index); the
-- organization home shows it.
create table dashboards (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  range dashboard_range not null default '90d',
  grain metric_grain not null default 'week',
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index dashboards_one_default on dashboards (tenant_id) where is_default;
alter table dashboards enable row level security;
alter table dashboards force row level security;
create policy tenant_isolation on dashboards
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: tiles, one metric each, ordered by position within their dashboard. Deleting a metric
-- or a dashboard removes its tiles.
create table dashboard_tiles (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  dashboard_id uuid not null,
  metric_id uuid not null,
  kind dashboard_tile_kind not null,
  title text check (length(title) between 1 and 100),
  position integer not null check (position between 0 and 999),
  show_previous boolean not null default true,
  show_target boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, dashboard_id) references dashboards (tenant_id, id) on delete cascade,
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
create index dashboard_tiles_dashboard_idx on dashboard_tiles (tenant_id, dashboard_id, position);
create index dashboard_tiles_metric_idx on dashboard_tiles (tenant_id, metric_id);
alter table dashboard_tiles enable row level security;
alter table dashboard_tiles force row level security;
create policy tenant_isolation on dashboard_tiles
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Grants: the web edits dashboards; the worker has no business with them.
grant usage on type dashboard_range, dashboard_tile_kind to mfiq_app;
grant select, insert, delete on dashboards to mfiq_app;
grant update (name, range, grain, is_default, updated_at) on dashboards to mfiq_app;
grant select, insert, delete on dashboard_tiles to mfiq_app;
grant update (kind, title, position, show_previous, show_target) on dashboard_tiles to mfiq_app;
