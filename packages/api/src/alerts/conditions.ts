import { z } from 'zod';
import type { Grain } from '../metrics/periods.ts';

/**
 * The five kinds of rule and their parameters. The same schemas parse a rule when it is saved (the
 * procedures) and when it is evaluated (the worker reads `alert_rules.condition` back through them),
 * so a stored condition the evaluator would misread cannot exist. Bounds keep the work a rule
 * causes small: the anomaly window is capped per grain (ANOMALY_MAX_WINDOW).
 */
export const RULE_KINDS = ['threshold', 'change', 'stale', 'pace', 'anomaly'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

const LIMIT = 1e15;
const finite = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .refine((v) => Number.isFinite(v) && Math.abs(v) <= LIMIT, `${what} must be between -1e15 and 1e15`);

const thresholdCondition = z.object({
  op: z.enum(['above', 'below'], { error: 'Choose above or below' }),
  value: finite('The threshold'),
});

const changeCondition = z.object({
  direction: z.enum(['up', 'down'], { error: 'Choose up or down' }),
  by: z
    .number({ error: 'The change must be a number' })
    .positive('The change must be more than 0')
    .max(LIMIT, 'The change must be at most 1e15'),
  unit: z.enum(['percent', 'absolute'], { error: 'The change is in percent or absolute' }),
  compareTo: z.enum(['previous', 'year_ago'], {
    error: 'Compare with the previous period or the same period last year',
  }),
});

const staleCondition = z.object({
  unit: z.enum(['periods', 'hours'], { error: 'Stale after a number of periods or of hours' }),
  count: z
    .number({ error: 'The count must be a whole number' })
    .int('The count must be a whole number')
    .min(1, 'The count must be at least 1')
    .max(2000, 'The count must be at most 2000'),
});

const paceCondition = z.object({
  missBy: z
    .number({ error: 'The miss must be a number of percent' })
    .min(0, 'The miss must be 0 % or more')
    .max(100, 'The miss must be at most 100 %'),
  /** How much of the period must have passed before a forecast is trusted. */
  minElapsed: z
    .number({ error: 'The elapsed share must be a number of percent' })
    .min(0, 'The elapsed share must be 0 % or more')
    .max(100, 'The elapsed share must be at most 100 %')
    .default(20),
});

/** Most trailing periods an anomaly band reads, per grain (about two years of days at most). */
const ANOMALY_MAX_WINDOW: Record<Grain, number> = { day: 90, week: 52, month: 36, quarter: 12 };

const anomalyCondition = z.object({
  k: z
    .number({ error: 'k must be a number' })
    .min(0.5, 'k must be at least 0.5')
    .max(20, 'k must be at most 20')
    .default(3),
  window: z
    .number({ error: 'The window must be a whole number of periods' })
    .int('The window must be a whole number of periods')
    .min(3, 'The window must be at least 3 periods')
    .max(90, 'The window must be at most 90 periods'),
  minHistory: z
    .number({ error: 'The minimum history must be a whole number of periods' })
    .int('The minimum history must be a whole number of periods')
    .min(3, 'The minimum history must be at least 3 periods')
    .max(90, 'The minimum history must be at most 90 periods'),
});

/** A rule's kind with its parameters, as the API takes it and the evaluator reads it. */
export const conditionSchema = z
  .discriminatedUnion(
    'kind',
    [
      thresholdCondition.extend({ kind: z.literal('threshold') }),
      changeCondition.extend({ kind: z.literal('change') }),
      staleCondition.extend({ kind: z.literal('stale') }),
      paceCondition.extend({ kind: z.literal('pace') }),
      anomalyCondition.extend({ kind: z.literal('anomaly') }),
    ],
    { error: 'Condition kind is one of threshold, change, stale, pace, anomaly' },
  )
  .refine((c) => c.kind !== 'anomaly' || c.minHistory <= c.window, {
    message: 'The minimum history cannot be longer than the window',
    path: ['minHistory'],
  });

export type Condition = z.infer<typeof conditionSchema>;

/** Checks that depend on the grain (the anomaly window's cap); null when the pair is fine. */
export function conditionProblem(condition: Condition, grain: Grain): string | null {
  if (condition.kind === 'anomaly' && condition.window > ANOMALY_MAX_WINDOW[grain])
    return `With a ${grain} grain the window is at most ${ANOMALY_MAX_WINDOW[grain]} periods`;
  return null;
}

/** The stored form: the parameters without the kind (which has its own column). */
export function storedCondition(condition: Condition): Record<string, string | number> {
  const { kind: _kind, ...params } = condition;
  return params;
}

/** Reads a stored condition back; null when it no longer parses (it is then skipped, not guessed at). */
export function readCondition(kind: RuleKind, stored: unknown): Condition | null {
  const parsed = conditionSchema.safeParse({ ...(stored as object), kind });
  return parsed.success ? parsed.data : null;
}
