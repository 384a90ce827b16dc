import { sql, type TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';

/** Dashboards with their tile counts; callers narrow by id or default. */
export function selectDashboards(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('dashboards as d')
    .select([
      'd.id',
      'd.name',
      'd.range',
      'd.grain',
      'd.isDefault',
      'd.updatedAt',
      (eb) =>
        eb
          .selectFrom('dashboardTiles as t')
          .select(sql<number>`count(*)::int`.as('n'))
          .whereRef('t.tenantId', '=', 'd.tenantId')
          .whereRef('t.dashboardId', '=', 'd.id')
          .as('tileCount'),
    ])
    .where('d.tenantId', '=', tenantId);
}

export type DashboardRow = Awaited<ReturnType<ReturnType<typeof selectDashboards>['executeTakeFirstOrThrow']>>;

export const toDashboard = (r: DashboardRow) => ({ ...r, tileCount: r.tileCount ?? 0 });

export async function findDashboard(db: TenantDb, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  if (opts.forUpdate) {
    const locked = await db.selectFrom('dashboards').select('id').where('tenantId', '=', tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!locked) throw notFound('Dashboard not found');
  }
  const row = await selectDashboards(db, tenantId).where('d.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Dashboard not found');
  return toDashboard(row);
}

/** Tiles in order, with what each needs to know about its metric. */
export function selectTiles(db: TenantDb, tenantId: string, dashboardId: string) {
  return db
    .selectFrom('dashboardTiles as t')
    .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 't.tenantId').onRef('m.id', '=', 't.metricId'))
    .select([
      't.id',
      't.kind',
      't.title',
      't.position',
      't.showPrevious',
      't.showTarget',
      'm.id as metricId',
      'm.key as metricKey',
      'm.name as metricName',
      'm.unit',
      'm.currency',
      'm.aggregation',
      'm.direction',
      'm.formula',
    ])
    .where('t.tenantId', '=', tenantId)
    .where('t.dashboardId', '=', dashboardId)
    .orderBy('t.position')
    .orderBy('t.createdAt');
}
