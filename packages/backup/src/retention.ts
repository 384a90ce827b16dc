export interface RetentionPolicy {
  /** Newest backup of each of the last N days that have one. */
  daily: number;
  /** Newest backup of each of the last M ISO weeks that have one. */
  weekly: number;
}

/**
 * An organization's own choice (null: the operator's default), never beyond the operator's bounds:
 * bounds lowered after an owner chose are applied at the next run.
 */
export function effectiveRetention(
  chosen: { daily: number | null; weekly: number | null },
  defaults: RetentionPolicy,
  max: RetentionPolicy,
): RetentionPolicy {
  return {
    daily: Math.min(chosen.daily ?? defaults.daily, max.daily),
    weekly: Math.min(chosen.weekly ?? defaults.weekly, max.weekly),
  };
}

export interface Dated {
  id: string;
  createdAt: Date;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** ISO week (Monday first), in UTC, as `YYYY-Www`. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Grandfather-father rotation over succeeded backups: walking from newest to oldest, a backup is
 * kept if it is the newest of one of the last `daily` days, or of one of the last `weekly` weeks.
 * Days and weeks are UTC, so the answer does not depend on the server's timezone.
 */
export function selectRetained<T extends Dated>(backups: T[], policy: RetentionPolicy): { keep: T[]; drop: T[] } {
  const sorted = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
  const days = new Set<string>();
  const weeks = new Set<string>();
  const keep: T[] = [];
  const drop: T[] = [];
  for (const b of sorted) {
    let kept = false;
    const d = day(b.createdAt);
    if (!days.has(d) && days.size < policy.daily) {
      days.add(d);
      kept = true;
    }
    const w = isoWeek(b.createdAt);
    if (!weeks.has(w) && weeks.size < policy.weekly) {
      weeks.add(w);
      kept = true;
    }
    // A day or week already has its newest backup: older ones of it only mark the bucket as seen.
    days.add(d);
    weeks.add(w);
    (kept ? keep : drop).push(b);
  }
  return { keep, drop };
}
