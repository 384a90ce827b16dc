-- CSV imports: the upload's metadata, its bytes (in 1 MiB chunks, until the import has run) and the
-- rows it rejected. See docs/decisions/0070-csv-import-storage.md and 0071-csv-import-semantics.md.

create type import_status as enum ('uploaded', 'queued', 'running', 'completed', 'failed');

-- Tenant: one uploaded file and the state of its import.
create table imports (
  tenant_id uuid not null references organizations (tenant_id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  file_name text not null check (length(file_name) between 1 and 255),
  size_bytes bigint not null check (size_bytes > 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  -- The first row's cells: the column names a mapping may refer to.
  header text[] not null check (cardinality(header) between 1 and 200),
  delimiter text not null check (delimiter in (',', ';', E'\t')),
  mapping jsonb,
  status import_status not null default 'uploaded',
  rows_processed integer not null default 0 check (rows_processed >= 0),
  rows_written integer not null default 0 check (rows_written >= 0),
  points_changed integer not null default 0 check (points_changed >= 0),
  rows_failed integer not null default 0 check (rows_failed >= 0),
  bytes_processed bigint not null default 0 check (bytes_processed >= 0),
  -- Why the import as a whole stopped (a malformed file, a crash after the last retry).
  error text check (length(error) <= 1000),
  attempts integer not null default 0,
  created_by uuid,
  started_by uuid,
  created_at timestamptz not null default now(),
  queued_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create index imports_created_idx on imports (tenant_id, created_at desc);
-- "Already imported": earlier imports of a file with the same checksum.
create index imports_sha256_idx on imports (tenant_id, sha256);
alter table imports enable row level security;
alter table imports force row level security;
create policy tenant_isolation on imports
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: the uploaded bytes in order. Deleted when the import has run: the result (counts and
-- rejected rows) is what stays. Stored uncompressed: CSV is read once, and pglz on 1 MiB values
-- would cost more CPU than the disk it saves for that short life.
create table import_chunks (
  tenant_id uuid not null,
  import_id uuid not null,
  seq integer not null check (seq >= 0),
  data bytea not null,
  primary key (tenant_id, import_id, seq),
  -- Deferred: the upload streams its chunks before it knows the checksum and header of the file,
  -- and inserts the imports row last, in the same transaction.
  foreign key (tenant_id, import_id) references imports (tenant_id, id) on delete cascade deferrable initially deferred
);
alter table import_chunks alter column data set storage external;
alter table import_chunks enable row level security;
alter table import_chunks force row level security;
create policy tenant_isolation on import_chunks
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Tenant: rows an import rejected, by line number in the file (one problem per row).
create table import_errors (
  tenant_id uuid not null,
  import_id uuid not null,
  line integer not null check (line > 0),
  message text not null check (length(message) <= 500),
  primary key (tenant_id, import_id, line),
  foreign key (tenant_id, import_id) references imports (tenant_id, id) on delete cascade
);
alter table import_errors enable row level security;
alter table import_errors force row level security;
create policy tenant_isolation on import_errors
  using (tenant_id = (select app_current_tenant()))
  with check (tenant_id = (select app_current_tenant()));

-- Grants ------------------------------------------------------------------------------------------
grant usage on type import_status to mfiq_app, mfiq_worker;
-- The web uploads, maps, queues and reads; it never deletes an import or edits its results.
grant select, insert on imports to mfiq_app;
grant update (mapping, status, queued_at, started_by) on imports to mfiq_app;
grant select, insert on import_chunks to mfiq_app;
grant select on import_errors to mfiq_app;
-- The worker runs imports: it reads the file, writes results and progress, records rejected rows,
-- drops the bytes when done and writes the one audit event of the run.
grant select on imports to mfiq_worker;
grant update (status, rows_processed, rows_written, points_changed, rows_failed, bytes_processed, error, attempts, started_at, finished_at) on imports to mfiq_worker;
grant select, delete on import_chunks to mfiq_worker;
grant select, insert, delete on import_errors to mfiq_worker;
grant insert on audit_outbox to mfiq_worker;
