import { sql, type TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';
import type { TargetDef } from '../../metrics/targets.ts';

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
    const locked = await db
      .selectFrom('dashboards')
      .select('id')
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!locked) throw notFound('Dashboard not found');
  }
  const row = await selectDashboards(db, tenantId).where('d.id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Dashboard not found');
  return toDashboard(row);
}

/** A change to a dashboard's tiles moves its updated_at. */
export async function touchDashboard(db: TenantDb, tenantId: string, id: string) {
  await db
    .updateTable('dashboards')
    .set({ updatedAt: new Date() })
    .where('tenantId', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** A tile's second to fourth metric, with its targets (oldest first). */
export interface MoreMetric {
  id: string;
  key: string;
  name: string;
  unit: 'number' | 'currency' | 'percent' | 'duration';
  currency: string | null;
  aggregation: 'sum' | 'avg' | 'min' | 'max' | 'count' | 'last';
  direction: 'higher' | 'lower';
  formula: string | null;
  targets: TargetDef[];
}

const TARGETS_JSON = (metricId: 'm.id' | 'm2.id') =>
  sql.raw(`(select coalesce(json_agg(json_build_object('id', mt.id, 'kind', mt.kind, 'grain', mt.grain, 'value', mt.value,
                      'starts_on', mt.starts_on::text, 'ends_on', mt.ends_on::text) order by mt.created_at), '[]'::json)
              from metric_targets mt where mt.tenant_id = t.tenant_id and mt.metric_id = ${metricId})`);

/** Tiles in order, with what each needs to know about its metrics. */
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
      't.width',
      't.range',
      't.grain',
      't.compareTo',
      'm.id as metricId',
      'm.key as metricKey',
      'm.name as metricName',
      'm.unit',
      'm.currency',
      'm.aggregation',
      'm.direction',
      'm.formula',
      sql<
        MoreMetric[]
      >`(select coalesce(json_agg(json_build_object('id', m2.id, 'key', m2.key, 'name', m2.name, 'unit', m2.unit,
                'currency', m2.currency, 'aggregation', m2.aggregation, 'direction', m2.direction, 'formula', m2.formula,
                'targets', ${TARGETS_JSON('m2.id')}) order by x.position), '[]'::json)
           from dashboard_tile_metrics x join metrics m2 on m2.tenant_id = x.tenant_id and m2.id = x.metric_id
          where x.tenant_id = t.tenant_id and x.tile_id = t.id)`.as('more'),
    ])
    .where('t.tenantId', '=', tenantId)
    .where('t.dashboardId', '=', dashboardId)
    .orderBy('t.position')
    .orderBy('t.createdAt');
}

/**
 * What dashboards.get needs before it can resolve the range, in one statement: the organization's
 * timezone and week start, and the dashboard named by id (or the default one), null when none.
 */
export async function calendarAndDashboard(db: TenantDb, tenantId: string, id: string | undefined) {
  const row = await db
    .selectFrom('organizations as o')
    .leftJoin('dashboards as d', (j) => {
      const on = j.onRef('d.tenantId', '=', 'o.tenantId');
      return id ? on.on('d.id', '=', id) : on.on('d.isDefault', '=', true);
    })
    .select([
      'o.timezone',
      'o.weekStart',
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
    .where('o.tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  const { timezone, weekStart, id: dashboardId, name, range, grain, isDefault, updatedAt, tileCount } = row;
  const dashboard =
    dashboardId !== null &&
    name !== null &&
    range !== null &&
    grain !== null &&
    isDefault !== null &&
    updatedAt !== null
      ? { id: dashboardId, name, range, grain, isDefault, updatedAt, tileCount: tileCount ?? 0 }
      : null;
  if (id && !dashboard) throw notFound('Dashboard not found');
  return { cal: { tenantId, timezone, weekStart }, dashboard };
}

/** A metric with what its chart needs (its aggregation and targets), by key; NOT_FOUND when missing. */
export async function selectMetricForChart(db: TenantDb, tenantId: string, key: string) {
  const row = await db
    .selectFrom('metrics as m')
    .select([
      'm.id',
      'm.key',
      'm.name',
      'm.unit',
      'm.currency',
      'm.aggregation',
      'm.direction',
      'm.formula',
      'm.defaultGrain',
      sql<
        TargetDef[]
      >`(select coalesce(json_agg(json_build_object('id', mt.id, 'kind', mt.kind, 'grain', mt.grain, 'value', mt.value,
                      'starts_on', mt.starts_on::text, 'ends_on', mt.ends_on::text) order by mt.created_at), '[]'::json)
              from metric_targets mt where mt.tenant_id = m.tenant_id and mt.metric_id = m.id)`.as('targets'),
    ])
    .where('m.tenantId', '=', tenantId)
    .where('m.key', '=', key)
    .executeTakeFirst();
  if (!row) throw notFound(`No metric with key "${key}"`);
  return row;
}

/** selectTiles with each tile's metric targets (oldest first), so the page reads both at once. */
export function selectTilesWithTargets(db: TenantDb, tenantId: string, dashboardId: string) {
  return selectTiles(db, tenantId, dashboardId).select(sql<TargetDef[]>`${TARGETS_JSON('m.id')}`.as('targets'));
}
