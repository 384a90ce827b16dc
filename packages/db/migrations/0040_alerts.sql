-- Alerts, notifications and digests (issue 13). Rules watch a metric; the worker evaluates them when
-- data changes (a statement trigger on data_points queues one job per metric) and on a schedule;
-- an event is opened once per rule and period, and fans out to in-app notifications, email (through
-- the outbox) and signed webhooks. docs/decisions/0110-0114 explain the choices.

create type alert_rule_kind as enum ('threshold', 'change', 'stale', 'pace', 'anomaly');
create type alert_event_state as enum ('firing', 'acknowledged', 'resolved');
create type alert_delivery_channel as enum ('in_app', 'email', 'webhook');
create type alert_delivery_status as enum ('pending', 'delivered', 'queued', 'failed', 'skipped');
create type digest_frequency as enum ('off', 'daily', 'weekly');

-- Tenant: webhook channels. The URL may itself be a credential (a Slack webhook URL is), so it is
-- sealed like the signing secret (AES-256-GCM under the application key); only a masked form is
-- stored in clear, for display.
create table alert_channels (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  url_sealed text not null check (length(url_sealed) between 16 and 4000),
  url_display text not null check (length(url_display) between 1 and 200),
  format text not null default 'json' check (format in ('json', 'slack')),
  secret_sealed text not null check (length(secret_sealed) between 16 and 500),
  secret_prefix text not null check (length(secret_prefix) between 4 and 20),
  disabled_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, name)
);
alter table alert_channels enable row level security;
alter table alert_channels force row level security;
create policy tenant_isolation on alert_channels
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: rules. `condition` holds the kind's parameters (validated by the same zod schema when
-- saved and when evaluated); quiet hours are minutes of the local day (organization timezone).
create table alert_rules (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  metric_id uuid not null,
  kind alert_rule_kind not null,
  grain metric_grain not null,
  condition jsonb not null check (jsonb_typeof(condition) = 'object' and pg_column_size(condition) <= 1000),
  quiet_start_minute smallint check (quiet_start_minute between 0 and 1439),
  quiet_end_minute smallint check (quiet_end_minute between 0 and 1439),
  cooldown_minutes integer not null default 0 check (cooldown_minutes between 0 and 43200),
  paused_at timestamptz,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade,
  check ((quiet_start_minute is null) = (quiet_end_minute is null)),
  check (quiet_start_minute is null or quiet_start_minute <> quiet_end_minute)
);
create index alert_rules_metric_idx on alert_rules (tenant_id, metric_id);
-- The evaluator keeps parsed rules between runs while (count, latest change) is the same: read from
-- this index alone.
create index alert_rules_version_idx on alert_rules (tenant_id, updated_at);
alter table alert_rules enable row level security;
alter table alert_rules force row level security;
create policy tenant_isolation on alert_rules
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: who a rule notifies: members (in-app and, by their preference, email) and channels.
create table alert_rule_recipients (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  rule_id uuid not null,
  membership_id uuid,
  channel_id uuid,
  primary key (tenant_id, id),
  unique (tenant_id, rule_id, membership_id),
  unique (tenant_id, rule_id, channel_id),
  foreign key (tenant_id, rule_id) references alert_rules (tenant_id, id) on delete cascade,
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade,
  foreign key (tenant_id, channel_id) references alert_channels (tenant_id, id) on delete cascade,
  check (num_nonnulls(membership_id, channel_id) = 1)
);
create index alert_rule_recipients_membership_idx on alert_rule_recipients (tenant_id, membership_id);
create index alert_rule_recipients_channel_idx on alert_rule_recipients (tenant_id, channel_id);
alter table alert_rule_recipients enable row level security;
alter table alert_rule_recipients force row level security;
create policy tenant_isolation on alert_rule_recipients
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: one row per rule and occurrence (a period, or for stale rules the data it went stale
-- after). The unique key is what makes a rule fire once per period, whatever the number of
-- workers, retries or writes: a second insert of the same occurrence does nothing.
create table alert_events (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  rule_id uuid not null,
  occurrence text not null check (length(occurrence) between 1 and 100),
  grain metric_grain not null,
  period_start date,
  period_end date,
  state alert_event_state not null default 'firing',
  value double precision,
  baseline double precision,
  explanation jsonb not null check (jsonb_typeof(explanation) = 'object'),
  -- False when the rule's cool-down held the notifications back: the event is still recorded.
  notified boolean not null,
  fired_at timestamptz not null default now(),
  acknowledged_at timestamptz,
  acknowledged_by uuid references users (id) on delete set null,
  resolved_at timestamptz,
  resolution text check (length(resolution) <= 300),
  primary key (tenant_id, id),
  unique (tenant_id, rule_id, occurrence),
  foreign key (tenant_id, rule_id) references alert_rules (tenant_id, id) on delete cascade,
  check ((state = 'resolved') = (resolved_at is not null)),
  check (state <> 'acknowledged' or acknowledged_at is not null)
);
create index alert_events_fired_idx on alert_events (tenant_id, fired_at desc);
create index alert_events_open_idx on alert_events (tenant_id, rule_id) where state <> 'resolved';
-- The evaluator asks which rules already have an event for the periods it judges.
create index alert_events_occurrence_idx on alert_events (tenant_id, occurrence);
alter table alert_events enable row level security;
alter table alert_events force row level security;
create policy tenant_isolation on alert_events
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: the delivery log, one row per event, channel and recipient. In-app rows are delivered
-- when written; email rows are handed to the global outbox (its state is read through
-- app_alert_email_status); webhook rows are sent by the worker with retries and back-off.
create table alert_deliveries (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  event_id uuid not null,
  channel alert_delivery_channel not null,
  membership_id uuid,
  channel_id uuid,
  status alert_delivery_status not null,
  detail text check (length(detail) <= 500),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  claimed_until timestamptz,
  response_code integer check (response_code between 100 and 599),
  delivered_at timestamptz,
  email_outbox_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, event_id, channel, membership_id),
  unique (tenant_id, event_id, channel_id),
  foreign key (tenant_id, event_id) references alert_events (tenant_id, id) on delete cascade,
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade,
  foreign key (tenant_id, channel_id) references alert_channels (tenant_id, id) on delete cascade,
  check ((channel = 'webhook') = (channel_id is not null)),
  check ((channel = 'webhook') = (membership_id is null))
);
create index alert_deliveries_event_idx on alert_deliveries (tenant_id, event_id);
create index alert_deliveries_membership_idx on alert_deliveries (tenant_id, membership_id);
create index alert_deliveries_channel_idx on alert_deliveries (tenant_id, channel_id);
-- The worker finds organizations with webhooks due across tenants (app_alert_work): the one index
-- not led by tenant_id, partial, so it only ever holds the few rows waiting to be sent.
create index alert_deliveries_due_idx on alert_deliveries (next_attempt_at) where status = 'pending';
alter table alert_deliveries enable row level security;
alter table alert_deliveries force row level security;
create policy tenant_isolation on alert_deliveries
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: the in-app inbox, one item per event and member.
create table notifications (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  membership_id uuid not null,
  event_id uuid not null,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, membership_id, event_id),
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade,
  foreign key (tenant_id, event_id) references alert_events (tenant_id, id) on delete cascade
);
create index notifications_inbox_idx on notifications (tenant_id, membership_id, created_at desc);
create index notifications_unread_idx on notifications (tenant_id, membership_id) where read_at is null;
create index notifications_event_idx on notifications (tenant_id, event_id);
alter table notifications enable row level security;
alter table notifications force row level security;
create policy tenant_isolation on notifications
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: a member's mute (until null: until unmuted) or snooze (until a time) of a rule.
create table alert_mutes (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  rule_id uuid not null,
  membership_id uuid not null,
  until timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, rule_id, membership_id),
  foreign key (tenant_id, rule_id) references alert_rules (tenant_id, id) on delete cascade,
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade
);
create index alert_mutes_membership_idx on alert_mutes (tenant_id, membership_id);
alter table alert_mutes enable row level security;
alter table alert_mutes force row level security;
create policy tenant_isolation on alert_mutes
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: metrics a member follows (their digest lists them, with the metrics they own).
create table metric_follows (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  membership_id uuid not null,
  metric_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, membership_id, metric_id),
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade,
  foreign key (tenant_id, metric_id) references metrics (tenant_id, id) on delete cascade
);
create index metric_follows_metric_idx on metric_follows (tenant_id, metric_id);
alter table metric_follows enable row level security;
alter table metric_follows force row level security;
create policy tenant_isolation on metric_follows
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: a member's notification settings in this organization (absent: email on, no digest).
create table notification_preferences (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  membership_id uuid not null,
  email_alerts boolean not null default true,
  digest digest_frequency not null default 'off',
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, membership_id),
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade
);
alter table notification_preferences enable row level security;
alter table notification_preferences force row level security;
create policy tenant_isolation on notification_preferences
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: digests sent, one per member, frequency and period: a retried or doubled job sends none twice.
create table alert_digests (
  tenant_id uuid not null,
  id uuid not null default gen_random_uuid(),
  membership_id uuid not null,
  frequency digest_frequency not null check (frequency <> 'off'),
  period_start date not null,
  period_end date not null,
  email_outbox_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, membership_id, frequency, period_start),
  foreign key (tenant_id, membership_id) references memberships (tenant_id, id) on delete cascade
);
alter table alert_digests enable row level security;
alter table alert_digests force row level security;
create policy tenant_isolation on alert_digests
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Waking the evaluator: every statement that writes points (manual entry, the push API, forms, CSV
-- imports, deletes, restores, and any future writer) queues one job per touched metric, in the
-- writer's transaction, keyed by metric so a burst of writes makes one job (preserve_run_at: a
-- steady stream cannot postpone it). Only when a rule could care: one on the metric itself, or
-- one on a formula metric (which may read it). Runs as the writer, under RLS.
create function app_alerts_wake(p_tenant uuid[], p_metric uuid[]) returns void
  language plpgsql
  as $$
  begin
    -- No variable of graphile_worker's types: its schema is installed after the migrations run.
    perform graphile_worker.add_jobs(s.specs, true)
      from (select array_agg(row('alerts_evaluate', json_build_object('tenantId', x.t, 'metricId', x.m), null, null, 5,
                                 'alerts:' || x.t || ':' || x.m, null, null)::graphile_worker.job_spec) as specs
              from (select distinct u.t, u.m from unnest(p_tenant, p_metric) as u (t, m)) x
             where exists (select 1 from alert_rules r where r.tenant_id = x.t and r.metric_id = x.m and r.paused_at is null)
                or exists (select 1 from metrics f join alert_rules r on r.tenant_id = f.tenant_id and r.metric_id = f.id
                            where f.tenant_id = x.t and f.formula is not null and r.paused_at is null)) s
     where s.specs is not null;
  end
  $$;

create function app_alerts_wake_on_points() returns trigger
  language plpgsql
  as $$
  declare
    v_tenants uuid[];
    v_metrics uuid[];
  begin
    if tg_op = 'DELETE' then
      select array_agg(r.tenant_id), array_agg(r.metric_id) into v_tenants, v_metrics
        from (select distinct tenant_id, metric_id from old_rows) r;
    else
      select array_agg(r.tenant_id), array_agg(r.metric_id) into v_tenants, v_metrics
        from (select distinct tenant_id, metric_id from new_rows) r;
    end if;
    if v_tenants is not null then
      perform app_alerts_wake(v_tenants, v_metrics);
    end if;
    return null;
  end
  $$;
create trigger data_points_alerts_insert after insert on data_points
  referencing new table as new_rows for each statement execute function app_alerts_wake_on_points();
create trigger data_points_alerts_update after update on data_points
  referencing new table as new_rows for each statement execute function app_alerts_wake_on_points();
create trigger data_points_alerts_delete after delete on data_points
  referencing old table as old_rows for each statement execute function app_alerts_wake_on_points();

-- What the worker's minutely sweep needs to know across tenants, and nothing else: which unlocked
-- organizations have rules to evaluate, webhooks due, or members who asked for a digest, with
-- their calendar (digests go out in the organization's morning). The owner (the definer) reads
-- across tenants through these select-only policies, as the housekeeping and drain functions do.
create policy alert_work_directory on alert_rules for select to current_user using (true);
create policy alert_work_directory on alert_deliveries for select to current_user using (true);
create policy alert_work_directory on notification_preferences for select to current_user using (true);
create function app_alert_work(p_now timestamptz)
  returns table (tenant_id uuid, timezone text, week_start smallint, has_rules boolean, deliveries_due boolean, digest_members boolean)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.tenant_id, o.timezone, o.week_start,
           exists (select 1 from alert_rules r where r.tenant_id = o.tenant_id and r.paused_at is null),
           exists (select 1 from alert_deliveries d
                    where d.tenant_id = o.tenant_id and d.status = 'pending' and d.next_attempt_at <= p_now
                      and (d.claimed_until is null or d.claimed_until < p_now)),
           exists (select 1 from notification_preferences p where p.tenant_id = o.tenant_id and p.digest <> 'off')
      from organizations o
     where o.locked_at is null
       and (exists (select 1 from alert_rules r where r.tenant_id = o.tenant_id and r.paused_at is null)
            or exists (select 1 from alert_deliveries d where d.tenant_id = o.tenant_id and d.status = 'pending' and d.next_attempt_at <= p_now)
            or exists (select 1 from notification_preferences p where p.tenant_id = o.tenant_id and p.digest <> 'off'))
  $$;
revoke all on function app_alert_work(timestamptz) from public;
grant execute on function app_alert_work(timestamptz) to mfiq_worker;

-- The worker mails the members a rule notifies, so it needs their addresses; it gets those of the
-- organization it is in (app.tenant_id), with each one's settings, and no other user's.
create function app_alert_members()
  returns table (membership_id uuid, user_id uuid, email text, display_name text, role member_role, disabled boolean,
                 email_alerts boolean, digest digest_frequency)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select m.id, u.id, u.email, u.display_name, m.role, u.disabled_at is not null,
           coalesce(p.email_alerts, true), coalesce(p.digest, 'off'::digest_frequency)
      from memberships m
      join users u on u.id = m.user_id
      left join notification_preferences p on p.tenant_id = m.tenant_id and p.membership_id = m.id
     where m.tenant_id = app_current_tenant()
  $$;
revoke all on function app_alert_members() from public;
grant execute on function app_alert_members() to mfiq_worker;

-- The delivery log shows what became of an alert mail; the web may not read the outbox (it holds
-- other people's mail). This answers the delivery state of the current organization's alert mails
-- only, by the outbox ids its own delivery rows name, without bodies or addresses.
create function app_alert_email_status(p_ids uuid[])
  returns table (id uuid, status text, attempts integer, next_attempt_at timestamptz, last_error text, sent_at timestamptz)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.id, o.status, o.attempts, o.next_attempt_at, o.last_error, o.sent_at
      from email_outbox o
     where o.id = any(p_ids)
       and exists (select 1 from alert_deliveries d
                    where d.tenant_id = app_current_tenant() and d.email_outbox_id = o.id)
  $$;
revoke all on function app_alert_email_status(uuid[]) from public;
grant execute on function app_alert_email_status(uuid[]) to mfiq_app;

-- The bell in the site header counts a signed-in user's unread alerts in each of their (unlocked)
-- organizations: a cross-tenant read for the already-authenticated user id, like
-- app_user_organizations, answering counts only.
create policy inbox_directory on notifications for select to current_user using (true);
create function app_user_unread_notifications(p_user_id uuid)
  returns table (slug text, name text, unread bigint)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select o.slug, o.name, count(n.id)
      from memberships m
      join organizations o on o.tenant_id = m.tenant_id
      left join notifications n on n.tenant_id = m.tenant_id and n.membership_id = m.id and n.read_at is null
     where m.user_id = p_user_id and o.locked_at is null
     group by o.slug, o.name
     order by o.name, o.slug
  $$;
revoke all on function app_user_unread_notifications(uuid) from public;
grant execute on function app_user_unread_notifications(uuid) to mfiq_app;

-- Grants: the policy comes before the grant. ------------------------------------------------------
grant usage on type alert_rule_kind, alert_event_state, alert_delivery_channel, alert_delivery_status, digest_frequency
  to mfiq_app, mfiq_worker;
-- The web edits rules, channels, mutes, follows and preferences; it reads what the worker wrote and
-- changes only the people's side of it (acknowledge, read).
grant select, insert, update, delete on alert_rules, alert_rule_recipients, alert_channels, alert_mutes, metric_follows,
  notification_preferences to mfiq_app;
grant select on alert_events, alert_deliveries, notifications, alert_digests to mfiq_app;
grant update (state, acknowledged_at, acknowledged_by, resolved_at, resolution) on alert_events to mfiq_app;
grant update (read_at) on notifications to mfiq_app;
-- The worker evaluates and delivers: it reads the configuration and writes events, deliveries,
-- inbox items, digests and mail.
grant select on alert_rules, alert_rule_recipients, alert_channels, alert_mutes, metric_follows, notification_preferences
  to mfiq_worker;
grant select, insert on alert_events, alert_deliveries, notifications, alert_digests to mfiq_worker;
grant update (state, value, baseline, explanation, resolved_at, resolution) on alert_events to mfiq_worker;
grant update (status, detail, attempts, next_attempt_at, last_attempt_at, claimed_until, response_code, delivered_at)
  on alert_deliveries to mfiq_worker;
grant insert on email_outbox to mfiq_worker;
