import { randomUUID } from 'node:crypto';
import { sql, withNewTenant, withTenant, type Database, type TenantDb } from '@mfiq/db';
import { EXCLUDED_TABLES, ident, readTenantTables, ROOT_TABLE, schemaVersion } from './catalog.ts';
import { BackupError } from './errors.ts';
import type { Keyring } from './keyring.ts';
import type { Manifest } from './manifest.ts';
import { openBackup, readBackupData } from './reader.ts';
import type { BackupStorage } from './storage.ts';
import { restoresRows, ruleFor } from './rules.ts';
import { planRestore, SCHEMA_STEPS, type PlannedTable, type RestorePlan, type SchemaStep } from './transforms.ts';

export type RestoreTarget = { kind: 'same' } | { kind: 'new'; slug: string; name?: string };

export interface RestoreOptions {
  /** The owner role's pool: the restore runs inside withTenant, so RLS still applies to it. */
  db: Database;
  storage: BackupStorage;
  keyring: Keyring;
  ref: { tenantId: string; backupId: string };
  target: RestoreTarget;
  /** Check everything (keys, manifest, every frame and checksum, schema fit) and write nothing. */
  verifyOnly?: boolean;
  steps?: readonly SchemaStep[];
}

export interface RestoreResult {
  manifest: Manifest;
  plan: RestorePlan;
  /** The organization restored into (a new id for a new organization). */
  tenantId: string;
  rows: Record<string, number>;
  restored: boolean;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/**
 * Restores a backup into the same organization (its data replaced) or into a new one (new tenant
 * id and slug; row ids stay, as every key includes tenant_id). The whole backup is read and checked
 * first; then everything is written in one transaction, so a failure at any point restores nothing.
 */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const { target } = opts;
  if (target.kind === 'new' && !SLUG.test(target.slug))
    throw new BackupError(
      'CONFLICT',
      `"${target.slug}" is not a valid organization slug (lowercase letters, digits and dashes).`,
    );
  const opened = await openBackup(opts.storage, { keyring: opts.keyring, db: opts.db }, opts.ref);
  const { manifest } = opened;
  await readBackupData(opts.storage, opened, async () => {});
  const current = { version: await schemaVersion(opts.db), tables: await readTenantTables(opts.db) };
  const plan = planRestore(manifest, current, opts.steps ?? SCHEMA_STEPS);
  const tenantId = target.kind === 'same' ? manifest.tenantId : randomUUID();
  if (target.kind === 'new') await assertNoGlobalUniques(opts.db);
  const rows: Record<string, number> = {};
  if (opts.verifyOnly) return { manifest, plan, tenantId, rows, restored: false };

  // Into the same organization: an operator's restore goes on under a lock (incident response).
  const enter = <T>(fn: (trx: TenantDb) => Promise<T>) =>
    target.kind === 'same'
      ? withTenant(opts.db, { tenantId, evenIfLocked: true }, fn)
      : withNewTenant(opts.db, { tenantId }, fn);
  await enter(async (trx) => {
    if (target.kind === 'same') {
      for (const t of [...current.tables].reverse()) {
        if (t.name === ROOT_TABLE || ruleFor(t.name).inPlace === 'keep') continue;
        await sql`delete from ${sql.raw(ident(t.name))} where tenant_id = ${tenantId}`.execute(trx);
      }
    } else {
      const taken = await sql<{
        taken: boolean;
      }>`select exists (select 1 from organizations where slug = ${target.slug}) as taken`.execute(opts.db);
      if (taken.rows[0]?.taken)
        throw new BackupError(
          'CONFLICT',
          `The slug "${target.slug}" is taken; choose another for the new organization.`,
        );
    }
    const planned = new Map(plan.tables.map((p) => [p.entry.name, p]));
    await readBackupData(opts.storage, opened, async (entry, lines) => {
      const p = planned.get(entry.name);
      if (!p) return; // dropped by a schema step
      if (!restoresRows(entry.name, target.kind)) return;
      await insertBatch(trx, p, lines, tenantId, target);
      rows[entry.name] = (rows[entry.name] ?? 0) + lines.length;
    });
    await sql`insert into audit_outbox (tenant_id, action, actor_type, target_type, target_id, after)
      values (${tenantId}, 'backup.restored', 'system', 'backup', ${manifest.backupId},
              ${JSON.stringify({ sourceTenantId: manifest.tenantId, mode: target.kind, schemaVersion: manifest.schemaVersion, createdAt: manifest.createdAt })}::jsonb)`.execute(
      trx,
    );
  }).catch((error: unknown) => {
    if ((error as { code?: string }).code === '23505' && target.kind === 'new') {
      throw new BackupError(
        'CONFLICT',
        `The slug "${target.slug}" is taken; choose another for the new organization.`,
        { cause: error },
      );
    }
    throw error;
  });
  return { manifest, plan, tenantId, rows, restored: true };
}

async function insertBatch(
  trx: TenantDb,
  p: PlannedTable,
  lines: string[],
  tenantId: string,
  target: RestoreTarget,
): Promise<void> {
  const json = p.transform
    ? `[${lines.map((l) => JSON.stringify(p.transform!(JSON.parse(l) as Record<string, unknown>))).join(',')}]`
    : `[${lines.join(',')}]`;
  const overrides: Record<string, unknown> = {};
  if (p.entry.name === ROOT_TABLE && target.kind === 'new') {
    overrides.slug = target.slug;
    if (target.name) overrides.name = target.name;
  }
  const table = sql.raw(ident(p.target.name));
  const exprs = p.columns.map((c) =>
    c === 'tenant_id' ? sql`${tenantId}::uuid` : c in overrides ? sql`${overrides[c]}` : sql.raw(`r.${ident(c)}`),
  );
  const upsert =
    p.entry.name === ROOT_TABLE && target.kind === 'same'
      ? sql.raw(
          ` on conflict (${p.target.primaryKey.map(ident).join(', ')}) do update set ${p.columns
            .filter((c) => !p.target.primaryKey.includes(c))
            .map((c) => `${ident(c)} = excluded.${ident(c)}`)
            .join(', ')}`,
        )
      : sql.raw('');
  await sql`insert into ${table} (${sql.raw(p.columns.map(ident).join(', '))}) overriding system value
    select ${sql.join(exprs)} from jsonb_populate_recordset(null::${table}, ${json}::jsonb) r${upsert}`.execute(trx);
}

/**
 * A unique index on a tenant table that does not include tenant_id is global: a copy of the
 * organization would collide with the original on it. organizations.slug is the one we remap.
 */
async function assertNoGlobalUniques(db: Database): Promise<void> {
  const { rows } = await sql<{ index: string; table: string; cols: string[] }>`
    select i.indexrelid::regclass::text as index, c.relname::text as table,
           array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum = any(i.indkey)) as cols
      from pg_index i join pg_class c on c.oid = i.indrelid
     where c.relnamespace = 'public'::regnamespace and i.indisunique
       and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
       and not exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnum = any(i.indkey))`.execute(
    db,
  );
  const relevant = rows.filter(
    (r) =>
      !EXCLUDED_TABLES.has(r.table) &&
      restoresRows(r.table, 'new') &&
      !(r.table === ROOT_TABLE && r.cols.join() === 'slug'),
  );
  if (relevant.length) {
    throw new BackupError(
      'SCHEMA_INCOMPATIBLE',
      `Restoring into a new organization would collide on unique index(es) without tenant_id: ${relevant.map((r) => `${r.table}.${r.index}`).join(', ')}. Add a remap for them in packages/backup/src/restore.ts.`,
    );
  }
}
