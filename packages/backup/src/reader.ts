import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { BackupError } from './errors.ts';
import { DecryptStream } from './frames.ts';
import { deriveKeys, unwrapBackupKey, unwrapDataKey } from './keyring.ts';
import { orgKeyForRestore, type BackupKeys } from './org-keys.ts';
import { FORMAT, parseManifest, verifyManifestMac, type Manifest, type TableEntry } from './manifest.ts';
import { objectKeys, type BackupStorage } from './storage.ts';

export interface OpenedBackup {
  manifest: Manifest;
  encKey: Buffer;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > 4 * 1024 * 1024)
      throw new BackupError('MANIFEST_INVALID', 'The manifest is larger than 4 MiB: not a manifest.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads the manifest and proves it authentic: its organization's key (format 2; a master key in
 * format 1) must be there and open the wrapped data key (bound to this backup and tenant), and its
 * MAC must match. Nothing is trusted before.
 */
export async function openBackup(
  storage: BackupStorage,
  keys: BackupKeys,
  ref: { tenantId: string; backupId: string },
): Promise<OpenedBackup> {
  const label = `Backup ${ref.backupId}`;
  const manifest = parseManifest(
    await readAll(await storage.get(objectKeys(ref.tenantId, ref.backupId).manifest)),
    label,
  );
  if (manifest.backupId !== ref.backupId || manifest.tenantId !== ref.tenantId) {
    throw new BackupError(
      'MANIFEST_TAMPERED',
      `${label}: the manifest names another backup (${manifest.tenantId}/${manifest.backupId}).`,
    );
  }
  const dataKey =
    manifest.format === FORMAT
      ? unwrapBackupKey(
          await orgKeyForRestore(keys, ref, manifest.orgKeyId),
          manifest.wrappedKey,
          manifest.backupId,
          manifest.tenantId,
          manifest.orgKeyId,
        )
      : unwrapDataKey(keys.keyring, manifest.keyId, manifest.wrappedKey, manifest.backupId, manifest.tenantId);
  const derived = deriveKeys(dataKey);
  verifyManifestMac(manifest, derived.mac);
  return { manifest, encKey: derived.enc };
}

export interface ReadOptions {
  batchRows?: number;
  batchBytes?: number;
}

/**
 * Streams the backup's rows table by table, in manifest order, as batches of NDJSON lines (left
 * as text: numbers keep their full precision). Every frame is authenticated before its bytes are
 * used; each table's row count and checksum, and the ciphertext's size and checksum, are checked
 * against the manifest. `onBatch` is awaited, so a slow consumer slows the reader (flat memory).
 */
export async function readBackupData(
  storage: BackupStorage,
  opened: OpenedBackup,
  onBatch: (table: TableEntry, lines: string[]) => Promise<void>,
  opts: ReadOptions = {},
): Promise<void> {
  const { manifest } = opened;
  const label = `Backup ${manifest.backupId}`;
  const batchRows = opts.batchRows ?? 1000;
  const batchBytes = opts.batchBytes ?? 1024 * 1024;
  const cipherHash = createHash('sha256');
  let cipherBytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _enc, done) {
      cipherHash.update(chunk);
      cipherBytes += chunk.length;
      done(null, chunk);
    },
  });
  const gunzip = createGunzip();
  const piping = pipeline(
    await storage.get(objectKeys(manifest.tenantId, manifest.backupId).data),
    counting,
    new DecryptStream(opened.encKey, label),
    gunzip,
  );
  piping.catch(() => {}); // surfaced through the iteration below, and awaited at the end

  const tables = manifest.tables;
  let ti = 0;
  let rows = 0;
  let hash = createHash('sha256');
  let batch: string[] = [];
  let bytes = 0;
  const NL = Buffer.from('\n');

  const flush = async () => {
    if (!batch.length) return;
    const lines = batch;
    batch = [];
    bytes = 0;
    await onBatch(tables[ti]!, lines);
  };
  const finishTables = async () => {
    while (ti < tables.length && rows === tables[ti]!.rows) {
      await flush();
      const t = tables[ti]!;
      if (hash.digest('hex') !== t.sha256)
        throw new BackupError('CHECKSUM_MISMATCH', `${label}: table ${t.name} does not match its checksum.`);
      ti += 1;
      rows = 0;
      hash = createHash('sha256');
    }
  };

  await finishTables();
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of gunzip) {
    const buf: Buffer = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      if (ti >= tables.length)
        throw new BackupError('CHECKSUM_MISMATCH', `${label}: the data holds more rows than the manifest lists.`);
      const line = buf.subarray(start, nl);
      hash.update(line);
      hash.update(NL);
      batch.push(line.toString('utf8'));
      bytes += line.length;
      rows += 1;
      start = nl + 1;
      if (rows === tables[ti]!.rows) await finishTables();
      else if (batch.length >= batchRows || bytes >= batchBytes) await flush();
    }
    rest = Buffer.from(buf.subarray(start));
  }
  await piping;
  if (rest.length || ti < tables.length) {
    throw new BackupError(
      'CHECKSUM_MISMATCH',
      `${label}: the data holds fewer rows than the manifest lists (table ${tables[ti]?.name ?? '?'}).`,
    );
  }
  if (cipherBytes !== manifest.data.bytes || cipherHash.digest('hex') !== manifest.data.sha256) {
    throw new BackupError(
      'CHECKSUM_MISMATCH',
      `${label}: the data file does not match the size and checksum in its manifest.`,
    );
  }
}

/** Reads and checks everything without writing anywhere. */
export async function verifyBackup(
  storage: BackupStorage,
  keys: BackupKeys,
  ref: { tenantId: string; backupId: string },
): Promise<Manifest> {
  const opened = await openBackup(storage, keys, ref);
  await readBackupData(storage, opened, async () => {});
  return opened.manifest;
}
