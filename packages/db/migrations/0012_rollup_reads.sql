-- Dashboards read a year or two of days for a dozen metrics per load, one primary-key range per
-- metric, and each row then cost a heap visit for its values (rows of one metric are interleaved
-- with the others', written a day at a time). The primary key now carries every rollup column, so
-- those reads are index-only scans on all-visible pages (docs/decisions/0062-dashboard-read-path.md).
-- Same key, same uniqueness and ON CONFLICT target; rollup updates are no longer HOT, a cost the
-- ingest benchmark measures.
alter table metric_daily_rollups
  drop constraint metric_daily_rollups_pkey,
  add constraint metric_daily_rollups_pkey primary key (tenant_id, metric_id, day) include (n, sum, min, max, last_ts, last_value);
