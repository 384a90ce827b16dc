import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { sql, withTenant, type Database, type TenantDb } from '@mfiq/db';
import { ident, readTenantTables, schemaVersion, type TenantTable } from './catalog.ts';
import { BackupError } from './errors.ts';
import { EncryptStream } from './frames.ts';
import { deriveKeys, wrapBackupKey, type Keyring } from './keyring.ts';
import { FORMAT, signManifest, type Manifest, type TableEntry } from './manifest.ts';
import { orgKeyForBackup } from './org-keys.ts';
import { objectKeys, type BackupStorage } from './storage.ts';

export interface BackupProgress {
  table: string;
  rowsDone: number;
  rowsTotal: number;
}

export interface BackupOptions {
  /** The worker's pool: the backup runs in withTenant, so row-level security scopes every read. */
  db: Database;
  storage: BackupStorage;
  keyring: Keyring;
  tenantId: string;
  backupId: string;
  onProgress?: (progress: BackupProgress) => void;
  /** Called after each table has been read; tests use it to write between tables. */
  afterTable?: (table: string) => Promise<void>;
  /** Rows per cursor fetch. */
  chunkRows?: number;
  /** gzip level: 1 keeps the backup as fast as reading the rows (see bench/backup.ts). */
  gzipLevel?: number;
}

export interface BackupResult {
  manifest: Manifest;
  /** Size of the encrypted data object. */
  bytes: number;
}

/**
 * Backs up one organization: every tenant table, in primary-key order, as NDJSON inside one
 * REPEATABLE READ snapshot, gzipped and encrypted frame by frame under a fresh data key (wrapped by
 * the organization's backup key), streamed to storage; then the signed manifest. Memory stays flat: rows flow cursor -> gzip -> cipher ->
 * storage with backpressure at every step.
 */
export async function runBackup(opts: BackupOptions): Promise<BackupResult> {
  const { tenantId, backupId } = opts;
  // Before the snapshot, which is read-only: the organization's key is created at its first backup.
  const orgKey = await orgKeyForBackup({ keyring: opts.keyring, db: opts.db }, tenantId);
  return withTenant(opts.db, { tenantId, mode: 'snapshot', evenIfLocked: true }, async (trx) => {
    const tables = await readTenantTables(trx);
    await assertReadable(trx, tables);
    const version = await schemaVersion(trx);
    const org = await sql<{ slug: string }>`select slug from organizations where tenant_id = ${tenantId}`.execute(trx);
    if (!org.rows[0]) throw new BackupError('NOT_FOUND', `Organization ${tenantId} does not exist.`);
    const createdAt = (await sql<{ now: Date }>`select now() as now`.execute(trx)).rows[0]!.now;
    const totals = new Map<string, number>();
    for (const t of tables) {
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int8 as n from ${sql.raw(ident(t.name))} where tenant_id = ${tenantId}`.execute(trx);
      totals.set(t.name, Number(rows[0]!.n));
    }
    const rowsTotal = [...totals.values()].reduce((a, b) => a + b, 0);

    const dataKey = randomBytes(32);
    const keys = deriveKeys(dataKey);
    const wrappedKey = wrapBackupKey(orgKey.key, dataKey, backupId, tenantId, orgKey.id);
    const entries: TableEntry[] = [];
    let rowsDone = 0;

    async function* ndjson(): AsyncGenerator<Buffer> {
      for (const t of tables) {
        const hash = createHash('sha256');
        let rows = 0;
        let bytes = 0;
        const order = t.primaryKey.map((c) => `t.${ident(c)}`).join(', ');
        const query = sql<{ line: string }>`select row_to_json(t)::text as line from ${sql.raw(ident(t.name))} t
          where t.tenant_id = ${tenantId} order by ${sql.raw(order)}`.compile(trx);
        for await (const chunk of trx.getExecutor().stream(query, opts.chunkRows ?? 2000)) {
          if (!chunk.rows.length) continue;
          const buf = Buffer.from(`${chunk.rows.map((r) => r.line).join('\n')}\n`);
          hash.update(buf);
          rows += chunk.rows.length;
          bytes += buf.length;
          rowsDone += chunk.rows.length;
          opts.onProgress?.({ table: t.name, rowsDone, rowsTotal });
          yield buf;
        }
        if (rows !== totals.get(t.name)) {
          throw new Error(
            `Table ${t.name}: read ${rows} rows but the snapshot counted ${totals.get(t.name)}; the snapshot was not consistent.`,
          );
        }
        entries.push({
          name: t.name,
          columns: t.columns,
          primaryKey: t.primaryKey,
          rows,
          bytes,
          sha256: hash.digest('hex'),
        });
        await opts.afterTable?.(t.name);
      }
    }

    const cipherHash = createHash('sha256');
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        cipherHash.update(chunk);
        done(null, chunk);
      },
    });
    // Read ahead a few MB: the database renders the next rows while gzip and the cipher work on these.
    const source = Readable.from(ndjson(), { objectMode: false, highWaterMark: 4 * 1024 * 1024 });
    const out = new PassThrough();
    const objects = objectKeys(tenantId, backupId);
    let bytes: number;
    try {
      [{ bytes }] = await Promise.all([
        opts.storage.put(objects.data, out),
        pipeline(source, createGzip({ level: opts.gzipLevel ?? 1 }), new EncryptStream(keys.enc), hasher, out),
      ]);
    } catch (error) {
      source.destroy();
      out.destroy();
      throw error;
    }

    const manifest = signManifest(
      {
        format: FORMAT,
        backupId,
        tenantId,
        slug: org.rows[0].slug,
        createdAt: new Date(createdAt).toISOString(),
        schemaVersion: version,
        keyId: opts.keyring.activeId,
        orgKeyId: orgKey.id,
        wrappedKey,
        compression: 'gzip',
        tables: entries,
        data: { bytes, sha256: cipherHash.digest('hex') },
      },
      keys.mac,
    );
    // The manifest is written last: a backup without one is incomplete and never listed as restorable.
    await opts.storage.put(objects.manifest, Readable.from([Buffer.from(JSON.stringify(manifest, null, 2))]));
    return { manifest, bytes };
  });
}

/** A tenant table the worker cannot read would make every backup fail: name it and the fix. */
async function assertReadable(trx: TenantDb, tables: TenantTable[]): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select t as name from unnest(${tables.map((t) => t.name)}::text[]) t
     where not has_table_privilege(current_user, format('public.%I', t), 'select')`.execute(trx);
  if (rows.length) {
    const names = rows.map((r) => r.name).join(', ');
    throw new BackupError(
      'NO_GRANT',
      `The backup role cannot read tenant table(s) ${names}: add \`grant select on <table> to mfiq_worker\` to the migration that creates them.`,
    );
  }
}
