-- Backups read every tenant table as the worker role (see 0006); the dashboards tables of 0008 came
-- after that migration's blanket grant.
grant select on dashboards, dashboard_tiles to mfiq_worker;
