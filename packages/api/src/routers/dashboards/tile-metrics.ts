import type { TenantDb } from '@mfiq/db';
import { AppError, notFound } from '../../errors.ts';

interface TileMetricRow {
  id: string;
  key: string;
  unit: string;
  currency: string | null;
}

/** A chart's y axes: one per unit (a currency counts with its code); a second unit goes on the right. */
const unitOf = (m: { unit: string; currency: string | null }) =>
  m.unit === 'currency' ? `currency:${m.currency ?? ''}` : m.unit;

/**
 * The metrics a tile shows, first one first, checked as a whole: each exists in this organization,
 * none twice, more than one only on a line or bar chart, and at most two units (a chart has two y
 * axes). The first metric missing is NOT_FOUND, as when tiling one metric; the others name the field.
 */
export async function resolveTileMetrics(
  db: TenantDb,
  tenantId: string,
  kind: string,
  metricKey: string,
  moreKeys: readonly string[],
): Promise<TileMetricRow[]> {
  const keys = [metricKey, ...moreKeys];
  if (new Set(keys).size !== keys.length)
    throw new AppError('INVALID', 'Each metric appears once on a tile', {
      fieldErrors: { moreMetricKeys: ['Each metric appears once on a tile'] },
    });
  if (moreKeys.length && kind !== 'line' && kind !== 'bar')
    throw new AppError('INVALID', 'Only line and bar charts show more than one metric', {
      fieldErrors: { moreMetricKeys: ['Only line and bar charts show more than one metric'] },
    });
  const rows = await db
    .selectFrom('metrics')
    .select(['id', 'key', 'unit', 'currency'])
    .where('tenantId', '=', tenantId)
    .where('key', 'in', keys)
    .execute();
  const byKey = new Map(rows.map((r) => [r.key, r]));
  if (!byKey.has(metricKey)) throw notFound(`No metric with key "${metricKey}"`);
  const missing = moreKeys.filter((k) => !byKey.has(k));
  if (missing.length)
    throw new AppError('INVALID', `No metric with key "${missing[0]}"`, {
      fieldErrors: { moreMetricKeys: missing.map((k) => `No metric with key "${k}"`) },
    });
  const metrics = keys.map((k) => byKey.get(k)!);
  if (new Set(metrics.map(unitOf)).size > 2)
    throw new AppError(
      'INVALID',
      'A chart shows at most two units (one per axis): leave out a metric of a third unit',
      {
        fieldErrors: { moreMetricKeys: ['At most two units on one chart'] },
      },
    );
  return metrics;
}

/** Replaces a tile's second to fourth metrics (positions 1 to 3, in the order given). */
export async function writeMoreMetrics(db: TenantDb, tenantId: string, tileId: string, metricIds: string[]) {
  await db.deleteFrom('dashboardTileMetrics').where('tenantId', '=', tenantId).where('tileId', '=', tileId).execute();
  if (!metricIds.length) return;
  await db
    .insertInto('dashboardTileMetrics')
    .values(metricIds.map((metricId, i) => ({ tenantId, tileId, metricId, position: i + 1 })))
    .execute();
}
