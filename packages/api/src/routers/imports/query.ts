import { sql, type TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';
import { mappingSchema } from './schemas.ts';
import type { ImportOutput } from './schemas.ts';

export function selectImports(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('imports')
    .select([
      'id',
      'fileName',
      sql<number>`size_bytes::float8`.as('sizeBytes'),
      'sha256',
      'header',
      'delimiter',
      'mapping',
      'status',
      'rowsProcessed',
      'rowsWritten',
      'pointsChanged',
      'rowsFailed',
      sql<number>`bytes_processed::float8`.as('bytesProcessed'),
      'error',
      'createdAt',
      'queuedAt',
      'startedAt',
      'finishedAt',
    ])
    .where('tenantId', '=', tenantId);
}

export function toOutput(
  row: Awaited<ReturnType<ReturnType<typeof selectImports>['executeTakeFirstOrThrow']>>,
): ImportOutput {
  const mapping = mappingSchema.safeParse(row.mapping);
  return { ...row, mapping: mapping.success ? mapping.data : null };
}

/** An import of the caller's organization; another organization's id is simply not found. */
export async function findImport(db: TenantDb, tenantId: string, id: string): Promise<ImportOutput> {
  const row = await selectImports(db, tenantId).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Import not found');
  return toOutput(row);
}
