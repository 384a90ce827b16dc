import { createHash, randomBytes } from 'node:crypto';
import { sql, type Database } from '@mfiq/db';
import { ident, readTenantTables, schemaVersion } from './catalog.ts';
import type { Keyring } from './keyring.ts';
import { openBackup, readBackupData } from './reader.ts';
import type { BackupStorage } from './storage.ts';
import { planRestore, SCHEMA_STEPS, type PlannedTable } from './transforms.ts';

export interface DrillMismatch {
  table: string;
  expectedRows: number;
  restoredRows: number;
  /** False when the restored rows' checksum differs from the one the backup recorded at the source. */
  checksumMatches: boolean;
}

export interface DrillResult {
  backupId: string;
  takenAt: string;
  tables: number;
  rows: number;
  /** Empty when every table came back with the source's row count and checksum. */
  mismatches: DrillMismatch[];
}

/**
 * A restore drill: the backup is read and checked exactly as a restore reads it (organization key,
 * manifest MAC, every frame), planned against the current schema, and inserted through the
 * database into scratch tables shaped like the live ones (schema restore_drill). Then each
 * table's rows are read back in primary-key order, serialized as the backup serialized the source,
 * and counted and hashed: both must equal what the backup recorded from the source. Everything
 * happens in one transaction that is rolled back, so a drill leaves nothing behind and touches no
 * organization's data. Broken keys, frames or checksums throw (BackupError); a restore that does
 * not reproduce the source comes back as mismatches. Runs as the worker role.
 */
export async function drillBackup(opts: {
  db: Database;
  storage: BackupStorage;
  keyring: Keyring;
  ref: { tenantId: string; backupId: string };
}): Promise<DrillResult> {
  const opened = await openBackup(opts.storage, { keyring: opts.keyring, db: opts.db }, opts.ref);
  const { manifest } = opened;
  const plan = planRestore(
    manifest,
    { version: await schemaVersion(opts.db), tables: await readTenantTables(opts.db) },
    SCHEMA_STEPS,
  );
  const planned = new Map(plan.tables.map((p) => [p.entry.name, p]));
  const prefix = `d${randomBytes(4).toString('hex')}`;
  const scratch = new Map(plan.tables.map((p, i) => [p.entry.name, `restore_drill.${ident(`${prefix}_${i}`)}`]));
  return opts.db.connection().execute(async (conn) => {
    await sql`begin`.execute(conn);
    try {
      // A drill may read a whole organization back: its statements are not request-sized.
      await sql`set local statement_timeout = '15min'`.execute(conn);
      for (const p of plan.tables) {
        await sql`create table ${sql.raw(scratch.get(p.entry.name)!)} (like ${sql.raw(`public.${ident(p.target.name)}`)} including defaults including generated)`.execute(
          conn,
        );
      }
      await readBackupData(opts.storage, opened, async (entry, lines) => {
        const p = planned.get(entry.name);
        if (!p) return; // dropped by a schema step
        const table = sql.raw(scratch.get(entry.name)!);
        const cols = sql.raw(p.columns.map(ident).join(', '));
        const json = p.transform
          ? `[${lines.map((l) => JSON.stringify(p.transform!(JSON.parse(l) as Record<string, unknown>))).join(',')}]`
          : `[${lines.join(',')}]`;
        await sql`insert into ${table} (${cols}) overriding system value
          select ${cols} from jsonb_populate_recordset(null::${table}, ${json}::jsonb) r`.execute(conn);
      });
      const mismatches: DrillMismatch[] = [];
      let rows = 0;
      for (const p of plan.tables) {
        const got = await readBack(conn, scratch.get(p.entry.name)!, p);
        rows += got.rows;
        // Rows a schema step rewrote cannot hash like the source did: their count is what is checked.
        const checksumMatches = p.transform ? true : got.sha256 === p.entry.sha256;
        if (got.rows !== p.entry.rows || !checksumMatches)
          mismatches.push({ table: p.entry.name, expectedRows: p.entry.rows, restoredRows: got.rows, checksumMatches });
      }
      return {
        backupId: manifest.backupId,
        takenAt: manifest.createdAt,
        tables: plan.tables.length,
        rows,
        mismatches,
      };
    } finally {
      await sql`rollback`.execute(conn).catch(() => {});
    }
  });
}

/** The scratch table's rows, serialized exactly as the backup serialized the source's (row_to_json of the backup's columns). */
async function readBack(conn: Database, table: string, p: PlannedTable): Promise<{ rows: number; sha256: string }> {
  const cols = p.columns.map((c) => `t.${ident(c)}`).join(', ');
  const order = p.target.primaryKey.map((c) => `t.${ident(c)}`).join(', ');
  const query = sql<{ line: string }>`select row_to_json(r)::text as line
    from (select ${sql.raw(cols)} from ${sql.raw(table)} t order by ${sql.raw(order)}) r`.compile(conn);
  const hash = createHash('sha256');
  let rows = 0;
  for await (const chunk of conn.getExecutor().stream(query, 2000)) {
    for (const r of chunk.rows) {
      hash.update(r.line);
      hash.update('\n');
      rows += 1;
    }
  }
  return { rows, sha256: hash.digest('hex') };
}
