/**
 * Throughput measurement for ratios on a shared, noisy machine: the baseline and the candidate run
 * in alternating rounds in the same process, and the ratio of their medians is reported.
 */
export interface RoundResult {
  opsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** `concurrency` callers run `op` back to back for `durationMs`: throughput and latency percentiles. */
export async function runFor(
  durationMs: number,
  concurrency: number,
  op: () => Promise<unknown>,
): Promise<RoundResult> {
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await op();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = performance.now() - start;
  latencies.sort((a, b) => a - b);
  const pick = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { opsPerSec: (latencies.length / elapsed) * 1000, p50Ms: pick(0.5), p95Ms: pick(0.95), p99Ms: pick(0.99) };
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function compare(opts: {
  rounds: number;
  durationMs: number;
  concurrency: number;
  baseline: () => Promise<unknown>;
  candidate: () => Promise<unknown>;
  warmupMs?: number;
}) {
  await runFor(opts.warmupMs ?? 1000, opts.concurrency, opts.baseline);
  await runFor(opts.warmupMs ?? 1000, opts.concurrency, opts.candidate);
  const base: RoundResult[] = [];
  const cand: RoundResult[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    base.push(await runFor(opts.durationMs, opts.concurrency, opts.baseline));
    cand.push(await runFor(opts.durationMs, opts.concurrency, opts.candidate));
  }
  const b = median(base.map((r) => r.opsPerSec));
  const c = median(cand.map((r) => r.opsPerSec));
  return { baseline: { opsPerSec: b, rounds: base }, candidate: { opsPerSec: c, rounds: cand }, ratio: c / b };
}
