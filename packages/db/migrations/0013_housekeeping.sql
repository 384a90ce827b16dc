-- Housekeeping: the nightly job drops idempotency records past their retry window and expires
-- uploads that were never started (their bytes go, the row stays as a failed import with the
-- reason). See docs/decisions/0073-housekeeping.md.

create index api_idempotency_keys_created_idx on api_idempotency_keys (tenant_id, created_at);
create index imports_unstarted_idx on imports (created_at) where status = 'uploaded';

-- Which organizations have something to clean, so the job enters only those (one tenant
-- transaction each, under RLS). The owner (the definer) reads across tenants through these
-- select-only policies, as the audit drain does on the outbox; the worker gets tenant ids only.
create policy housekeeping_directory on api_idempotency_keys for select to current_user using (true);
create policy housekeeping_directory on imports for select to current_user using (true);
create function app_housekeeping_tenants(p_idempotency_before timestamptz, p_uploads_before timestamptz)
  returns table (tenant_id uuid)
  language sql stable security definer set search_path = public, pg_temp
  as $$
    select k.tenant_id from api_idempotency_keys k where k.created_at < p_idempotency_before
    union
    select i.tenant_id from imports i where i.status = 'uploaded' and i.created_at < p_uploads_before
  $$;
revoke all on function app_housekeeping_tenants(timestamptz, timestamptz) from public;
grant execute on function app_housekeeping_tenants(timestamptz, timestamptz) to mfiq_worker;

-- The worker already reads every tenant table (0006) and may end an import and drop its chunks
-- (0009); deleting expired idempotency records is new.
grant delete on api_idempotency_keys to mfiq_worker;
