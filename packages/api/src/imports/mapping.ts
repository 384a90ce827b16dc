import type { z } from 'zod';
import type { TenantDb } from '@mfiq/db';
import { AppError } from '../errors.ts';
import type { mappingSchema } from '../routers/imports/schemas.ts';
import { LOCAL_FORMATS, timestampParser, type TsResult } from './timestamps.ts';

export type Mapping = z.infer<typeof mappingSchema>;

export interface MetricInfo {
  id: string;
  key: string;
  formula: string | null;
  archived: boolean;
}

export interface ResolvedMapping {
  width: number;
  metricIndex: number | null;
  fixedMetric: string | null;
  tsIndex: number;
  valueIndex: number;
  parseTs: (raw: string) => TsResult;
}

/** A metric that cannot receive imported points says why; null when it can. */
export function metricProblem(key: string, metric: MetricInfo | undefined): string | null {
  if (!metric) return `Unknown metric key "${key.length > 63 ? `${key.slice(0, 63)}…` : key}"`;
  if (metric.formula) return `"${key}" is a formula metric: it is computed, not imported`;
  if (metric.archived) return `"${key}" is archived: restore it to import data`;
  return null;
}

export async function loadMetrics(db: TenantDb, tenantId: string): Promise<Map<string, MetricInfo>> {
  const rows = await db
    .selectFrom('metrics')
    .select(['id', 'key', 'formula', 'archivedAt'])
    .where('tenantId', '=', tenantId)
    .execute();
  return new Map(
    rows.map((r) => [r.key, { id: r.id, key: r.key, formula: r.formula, archived: r.archivedAt !== null }]),
  );
}

/**
 * Checks a mapping against the file's header and the organization's metrics. Every problem is
 * reported at once, per field, as a 400: a column the file does not have, a role with no column, a
 * column used twice, a fixed metric that cannot take data, a local format without a timezone.
 */
export function resolveMapping(header: string[], mapping: Mapping, metrics: Map<string, MetricInfo>): ResolvedMapping {
  const fieldErrors: Record<string, string[]> = {};
  const fail = (field: string, message: string) => (fieldErrors[field] ??= []).push(message);
  const indexOf = (field: string, name: string | undefined, role: string): number => {
    if (!name) {
      fail(field, `Choose the column that holds the ${role}`);
      return -1;
    }
    const i = header.indexOf(name);
    if (i < 0)
      fail(
        field,
        `The file has no column "${name}" (its columns: ${header.slice(0, 10).join(', ')}${header.length > 10 ? ', …' : ''})`,
      );
    return i;
  };
  let metricIndex: number | null = null;
  let fixedMetric: string | null = null;
  if (mapping.metricColumn && mapping.metricKey)
    fail('metricKey', 'Choose either a metric column or one metric for the whole file, not both');
  else if (mapping.metricKey) {
    const problem = metricProblem(mapping.metricKey, metrics.get(mapping.metricKey));
    if (problem) fail('metricKey', problem);
    fixedMetric = mapping.metricKey;
  } else if (mapping.metricColumn) metricIndex = indexOf('metricColumn', mapping.metricColumn, 'metric keys');
  else fail('metricColumn', 'Choose the column that holds the metric keys, or one metric for the whole file');
  const tsIndex = indexOf('timestampColumn', mapping.timestampColumn, 'timestamps');
  const valueIndex = indexOf('valueColumn', mapping.valueColumn, 'values');
  const used = [metricIndex, tsIndex, valueIndex].filter((i): i is number => i !== null && i >= 0);
  if (new Set(used).size !== used.length)
    fail('valueColumn', 'Each column can have only one role: the metric, timestamp and value columns must differ');
  if (LOCAL_FORMATS.has(mapping.timestampFormat) && !mapping.timezone) {
    fail('timezone', 'Dates in this format have no offset: choose the timezone they are in');
  }
  if (Object.keys(fieldErrors).length) {
    const first = Object.values(fieldErrors)[0]![0]!;
    throw new AppError('INVALID', `Check the column mapping: ${first}`, { fieldErrors });
  }
  return {
    width: header.length,
    metricIndex,
    fixedMetric,
    tsIndex,
    valueIndex,
    parseTs: timestampParser(mapping.timestampFormat, mapping.timezone ?? null),
  };
}
