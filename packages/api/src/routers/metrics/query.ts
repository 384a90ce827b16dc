import { sql, type TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';
import type { MetricOutput } from './schemas.ts';

/** The metric columns every procedure returns, with the owner's display name. */
export function selectMetrics(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('metrics as m')
    .leftJoin('memberships as ms', (j) =>
      j.onRef('ms.tenantId', '=', 'm.tenantId').onRef('ms.id', '=', 'm.ownerMembershipId'),
    )
    .leftJoin('users as u', 'u.id', 'ms.userId')
    .select([
      'm.id',
      'm.key',
      'm.name',
      'm.description',
      'm.unit',
      'm.currency',
      'm.aggregation',
      'm.direction',
      'm.defaultGrain',
      'm.ownerMembershipId',
      'u.displayName as ownerName',
      'm.tags',
      'm.formula',
      sql<boolean>`m.archived_at is not null`.as('archived'),
      'm.updatedAt',
    ])
    .where('m.tenantId', '=', tenantId);
}

export async function findMetric(
  db: TenantDb,
  tenantId: string,
  key: string,
  opts: { forUpdate?: boolean } = {},
): Promise<MetricOutput> {
  let q = selectMetrics(db, tenantId).where('m.key', '=', key);
  if (opts.forUpdate) q = q.forUpdate('m');
  const metric = await q.executeTakeFirst();
  if (!metric) throw notFound(`No metric with key "${key}"`);
  return metric;
}
