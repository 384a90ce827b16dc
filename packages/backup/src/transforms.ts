import { BackupError } from './errors.ts';
import { ROOT_TABLE, type TenantTable } from './catalog.ts';
import type { Manifest, TableEntry } from './manifest.ts';

type Row = Record<string, unknown>;

/**
 * How rows of a backup taken before migration `version` become rows of the schema after it. A
 * migration that only adds tables, or columns with a default or NULL, needs no step: the restore
 * inserts the backup's columns and the database fills in the rest. A migration that renames,
 * splits or reshapes data adds a step here in the same commit (or `refuse` when old backups cannot
 * be carried forward), so a backup is migrated forward or refused, never restored half-fitting.
 */
export interface SchemaStep {
  version: number;
  refuse?: string;
  /** Old column name -> new column name, per table (applied to the rows' keys too). */
  renameColumns?: Record<string, Record<string, string>>;
  /** Rewrites a row (parsed from its NDJSON line) of the given table. */
  rows?: Record<string, (row: Row) => Row>;
  /** Tables whose rows are dropped (the table no longer exists). */
  dropTables?: string[];
}

/** Every migration so far is additive: identity. */
export const SCHEMA_STEPS: readonly SchemaStep[] = [];

export interface PlannedTable {
  entry: TableEntry;
  target: TenantTable;
  /** Columns to insert, named as in the current schema. */
  columns: string[];
  /** Set when a step rewrites this table's rows; otherwise lines go to the database unparsed. */
  transform: ((row: Row) => Row) | null;
}

export interface RestorePlan {
  fromVersion: number;
  toVersion: number;
  tables: PlannedTable[];
  dropped: string[];
}

/** Checks that the backup fits the current schema (after the steps between the two versions). */
export function planRestore(
  manifest: Manifest,
  current: { version: number; tables: TenantTable[] },
  steps: readonly SchemaStep[] = SCHEMA_STEPS,
): RestorePlan {
  const from = manifest.schemaVersion;
  const to = current.version;
  const refuse = (why: string) => {
    throw new BackupError(
      'SCHEMA_INCOMPATIBLE',
      `Backup ${manifest.backupId} (schema version ${from}) cannot be restored into this database (schema version ${to}): ${why}`,
    );
  };
  if (from > to)
    refuse('the backup is newer than the database. Apply the migrations first (pnpm db:migrate), then restore.');
  const between = steps.filter((s) => s.version > from && s.version <= to).sort((a, b) => a.version - b.version);
  for (const s of between) if (s.refuse) refuse(`migration ${s.version}: ${s.refuse}`);

  const byName = new Map(current.tables.map((t) => [t.name, t]));
  const dropped: string[] = [];
  const tables: PlannedTable[] = [];
  for (const entry of manifest.tables) {
    if (between.some((s) => s.dropTables?.includes(entry.name))) {
      dropped.push(entry.name);
      continue;
    }
    const target = byName.get(entry.name);
    if (!target) refuse(`table ${entry.name} no longer exists and no schema step says what became of it.`);
    let columns = [...entry.columns];
    const fns: ((row: Row) => Row)[] = [];
    for (const s of between) {
      const renames = s.renameColumns?.[entry.name];
      if (renames) {
        columns = columns.map((c) => renames[c] ?? c);
        fns.push((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [renames[k] ?? k, v])));
      }
      const fn = s.rows?.[entry.name];
      if (fn) fns.push(fn);
    }
    const missing = columns.filter((c) => !target!.columns.includes(c));
    if (missing.length)
      refuse(`table ${entry.name} no longer has column(s) ${missing.join(', ')} and no schema step maps them.`);
    const required = target!.columns.filter((c) => !columns.includes(c) && !target!.optional.includes(c));
    if (required.length)
      refuse(
        `table ${entry.name} now requires column(s) ${required.join(', ')}, which the backup does not have and which have no default.`,
      );
    tables.push({
      entry,
      target: target!,
      columns,
      transform: fns.length ? (row) => fns.reduce((r, f) => f(r), row) : null,
    });
  }
  if (!tables.some((t) => t.entry.name === ROOT_TABLE && t.entry.rows === 1))
    refuse(`the backup has no ${ROOT_TABLE} row.`);
  return { fromVersion: from, toVersion: to, tables, dropped };
}
