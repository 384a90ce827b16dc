import { sql, type TenantDb } from '@mfiq/db';

/** A point as a client sends it: values are checked here, one by one, not by the envelope schema. */
export interface PointInput {
  metric: string;
  ts: string;
  value: number;
}

export type PointErrorCode =
  | 'invalid_timestamp'
  | 'timestamp_out_of_range'
  | 'invalid_value'
  | 'unknown_metric'
  | 'formula_metric'
  | 'archived_metric'
  | 'duplicate';

interface PointError {
  index: number;
  code: PointErrorCode;
  message: string;
}

export interface WriteResult {
  received: number;
  written: number;
  rejected: number;
  errors: PointError[];
}

/** Bounds shared with the data_points check constraints (see migration 0005). */
export const MAX_ABS_VALUE = 1e15;
export const MIN_TS = Date.UTC(1900, 0, 1);
export const MAX_TS = Date.UTC(2100, 0, 1);
// RFC 3339: a date, a time and an explicit offset ('Z' or ±hh:mm). A time without an offset would
// be read in some server's timezone, so it is refused.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(
  ts: string,
): { ok: true; ms: number } | { ok: false; code: PointErrorCode; message: string } {
  const m = RFC3339.exec(ts);
  if (!m)
    return {
      ok: false,
      code: 'invalid_timestamp',
      message: 'Timestamp must be ISO 8601 with a timezone offset, e.g. 2024-03-01T00:00:00Z',
    };
  const [, y, mo, d, h, mi, s] = m;
  const ms = Date.parse(ts.replace(' ', 'T'));
  // Date.parse rolls 2024-02-30 over to March; a calendar check catches impossible dates.
  const probe = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    Number.isNaN(ms) ||
    probe.getUTCMonth() !== Number(mo) - 1 ||
    probe.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s ?? 0) > 59
  ) {
    return { ok: false, code: 'invalid_timestamp', message: `Not a real date and time: ${ts.slice(0, 40)}` };
  }
  if (ms < MIN_TS || ms >= MAX_TS)
    return {
      ok: false,
      code: 'timestamp_out_of_range',
      message: 'Timestamp must be from 1900-01-01 to before 2100-01-01',
    };
  return { ok: true, ms };
}

export function checkValue(value: unknown): string | null {
  if (typeof value !== 'number' || Number.isNaN(value)) return 'Value must be a number';
  if (!Number.isFinite(value) || Math.abs(value) > MAX_ABS_VALUE)
    return `Value must be finite and between -1e15 and 1e15`;
  return null;
}

/**
 * Writes a batch: every point is checked on its own (a bad point is reported with its index and
 * does not stop the others), then the good ones go in with one INSERT ... SELECT FROM unnest(...)
 * ON CONFLICT that replaces the value of an existing (metric, ts). Unchanged values are not
 * rewritten, so replaying a batch touches nothing. The daily rollups follow in the same
 * statement's trigger.
 */
export async function writePoints(
  db: TenantDb,
  tenantId: string,
  points: PointInput[],
): Promise<WriteResult & { metricKeys: string[]; changed: number }> {
  const errors: PointError[] = [];
  const keys = [...new Set(points.map((p) => p.metric))];
  const rows = keys.length
    ? await db
        .selectFrom('metrics')
        .select(['id', 'key', 'formula', 'archivedAt'])
        .where('tenantId', '=', tenantId)
        .where('key', 'in', keys)
        .execute()
    : [];
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const seen = new Map<string, number>();
  const ids: string[] = [];
  const stamps: string[] = [];
  const values: number[] = [];
  const written = new Set<string>();
  points.forEach((p, index) => {
    const fail = (code: PointErrorCode, message: string) => errors.push({ index, code, message });
    const metric = byKey.get(p.metric);
    if (!metric) return fail('unknown_metric', `Unknown metric key "${p.metric.slice(0, 64)}"`);
    if (metric.formula) return fail('formula_metric', `"${p.metric}" is a formula metric: it is computed, not written`);
    if (metric.archivedAt) return fail('archived_metric', `"${p.metric}" is archived: restore it to write data`);
    const ts = parseTimestamp(p.ts);
    if (!ts.ok) return fail(ts.code, ts.message);
    const bad = checkValue(p.value);
    if (bad) return fail('invalid_value', bad);
    const identity = `${metric.id}|${ts.ms}`;
    const first = seen.get(identity);
    if (first !== undefined) return fail('duplicate', `Same metric and timestamp as point ${first} of this batch`);
    seen.set(identity, index);
    ids.push(metric.id);
    stamps.push(new Date(ts.ms).toISOString());
    values.push(p.value);
    written.add(p.metric);
  });
  // Points inserted or given a new value (unchanged ones are skipped by the WHERE below).
  let changed = 0;
  if (ids.length) {
    const result = await sql`
      insert into data_points (tenant_id, metric_id, ts, value)
      select ${tenantId}::uuid, m, t, v from unnest(${ids}::uuid[], ${stamps}::timestamptz[], ${values}::float8[]) as u (m, t, v)
      on conflict (tenant_id, metric_id, ts) do update set value = excluded.value, updated_at = now()
        where data_points.value is distinct from excluded.value`.execute(db);
    changed = Number(result.numAffectedRows ?? 0);
  }
  return {
    received: points.length,
    written: ids.length,
    rejected: errors.length,
    errors,
    metricKeys: [...written],
    changed,
  };
}
