-- A public data form writes only the days its editors allow: today (in the organization's
-- timezone) and at most `days_back` days before it, never older history and never the future.
-- Existing forms take today only; editors widen the window explicitly (issue 11, finding 22).
alter table data_forms
  add column days_back smallint not null default 0 check (days_back between 0 and 31);
