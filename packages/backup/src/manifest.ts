import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { BackupError } from './errors.ts';

/** Format 2: the data key is wrapped by the organization's backup key (docs/decisions/0121). */
export const FORMAT = 'mfiq-backup/2';
/** Format 1: the data key was wrapped by a master key directly. Still read, no longer written. */
const FORMAT_V1 = 'mfiq-backup/1';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/);

const tableEntrySchema = z.object({
  name: identifier,
  columns: z.array(identifier).min(1).max(1600),
  primaryKey: z.array(identifier).min(1).max(32),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type TableEntry = z.infer<typeof tableEntrySchema>;

const commonFields = {
  backupId: z.uuid(),
  tenantId: z.uuid(),
  slug: z.string().max(64),
  createdAt: z.iso.datetime({ offset: true }),
  /** The latest migration applied to the database the backup was taken from. */
  schemaVersion: z.number().int().min(1),
  /** The master key that wrapped the key of this backup (format 1) or of its organization (format 2). */
  keyId: z.string().max(32),
  wrappedKey: z.string().max(200),
  compression: z.literal('gzip'),
  /** Tables in restore order (parents before children); the data holds their NDJSON in this order. */
  tables: z.array(tableEntrySchema).max(1000),
  data: z.object({ bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
};

const manifestSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal(FORMAT_V1), ...commonFields }),
  z.object({
    format: z.literal(FORMAT),
    ...commonFields,
    /** The organization's backup key (backup_keys.id) that wraps this backup's data key. */
    orgKeyId: z.uuid(),
  }),
]);
export type Manifest = z.infer<typeof manifestSchema>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnsignedManifest = DistributiveOmit<Manifest, 'mac'>;

/** JSON with keys sorted at every level: the bytes the MAC covers do not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function signManifest(body: UnsignedManifest, macKey: Buffer): Manifest {
  return { ...body, mac: createHmac('sha256', macKey).update(canonicalJson(body)).digest('hex') };
}

/** Parses the stored manifest's shape; authenticity is checked once the data key is unwrapped. */
export function parseManifest(text: string, label: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BackupError('MANIFEST_INVALID', `${label}: the manifest is not valid JSON.`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupError(
      'MANIFEST_INVALID',
      `${label}: the manifest is malformed (${issue?.path.join('.') || 'root'}: ${issue?.message}).`,
    );
  }
  return parsed.data;
}

export function verifyManifestMac(manifest: Manifest, macKey: Buffer): void {
  const { mac, ...body } = manifest;
  const expected = createHmac('sha256', macKey).update(canonicalJson(body)).digest();
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new BackupError(
      'MANIFEST_TAMPERED',
      `Backup ${manifest.backupId}: the manifest failed authentication: it was edited after the backup was written.`,
    );
  }
}
