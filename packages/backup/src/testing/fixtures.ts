import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type Database, withNewTenant } from '@mfiq/db';
import type { TestDatabase } from '@mfiq/db/testing';
import pg from 'pg';
import { FsStorage } from '../storage.ts';

export async function tempStorage(): Promise<{ storage: FsStorage; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-backups-'));
  return { storage: new FsStorage(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface SeededOrg {
  tenantId: string;
  slug: string;
  userIds: string[];
}

/**
 * An organization with every kind of data the schema has, with awkward values on purpose: quotes,
 * newlines and non-ASCII text (NDJSON escaping), nested JSON, NULLs, microsecond timestamps.
 * Inserted through the owner role in the tenant, as any fixture here. A new tenant table needs
 * rows here too: the round-trip test fails on an empty table.
 */
export async function seedOrganization(
  owner: Database,
  label: string,
  opts: { audits?: number } = {},
): Promise<SeededOrg> {
  const tenantId = randomUUID();
  const slug = `${label}-${tenantId.slice(0, 6)}`;
  const userIds: string[] = [];
  for (const role of ['owner', 'admin', 'editor', 'viewer'] as const) {
    const id = randomUUID();
    await owner
      .insertInto('users')
      .values({
        id,
        email: `${role}-${id.slice(0, 8)}@example.test`,
        displayName: `${role} ${label}`,
        passwordHash: 'x',
      })
      .execute();
    userIds.push(id);
  }
  await withNewTenant(owner, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({
        tenantId,
        slug,
        name: `Org "${label}" — Zürich ☃`,
        timezone: 'Europe/Zurich',
        weekStart: 0,
        createdAt: sql<Date>`'2024-02-29 12:34:56.789012+00'`,
      })
      .execute();
    const roles = ['owner', 'admin', 'editor', 'viewer'] as const;
    for (let i = 0; i < roles.length; i++) {
      await trx.insertInto('memberships').values({ tenantId, userId: userIds[i]!, role: roles[i]! }).execute();
    }
    await trx
      .insertInto('auditOutbox')
      .values({
        tenantId,
        action: 'organization.updated',
        actorType: 'user',
        actorId: userIds[0]!,
        actorDisplay: 'line one\nline "two"\ttab \\ backslash',
        targetType: 'organization',
        targetId: tenantId,
        targetDisplay: '日本語 😀',
        before: { name: 'Old', nested: { list: [1, 2.5, null, 'x'], big: 1234567890123456, flag: true } },
        after: { name: 'New' },
        ip: '2001:db8::1',
        userAgent: 'Mozilla/5.0',
        requestId: 'req-1',
      })
      .execute();
    await trx
      .insertInto('auditOutbox')
      .values({ tenantId, action: 'member.added', actorType: 'system', outcome: 'failure' })
      .execute();
    // Metrics, points (their daily rollups follow by trigger), targets, API keys, idempotency records.
    const metricId = randomUUID();
    const membership = await trx
      .selectFrom('memberships')
      .select('id')
      .where('userId', '=', userIds[2]!)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('metrics')
      .values({
        tenantId,
        id: metricId,
        key: 'revenue',
        name: 'Revenue, "net"',
        unit: 'currency',
        currency: 'EUR',
        tags: ['sales', 'ünïcode'],
        ownerMembershipId: membership.id,
      })
      .execute();
    await trx
      .insertInto('metrics')
      .values({ tenantId, key: 'margin', name: 'Margin', unit: 'percent', formula: 'revenue / 2', aggregation: 'avg' })
      .execute();
    await sql`insert into data_points (tenant_id, metric_id, ts, value)
      select ${tenantId}, ${metricId}, timestamptz '2024-01-01 00:00:00.123456+00' + (g || ' hours')::interval, g * 1.25
        from generate_series(1, 60) g`.execute(trx);
    await trx
      .insertInto('metricTargets')
      .values({ tenantId, metricId, kind: 'recurring', grain: 'month', value: 1000.5 })
      .execute();
    await trx
      .insertInto('metricTargets')
      .values({
        tenantId,
        metricId,
        kind: 'fixed',
        value: 12,
        startsOn: sql<Date>`'2024-01-01'`,
        endsOn: sql<Date>`'2024-03-31'`,
      })
      .execute();
    await sql`insert into api_keys (tenant_id, name, prefix, token_hash, scopes) values (${tenantId}, 'CI', 'mfiq_ci', encode(sha256(${tenantId}::text::bytea), 'hex'), '{data:write}')`.execute(
      trx,
    );
    await sql`insert into invitations (tenant_id, email, role, token_hash, expires_at) values (${tenantId}, 'invitee@example.com', 'viewer', encode(sha256(('invite:' || ${tenantId}::text)::bytea), 'hex'), now() + interval '7 days')`.execute(
      trx,
    );
    await trx
      .insertInto('apiIdempotencyKeys')
      .values({ tenantId, idempotencyKey: 'batch-1', requestHash: 'h', response: { ok: true, written: 2 } })
      .execute();
    // A default dashboard with one tile of the revenue metric.
    const dashboardId = randomUUID();
    await trx
      .insertInto('dashboards')
      .values({ tenantId, id: dashboardId, name: 'Overview "main"', isDefault: true })
      .execute();
    const tileId = randomUUID();
    await trx
      .insertInto('dashboardTiles')
      .values({
        tenantId,
        id: tileId,
        dashboardId,
        metricId,
        kind: 'line',
        title: 'Revenue',
        position: 0,
        range: '12m',
      })
      .execute();
    await trx.insertInto('dashboardTileMetrics').values({ tenantId, tileId, metricId, position: 1 }).execute();
    await sql`insert into annotations (tenant_id, metric_id, dashboard_id, on_date, body) values
      (${tenantId}, ${metricId}, null, '2024-01-15', 'Pricing "change"'), (${tenantId}, null, ${dashboardId}, '2024-02-01', 'Launch ü')`.execute(
      trx,
    );
    // A share link of the dashboard (a credential, kept in place and never copied).
    await sql`insert into dashboard_share_links (tenant_id, dashboard_id, label, token_hash, prefix) values (${tenantId}, ${dashboardId}, 'Office TV', encode(sha256(('share:' || ${tenantId}::text)::bytea), 'hex'), 'd_abcd')`.execute(
      trx,
    );
    // A public data form with one field on the revenue metric, and its link (a credential).
    const formId = randomUUID();
    await trx
      .insertInto('dataForms')
      .values({
        tenantId,
        id: formId,
        name: 'Weekly "numbers"',
        description: 'Fill in on Fridays ü',
        submissionCount: 3,
        pausedAt: new Date('2024-02-01T00:00:00Z'),
      })
      .execute();
    await trx
      .insertInto('dataFormFields')
      .values({ tenantId, formId, metricId, label: 'Revenue', help: 'Net, in EUR', position: 0 })
      .execute();
    await sql`insert into data_form_links (tenant_id, form_id, token_hash, token_sealed, prefix) values (${tenantId}, ${formId}, encode(sha256(('form:' || ${tenantId}::text)::bytea), 'hex'), 'v1.sealed.token.fixture', 'f_abcd')`.execute(
      trx,
    );
    // The audit trail as the drain leaves it (rows written here directly: fixtures, not the drain).
    await sql`insert into audit_log (tenant_id, id, sequence, occurred_at, recorded_at, action, outcome, actor_type, prev_hash, hash)
      values (${tenantId}, gen_random_uuid(), 1, now() - interval '400 days', now(), 'organization.created', 'success', 'system', sha256('p'), sha256('h'))`.execute(
      trx,
    );
    await sql`insert into audit_chain_heads (tenant_id, last_sequence, last_hash) values (${tenantId}, 1, sha256('h'))`.execute(
      trx,
    );
    await sql`insert into audit_checkpoints (tenant_id, sequence, hash, purged_rows, key_id, signature) values (${tenantId}, 1, sha256('h'), 0, 'k', sha256('signature'))`.execute(
      trx,
    );
    // A finished CSV import, its uploaded bytes (bytea) and a rejected row.
    const importId = randomUUID();
    await sql`insert into imports (tenant_id, id, file_name, size_bytes, sha256, header, delimiter, mapping, status, rows_processed, rows_failed)
      values (${tenantId}, ${importId}, 'points ü.csv', 42, repeat('ab', 32), '{metric,ts,value}', ';', '{"valueColumn": "value"}', 'completed', 2, 1)`.execute(
      trx,
    );
    await sql`insert into import_chunks (tenant_id, import_id, seq, data) values (${tenantId}, ${importId}, 0, decode('6d65747269633b74730a00ff', 'hex'))`.execute(
      trx,
    );
    await sql`insert into import_errors (tenant_id, import_id, line, message) values (${tenantId}, ${importId}, 3, 'Value "x" is not a number')`.execute(
      trx,
    );
    // Alerts: a webhook channel (sealed URL and secret), a rule notifying a member and the channel, an
    // event with its deliveries and inbox item, a member's mute, follow, settings and a sent digest.
    const channelId = randomUUID();
    await trx
      .insertInto('alertChannels')
      .values({
        tenantId,
        id: channelId,
        name: 'Ops "hook" ü',
        urlSealed: 'v1.sealed.url.fixture',
        urlDisplay: 'https://hooks.example.com/…',
        format: 'slack',
        secretSealed: 'v1.sealed.secret.fixture',
        secretPrefix: 'whsec_ab',
      })
      .execute();
    const ruleId = randomUUID();
    await trx
      .insertInto('alertRules')
      .values({
        tenantId,
        id: ruleId,
        name: 'Revenue "drop"',
        metricId,
        kind: 'change',
        grain: 'week',
        condition: { direction: 'down', by: 12.5, unit: 'percent', compareTo: 'previous' },
        quietStartMinute: 1320,
        quietEndMinute: 420,
        cooldownMinutes: 60,
      })
      .execute();
    await trx
      .insertInto('alertRuleRecipients')
      .values([
        { tenantId, ruleId, membershipId: membership.id },
        { tenantId, ruleId, channelId },
      ])
      .execute();
    const eventId = randomUUID();
    await trx
      .insertInto('alertEvents')
      .values({
        tenantId,
        id: eventId,
        ruleId,
        occurrence: 'week:2024-01-01',
        grain: 'week',
        periodStart: sql<Date>`'2024-01-01'`,
        periodEnd: sql<Date>`'2024-01-07'`,
        value: 87.5,
        baseline: 100,
        explanation: { summary: 'Revenue was 87.5 "€"\nline two', value: 87.5, comparedWith: null },
        notified: true,
        state: 'acknowledged',
        acknowledgedAt: new Date('2024-01-08T09:00:00.123456Z'),
        acknowledgedBy: userIds[2]!,
      })
      .execute();
    await trx
      .insertInto('alertDeliveries')
      .values({
        tenantId,
        eventId,
        channel: 'webhook',
        channelId,
        status: 'failed',
        attempts: 8,
        responseCode: 503,
        detail: 'Service Unavailable',
      })
      .execute();
    // The inbox item is the member's in-app delivery; their mail was off (ADR 0115).
    await trx
      .insertInto('notifications')
      .values({ tenantId, membershipId: membership.id, eventId, emailOff: true })
      .execute();
    await trx
      .insertInto('alertMutes')
      .values({ tenantId, ruleId, membershipId: membership.id, until: new Date('2024-02-01T00:00:00Z') })
      .execute();
    await trx.insertInto('metricFollows').values({ tenantId, membershipId: membership.id, metricId }).execute();
    await trx
      .insertInto('notificationPreferences')
      .values({ tenantId, membershipId: membership.id, emailAlerts: false, digest: 'weekly' })
      .execute();
    await trx
      .insertInto('alertDigests')
      .values({
        tenantId,
        membershipId: membership.id,
        frequency: 'weekly',
        periodStart: sql<Date>`'2024-01-01'`,
        periodEnd: sql<Date>`'2024-01-07'`,
      })
      .execute();
    // A former address of the organization (its redirect lasts 30 days).
    await sql`insert into organization_slug_redirects (tenant_id, old_slug, changed_by, expires_at)
      values (${tenantId}, ${`old-${slug}`}, ${userIds[0]!}, now() + interval '30 days')`.execute(trx);
    const n = opts.audits ?? 0;
    if (n) {
      await sql`insert into audit_outbox (tenant_id, action, actor_type, target_type, target_id, after)
        select ${tenantId}, 'metric.updated', 'user', 'metric', g::text, jsonb_build_object('value', g, 'note', repeat('x', 40))
          from generate_series(1, ${n}::int) g`.execute(trx);
    }
  });
  return { tenantId, slug, userIds };
}

/** Every row of a tenant, per tenant table, as JSON text in primary-key order (read as superuser). */
export async function dumpTenant(
  tdb: TestDatabase,
  tenantId: string,
  tables: { name: string; primaryKey: string[] }[],
): Promise<Record<string, Record<string, unknown>[]>> {
  const c = new pg.Client({ connectionString: tdb.urls.admin });
  await c.connect();
  try {
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const t of tables) {
      const { rows } = await c.query<{ row: Record<string, unknown> }>(
        `select to_jsonb(t) as row from "${t.name}" t where tenant_id = $1 order by ${t.primaryKey.map((k) => `t."${k}"`).join(', ')}`,
        [tenantId],
      );
      out[t.name] = rows.map((r) => r.row);
    }
    return out;
  } finally {
    await c.end();
  }
}

/** A fingerprint of every table in the database (superuser): "changed nothing" is equality. */
export async function fingerprint(tdb: TestDatabase): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: tdb.urls.admin });
  await c.connect();
  try {
    const tables = (
      await c.query<{ t: string }>(`select tablename as t from pg_tables where schemaname = 'public' order by 1`)
    ).rows.map((r) => r.t);
    const out: Record<string, string> = {};
    for (const t of tables) {
      const r = await c.query<{ n: number; h: string | null }>(
        `select count(*)::int as n, md5(string_agg(x::text, ',' order by x::text)) as h from "${t}" x`,
      );
      out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? ''}`;
    }
    return out;
  } finally {
    await c.end();
  }
}
