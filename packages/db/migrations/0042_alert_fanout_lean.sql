-- Alert fan-out writes less per event (ADR 0115). The in-app delivery of an alert is its inbox item:
-- the delivery log shows it from `notifications` instead of a second "delivered" row in
-- alert_deliveries, and the mail that was not sent because the member had turned alert mail off is
-- a flag on that same item instead of a third row. Both said nothing the inbox item does not, and
-- at 10,000 rules firing they were two thirds of the rows and index entries one evaluation wrote.
alter table notifications add column email_off boolean not null default false;
comment on column notifications.email_off is
  'Alert mail was turned off for this member when the alert fired: the delivery log shows the mail as skipped.';

-- Old rows move over. The migration runs as the owner, whom forced RLS would confine to no tenant:
-- lifted for these statements only, inside this migration's transaction.
alter table notifications no force row level security;
alter table alert_deliveries no force row level security;
update notifications n set email_off = true
  from alert_deliveries d
 where d.tenant_id = n.tenant_id and d.event_id = n.event_id and d.membership_id = n.membership_id
   and d.channel = 'email' and d.status = 'skipped' and d.email_outbox_id is null
   and d.detail = 'Alert mail is turned off in their notification settings';
delete from alert_deliveries d
 using notifications n
 where d.tenant_id = n.tenant_id and d.event_id = n.event_id and d.membership_id = n.membership_id
   and ((d.channel = 'in_app' and d.status = 'delivered')
        or (d.channel = 'email' and d.status = 'skipped' and d.email_outbox_id is null and n.email_off
            and d.detail = 'Alert mail is turned off in their notification settings'));
alter table notifications force row level security;
alter table alert_deliveries force row level security;

-- Indexes nothing needs: the event's deliveries are found through the unique key that starts with
-- (tenant_id, event_id); the evaluator looks events up by rule and occurrence (the unique key),
-- never by occurrence alone.
drop index alert_deliveries_event_idx;
drop index alert_events_occurrence_idx;

-- The set-wise check of a steady organization (packages/api/src/alerts/steady.ts) reads every open
-- event's rule, grain, occurrence and period: carried in the partial index, so a vacuumed table
-- answers from the index alone.
drop index alert_events_open_idx;
create index alert_events_open_idx on alert_events (tenant_id, rule_id) include (grain, occurrence, period_start)
  where state <> 'resolved';
