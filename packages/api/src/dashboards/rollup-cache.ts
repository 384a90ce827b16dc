/**
 * What a dashboard read keeps in this process between requests (docs/decisions/0135): each
 * metric's decoded rollup days, and each computed set of series. Every entry is keyed by tenant
 * and by everything its value was computed from, data included through the metrics' data
 * revisions (metric_data_revisions, moved by every write of a metric's rollups), so an entry
 * found is exactly what computing it again would give; a changed input is a different key, and
 * an entry nobody asks for again ages out. Least recently used entries go first once the bytes
 * held pass the bound.
 */
/**
 * Entries found and computed: loads served wholly from memory (seriesHits) or not (seriesMisses),
 * metric series computed, metric days found or read. Read by tests, to see which path a load took.
 */
export const cacheWork = { seriesHits: 0, seriesMisses: 0, seriesComputed: 0, daysHits: 0, daysReads: 0 };

export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, if kept (it becomes the most recently used). */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
    }
    const bytes = this.sizeOf(value);
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
  }
}

/**
 * A metric's days over one span as read from its rollups, indexed by the day's offset from the
 * span's first day: whether the day has data, and its one or two values (see VALUE in rollups.ts).
 */
export interface Days {
  has: Uint8Array;
  a: Float64Array;
  b: Float64Array | null;
}

/** Days with the data revision they were read at. */
export interface RevisedDays {
  revision: string;
  days: Days;
}

export const daysKey = (tenantId: string, metricId: string, aggregation: string, from: string, to: string) =>
  `${tenantId}|${metricId}|${aggregation}|${from}|${to}`;

/** This process's decoded days: 32 MB hold a two-year span of about 2,000 metrics. */
export const rollupDays = new BoundedCache<RevisedDays>(
  32 * 1024 * 1024,
  ({ days }) => days.has.byteLength + days.a.byteLength + (days.b?.byteLength ?? 0) + 200,
);
