import type { DB } from '@mfiq/db';
import { sql, type Kysely } from 'kysely';
import { BackupError } from './errors.ts';

/** A tenant table as the catalog describes it, with what backup and restore need. */
export interface TenantTable {
  name: string;
  /** Stored columns in table order (generated columns are recomputed, never restored). */
  columns: string[];
  /** Columns that may be left out of an insert (they have a default or accept NULL). */
  optional: string[];
  primaryKey: string[];
  /** Tenant tables this one references by foreign key. */
  references: string[];
}

/**
 * Tables that carry tenant_id but are not the organization's data: `backups` lists the backups
 * themselves (restoring it would point at another tenant's files, and replacing it on restore
 * would lose the record of the backup being restored); `restore_drills` likewise describes
 * backups; `backup_keys` holds the key that opens them, which a backup must never carry (erasing
 * the organization destroys it, and with it every copy of every backup: docs/decisions/0121).
 */
export const EXCLUDED_TABLES = new Set(['backups', 'backup_keys', 'restore_drills']);

/** The tenant's own row: restored by update in place, so rows that reference it survive. */
export const ROOT_TABLE = 'organizations';

type AnyDb = Kysely<DB>;

/**
 * Every table of the public schema with a tenant_id column, from pg_catalog (readable by every role,
 * unlike information_schema, which hides tables a role has no grant on). Tables added by later
 * migrations are picked up without any change here. Sorted so parents come before children.
 */
export async function readTenantTables(db: AnyDb): Promise<TenantTable[]> {
  const { rows } = await sql<{
    name: string;
    columns: string[];
    optional: string[];
    pkey: string[] | null;
    references: string[];
  }>`
    select c.relname::text as name,
           array(select a.attname::text from pg_attribute a
                  where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                  order by a.attnum) as columns,
           array(select a.attname::text from pg_attribute a
                  where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                    and (not a.attnotnull or a.atthasdef or a.attidentity <> '')
                  order by a.attnum) as optional,
           (select array_agg(a.attname::text order by k.ord)
              from pg_index i cross join unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
              join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
             where i.indrelid = c.oid and i.indisprimary) as pkey,
           array(select distinct f.confrelid::regclass::text from pg_constraint f
                  where f.conrelid = c.oid and f.contype = 'f' and f.confrelid <> c.oid) as references
      from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
       and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id' and not t.attisdropped)
     order by c.relname`.execute(db);
  const tables = rows.filter((r) => !EXCLUDED_TABLES.has(r.name));
  for (const t of tables) {
    // A stable order is what makes a backup reproducible and its checksums meaningful.
    if (!t.pkey?.length) {
      throw new BackupError(
        'UNORDERED_TABLE',
        `Tenant table "${t.name}" has no primary key, so it has no stable order to back up in. Give it a primary key (tenant_id, id).`,
      );
    }
  }
  const names = new Set(tables.map((t) => t.name));
  return topoSort(
    tables.map((t) => ({
      name: t.name,
      columns: t.columns,
      optional: t.optional,
      primaryKey: t.pkey!,
      references: t.references.filter((r) => names.has(r)),
    })),
  );
}

function topoSort(tables: TenantTable[]): TenantTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: TenantTable[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: TenantTable, path: string[]) => {
    if (state.get(t.name) === 'done') return;
    if (state.get(t.name) === 'visiting')
      throw new Error(`Foreign keys between tenant tables form a cycle: ${[...path, t.name].join(' -> ')}`);
    state.set(t.name, 'visiting');
    for (const r of [...t.references].sort()) visit(byName.get(r)!, [...path, t.name]);
    state.set(t.name, 'done');
    out.push(t);
  };
  for (const t of tables) visit(t, []);
  return out;
}

/** The latest applied migration: what a backup records and what a restore compares against. */
export async function schemaVersion(db: AnyDb): Promise<number> {
  const { rows } = await sql<{ v: number | null }>`select max(version)::int as v from schema_migrations`.execute(db);
  return rows[0]?.v ?? 0;
}

/** Identifiers are interpolated only after this: catalog names are checked, then double-quoted. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unexpected identifier: ${name}`);
  return `"${name}"`;
}
