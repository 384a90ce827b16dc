import { MAX_ABS_VALUE } from '../metrics/points.ts';
import { metricProblem, type MetricInfo, type ResolvedMapping } from './mapping.ts';

export type RowResult = { ok: true; metric: string; ms: number; value: number } | { ok: false; message: string };

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** A value cell to a number, with the reason when it is not one we can store. */
function parseValue(raw: string): { ok: true; value: number } | { ok: false; message: string } {
  if (raw === '') return { ok: false, message: 'Value is empty' };
  if (/^[+-]?nan$/i.test(raw)) return { ok: false, message: 'Value is NaN: a finite number is required' };
  if (/^[+-]?(?:inf|infinity|∞)$/i.test(raw))
    return { ok: false, message: 'Value is infinite: a finite number is required' };
  if (!NUMBER.test(raw))
    return {
      ok: false,
      message: `Value "${cut(raw)}" is not a number (use a dot for decimals, no thousands separators)`,
    };
  const value = Number(raw);
  if (!Number.isFinite(value))
    return { ok: false, message: `Value ${cut(raw)} is beyond the range of a double-precision number` };
  if (Math.abs(value) > MAX_ABS_VALUE)
    return { ok: false, message: `Value ${cut(raw)} is outside the allowed range -1e15 to 1e15` };
  return { ok: true, value };
}

/** One data row through the mapping: a point, or the first problem found (one message per row). */
export function checkRow(cells: string[], m: ResolvedMapping, metrics: Map<string, MetricInfo>): RowResult {
  const needed = Math.max(m.metricIndex ?? 0, m.tsIndex, m.valueIndex) + 1;
  if (cells.length < needed)
    return {
      ok: false,
      message: `Row has ${cells.length} column${cells.length === 1 ? '' : 's'}, the header has ${m.width}`,
    };
  const metric = m.fixedMetric ?? cells[m.metricIndex!]!;
  if (metric === '') return { ok: false, message: 'Metric key is empty' };
  const problem = m.fixedMetric ? null : metricProblem(metric, metrics.get(metric));
  if (problem) return { ok: false, message: problem };
  const ts = m.parseTs(cells[m.tsIndex]!);
  if (!ts.ok) return ts;
  const value = parseValue(cells[m.valueIndex]!);
  if (!value.ok) return value;
  return { ok: true, metric, ms: ts.ms, value: value.value };
}

/**
 * Duplicate (metric, timestamp) inside one file: the first row wins and later ones are rejected
 * with a pointer to it (docs/decisions/0071-csv-import-semantics.md). Timestamps are kept as
 * numbers per metric, about 50 bytes a row, so a million-row file fits in memory comfortably.
 */
export class DuplicateTracker {
  private readonly seen = new Map<string, Map<number, number>>();

  /** The line that already has this point, or undefined (and the point is remembered). */
  check(metric: string, ms: number, line: number): number | undefined {
    let stamps = this.seen.get(metric);
    if (!stamps) this.seen.set(metric, (stamps = new Map()));
    const first = stamps.get(ms);
    if (first !== undefined) return first;
    stamps.set(ms, line);
    return undefined;
  }
}

export const duplicateMessage = (first: number) =>
  `Duplicate: the same metric and timestamp as line ${first} (the first one is imported)`;
