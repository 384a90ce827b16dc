import { createHash, randomUUID } from 'node:crypto';
import type { Database, TenantDb } from '@mfiq/db';
import { withTenant } from '@mfiq/db';
import { AppError } from '../errors.ts';
import { CHUNK_BYTES, IMPORT_MAX_ROWS } from './limits.ts';

export interface StoredUpload {
  id: string;
  size: number;
  sha256: string;
  /** The first chunk, to read the header from. */
  head: Buffer;
}

const mib = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Streams an upload into import_chunks inside the caller's tenant transaction, hashing and
 * counting as it goes. Over the byte or row limit it stops reading and throws; the transaction
 * rolls back, so nothing of the file is kept. The imports row is the caller's to insert (the
 * chunks' foreign key is deferred to commit).
 */
export async function storeUpload(
  db: TenantDb,
  tenantId: string,
  source: AsyncIterable<Uint8Array>,
  opts: {
    maxBytes: number;
    /** What the organization's storage quota leaves, and the refusal past it. */
    room?: { bytes: number; refuse: () => AppError };
    checkHead: (head: Buffer) => void;
  },
): Promise<StoredUpload> {
  const { maxBytes } = opts;
  const id = randomUUID();
  const hash = createHash('sha256');
  let size = 0;
  let newlines = 0;
  let lastByte = 0x0a;
  let seq = 0;
  let head: Buffer | null = null;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (all: boolean) => {
    while (pendingBytes >= CHUNK_BYTES || (all && pendingBytes > 0)) {
      const joined = Buffer.concat(pending);
      const chunk = joined.subarray(0, CHUNK_BYTES);
      const rest = joined.subarray(chunk.length);
      pending = rest.length ? [rest] : [];
      pendingBytes = rest.length;
      if (!head) {
        // The header is checked as soon as the first chunk is in: a file that is not CSV is
        // refused before the rest of it is read.
        head = Buffer.from(chunk);
        opts.checkHead(head);
      }
      await db.insertInto('importChunks').values({ tenantId, importId: id, seq, data: chunk }).execute();
      seq += 1;
    }
  };
  for await (const piece of source) {
    const buf = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    size += buf.length;
    if (size > maxBytes)
      throw new AppError(
        'TOO_LARGE',
        `The file is larger than the ${mib(maxBytes)} upload limit. Split it into smaller files.`,
      );
    if (opts.room && size > opts.room.bytes) throw opts.room.refuse();
    hash.update(buf);
    for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) newlines += 1;
    if (buf.length) lastByte = buf[buf.length - 1]!;
    // Lines after the header; blank lines count here (the worker counts records exactly).
    const dataRows = newlines + (lastByte === 0x0a ? 0 : 1) - 1;
    if (dataRows > IMPORT_MAX_ROWS)
      throw new AppError(
        'TOO_LARGE',
        `The file has more than ${IMPORT_MAX_ROWS.toLocaleString('en-US')} rows. Split it into smaller files.`,
      );
    pending.push(buf);
    pendingBytes += buf.length;
    await flush(false);
  }
  await flush(true);
  if (size === 0 || !head) throw new AppError('INVALID', 'The file is empty');
  return { id, size, sha256: hash.digest('hex'), head };
}

/** The stored bytes of an import, chunk by chunk, each read in its own short tenant transaction. */
export async function* readChunks(db: Database, tenantId: string, importId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq += 1) {
    const row = await withTenant(db, { tenantId }, (trx) =>
      trx
        .selectFrom('importChunks')
        .select('data')
        .where('tenantId', '=', tenantId)
        .where('importId', '=', importId)
        .where('seq', '=', seq)
        .executeTakeFirst(),
    );
    if (!row) return;
    yield row.data;
  }
}
