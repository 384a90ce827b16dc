-- Account hardening (issue 11, findings 15, 17-20). See docs/decisions/0095-0097.

-- Recovery codes: HMAC-SHA256 under a sub-key of the application key instead of bare SHA-256, so
-- a leaked table cannot be brute-forced offline. The keyed value is HMAC(sub-key, old digest), so
-- the web converts existing rows without their plain codes (at start-up); `keyed` tells them apart
-- until then. New rows are written keyed by the application, never by this default.
alter table recovery_codes add column keyed boolean not null default false;
grant update (code_hash, keyed) on recovery_codes to mfiq_app;

-- Sign-up: the password is chosen on the confirmation page, by whoever holds the mailbox, never
-- stored with the request (account pre-hijacking). A pending request is withdrawn by a newer one
-- for the same address, so only the newest link works.
alter table signup_requests drop column password_hash;
create index signup_requests_pending_email_idx on signup_requests (lower(email)) where used_at is null;

-- Global: networks a user has signed in from (IPv4 address or IPv6 /64, as a SHA-256 hash). The
-- account-wide sign-in throttle spares them, so an attacker cannot lock the owner out of the
-- places they use. Rows older than 90 days no longer count and are pruned at the next sign-in.
create table sign_in_sources (
  user_id uuid not null references users (id) on delete cascade,
  network_hash text not null check (network_hash ~ '^[0-9a-f]{64}$'),
  last_success_at timestamptz not null default now(),
  primary key (user_id, network_hash)
);
grant select, insert, delete on sign_in_sources to mfiq_app;
grant update (last_success_at) on sign_in_sources to mfiq_app;

-- Invitations are rate limited per organization and per inviter by counting the tenant's own
-- recent rows (in the inviting transaction, under RLS); these keep the counts index-only.
create index invitations_created_idx on invitations (tenant_id, created_at);
create index invitations_inviter_created_idx on invitations (tenant_id, invited_by, created_at);
