import { randomUUID } from 'node:crypto';
import { sql, withNewTenant, withTenant, writeTenantAudit, type Database, type TenantDb } from '@mfiq/db';
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
  /** In place: what stayed as it is now although the backup differs (rules.ts); null for a copy. */
  kept: KeptDifferences | null;
}

/**
 * An in-place restore keeps the current members, roles, lock and security policy (rules.ts); these
 * are the differences from the backup it kept, reported to the operator and in the audit event.
 */
export interface KeptDifferences {
  /** Members in the backup who are not members now: they stay out. */
  membersRemovedSinceBackup: string[];
  /** Members now who were not in the backup: they stay. */
  membersAddedSinceBackup: string[];
  /** Members whose role changed since the backup: the current role stays. */
  rolesChangedSinceBackup: { userId: string; backup: string; current: string }[];
  /** Organization settings kept at their current value, with the backup's value beside it. */
  settings: Record<string, { backup: unknown; current: unknown }>;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/**
 * Restores a backup into the same organization (its data replaced) or into a new one (new tenant
 * id and slug; row ids stay, as every key includes tenant_id). The whole backup is read and checked
 * first; then everything is written in one transaction, so a failure at any point restores nothing.
 * In place, access and security stay as they are now (members, roles, lock, two-factor and session
 * policy: rules.ts); the differences from the backup are returned and recorded in the audit event.
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
  if (opts.verifyOnly) return { manifest, plan, tenantId, rows, restored: false, kept: null };
  const keptRefs = target.kind === 'same' ? await keptReferences(opts.db) : [];
  let kept: KeptDifferences | null = null;

  // Into the same organization: an operator's restore goes on under a lock (incident response).
  const enter = <T>(fn: (trx: TenantDb) => Promise<T>) =>
    target.kind === 'same'
      ? withTenant(opts.db, { tenantId, evenIfLocked: true }, fn)
      : withNewTenant(opts.db, { tenantId }, fn);
  await enter(async (trx) => {
    const now = target.kind === 'same' ? await keptState(trx, tenantId) : null;
    const fromBackup: KeptState = { members: new Map(), organization: {} };
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
      if (now) collectKeptState(fromBackup, entry.name, lines);
      if (!restoresRows(entry.name, target.kind)) return;
      await insertBatch(trx, p, lines, tenantId, target, keptRefs);
      rows[entry.name] = (rows[entry.name] ?? 0) + lines.length;
    });
    if (now) kept = keptDifferences(fromBackup, now);
    const after = {
      sourceTenantId: manifest.tenantId,
      mode: target.kind,
      schemaVersion: manifest.schemaVersion,
      createdAt: manifest.createdAt,
      ...(kept ? { kept } : {}),
    };
    await writeTenantAudit(
      trx,
      tenantId,
      { type: 'system' },
      {},
      { action: 'backup.restored', target: { type: 'backup', id: manifest.backupId }, after },
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
  return { manifest, plan, tenantId, rows, restored: true, kept };
}

async function insertBatch(
  trx: TenantDb,
  p: PlannedTable,
  lines: string[],
  tenantId: string,
  target: RestoreTarget,
  keptRefs: KeptReference[],
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
  // A reference to a row of a kept table (a member removed since the backup) is settled the way
  // deleting that row settled it: ON DELETE SET NULL clears the column, ON DELETE CASCADE drops
  // the row. Any other rule is left to the foreign key, which then refuses the restore.
  const refs = keptRefs.filter((k) => k.table === p.target.name);
  const found = (k: KeptReference) =>
    sql`(${sql.join(
      k.columns.filter((c) => c !== 'tenant_id').map((c) => sql.raw(`r.${ident(c)} is null`)),
      sql` or `,
    )} or exists (select 1 from ${sql.raw(ident(k.refTable))} k where ${sql.join(
      k.columns.map((c, i) =>
        c === 'tenant_id'
          ? sql`${sql.raw(`k.${ident(k.refColumns[i]!)}`)} = ${tenantId}::uuid`
          : sql.raw(`k.${ident(k.refColumns[i]!)} = r.${ident(c)}`),
      ),
      sql` and `,
    )}))`;
  const copyAs = target.kind === 'new' ? (ruleFor(p.entry.name).copyAs ?? {}) : {};
  const exprs = p.columns.map((c) => {
    if (c === 'tenant_id') return sql`${tenantId}::uuid`;
    if (c in overrides) return sql`${overrides[c]}`;
    // Expressions from rules.ts, a constant of this codebase: never built from the backup's content.
    if (c in copyAs) return sql.raw(copyAs[c]!);
    const cleared = refs.find((k) => k.onDelete === 'n' && k.setNull.includes(c));
    return cleared ? sql`case when ${found(cleared)} then r.${sql.raw(ident(c))} end` : sql.raw(`r.${ident(c)}`);
  });
  const dropped = refs.filter((k) => k.onDelete === 'c');
  const where = dropped.length ? sql` where ${sql.join(dropped.map(found), sql` and `)}` : sql``;
  const keep = new Set([...p.target.primaryKey, ...(ruleFor(p.entry.name).keepColumns ?? [])]);
  const upsert =
    p.entry.name === ROOT_TABLE && target.kind === 'same'
      ? sql.raw(
          ` on conflict (${p.target.primaryKey.map(ident).join(', ')}) do update set ${p.columns
            .filter((c) => !keep.has(c))
            .map((c) => `${ident(c)} = excluded.${ident(c)}`)
            .join(', ')}`,
        )
      : sql.raw('');
  await sql`insert into ${table} (${sql.raw(p.columns.map(ident).join(', '))}) overriding system value
    select ${sql.join(exprs)} from jsonb_populate_recordset(null::${table}, ${json}::jsonb) r${where}${upsert}`.execute(
    trx,
  );
}

/** A foreign key from a restored table to a table an in-place restore keeps (rules.ts). */
interface KeptReference {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  /** pg_constraint.confdeltype: 'n' set null, 'c' cascade, others refuse. */
  onDelete: string;
  /** The columns ON DELETE SET NULL clears (all of them unless the key names a list). */
  setNull: string[];
}

async function keptReferences(db: Database): Promise<KeptReference[]> {
  const { rows } = await sql<KeptReference>`
    select c.conrelid::regclass::text as "table", c.confrelid::regclass::text as "refTable",
           c.confdeltype::text as "onDelete",
           array(select a.attname::text from unnest(c.conkey) with ordinality k(n, o)
                   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.o) as columns,
           array(select a.attname::text from unnest(c.confkey) with ordinality k(n, o)
                   join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.o) as "refColumns",
           array(select a.attname::text from unnest(coalesce(c.confdelsetcols, c.conkey)) k(n)
                   join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as "setNull"
      from pg_constraint c
     where c.contype = 'f' and c.connamespace = 'public'::regnamespace`.execute(db);
  return rows.filter(
    (r) => r.refTable !== ROOT_TABLE && ruleFor(r.refTable).inPlace === 'keep' && restoresRows(r.table, 'same'),
  );
}

/** Members (user id -> role) and the organization's kept settings, as now or as in the backup. */
interface KeptState {
  members: Map<string, string>;
  organization: Record<string, unknown>;
}

async function keptState(trx: TenantDb, tenantId: string): Promise<KeptState> {
  const members = await sql<{ userId: string; role: string }>`
    select user_id as "userId", role::text as role from memberships where tenant_id = ${tenantId}`.execute(trx);
  // As text: the backup's rows are snake_case JSON, and the query builder would rename jsonb keys.
  const org = await sql<{ row: string }>`
    select to_jsonb(o)::text as row from organizations o where tenant_id = ${tenantId}`.execute(trx);
  return {
    members: new Map(members.rows.map((m) => [m.userId, m.role])),
    organization: org.rows[0] ? (JSON.parse(org.rows[0].row) as Record<string, unknown>) : {},
  };
}

function collectKeptState(state: KeptState, table: string, lines: string[]): void {
  if (table === 'memberships') {
    for (const line of lines) {
      const m = JSON.parse(line) as { user_id: string; role: string };
      state.members.set(m.user_id, m.role);
    }
  } else if (table === ROOT_TABLE && lines[0]) {
    state.organization = JSON.parse(lines[0]) as Record<string, unknown>;
  }
}

function keptDifferences(backup: KeptState, now: KeptState): KeptDifferences {
  const settings: KeptDifferences['settings'] = {};
  for (const c of ruleFor(ROOT_TABLE).keepColumns ?? []) {
    const [was, is] = [backup.organization[c] ?? null, now.organization[c] ?? null];
    if (JSON.stringify(was) !== JSON.stringify(is)) settings[c] = { backup: was, current: is };
  }
  return {
    membersRemovedSinceBackup: [...backup.members.keys()].filter((u) => !now.members.has(u)),
    membersAddedSinceBackup: [...now.members.keys()].filter((u) => !backup.members.has(u)),
    rolesChangedSinceBackup: [...now.members]
      .filter(([u, role]) => backup.members.has(u) && backup.members.get(u) !== role)
      .map(([userId, current]) => ({ userId, backup: backup.members.get(userId)!, current })),
    settings,
  };
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
