import { PassThrough, type Readable } from 'node:stream';
import yazl from 'yazl';
import type { BackupKeys } from './org-keys.ts';
import { openBackup, readBackupData } from './reader.ts';
import type { BackupStorage } from './storage.ts';

/**
 * The organization's data for its owner: a backup decrypted and streamed as a zip with one NDJSON
 * file per table and a README-like manifest.json. Entries are fed in the order the zip writes
 * them, so nothing is buffered beyond a batch. Frames are authenticated before their bytes are
 * used: a damaged backup ends the download with an error (an unfinished zip), never altered data.
 */
export async function exportZip(
  storage: BackupStorage,
  keys: BackupKeys,
  ref: { tenantId: string; backupId: string },
): Promise<Readable> {
  const opened = await openBackup(storage, keys, ref);
  const { manifest } = opened;
  const zip = new yazl.ZipFile();
  const mtime = new Date(manifest.createdAt);
  const summary = {
    organization: manifest.slug,
    backupId: manifest.backupId,
    takenAt: manifest.createdAt,
    schemaVersion: manifest.schemaVersion,
    format: 'One file per table; one JSON object per line, with the column names as keys.',
    tables: manifest.tables.map((t) => ({ file: `${t.name}.ndjson`, rows: t.rows })),
  };
  zip.addBuffer(Buffer.from(JSON.stringify(summary, null, 2)), 'manifest.json', { mtime });
  const files = new Map(manifest.tables.map((t) => [t.name, new PassThrough()]));
  for (const t of manifest.tables) zip.addReadStream(files.get(t.name)!, `${t.name}.ndjson`, { mtime });
  zip.end();

  const output = zip.outputStream as unknown as Readable;
  void (async () => {
    let current: PassThrough | null = null;
    const close = (until: number) => {
      for (const t of manifest.tables.slice(0, until)) files.get(t.name)!.end();
    };
    try {
      await readBackupData(storage, opened, async (table, lines) => {
        const file = files.get(table.name)!;
        if (file !== current) {
          close(manifest.tables.findIndex((t) => t.name === table.name));
          current = file;
        }
        if (!file.write(`${lines.join('\n')}\n`)) await new Promise((resolve) => file.once('drain', resolve));
      });
      close(manifest.tables.length);
    } catch (error) {
      output.destroy(error as Error);
      for (const f of files.values()) f.destroy();
    }
  })();
  return output;
}
