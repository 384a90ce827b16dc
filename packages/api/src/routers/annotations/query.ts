import { sql, type TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';
import { findDashboard } from '../dashboards/query.ts';
import { findMetric } from '../metrics/query.ts';

/** Notes with what they are on and who wrote them, newest date first. */
export function selectAnnotations(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('annotations as a')
    .leftJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'a.tenantId').onRef('m.id', '=', 'a.metricId'))
    .leftJoin('users as u', 'u.id', 'a.createdBy')
    .select([
      'a.id',
      sql<string>`a.on_date::text`.as('date'),
      'a.body',
      'm.key as metricKey',
      'a.dashboardId',
      'u.displayName as createdBy',
      'a.createdAt',
    ])
    .where('a.tenantId', '=', tenantId)
    .orderBy('a.onDate', 'desc')
    .orderBy('a.createdAt', 'desc');
}

export async function findAnnotation(db: TenantDb, tenantId: string, id: string) {
  const row = await selectAnnotations(db, tenantId).where('a.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Note not found');
  return row;
}

/** What a note is on, resolved in this organization (another's metric or dashboard is not found). */
export async function annotationTarget(
  db: TenantDb,
  tenantId: string,
  on: { metricKey?: string | undefined; dashboardId?: string | undefined },
) {
  if (on.metricKey !== undefined) {
    const m = await findMetric(db, tenantId, on.metricKey);
    return { metricId: m.id, dashboardId: null, type: 'metric', id: m.id, display: m.name };
  }
  const d = await findDashboard(db, tenantId, on.dashboardId!);
  return { metricId: null, dashboardId: d.id, type: 'dashboard', id: d.id, display: d.name };
}
