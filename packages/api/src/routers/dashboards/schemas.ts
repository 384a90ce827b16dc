import { z } from 'zod';
import type { TilePoint } from '../../dashboards/tile-data.ts';
import { RANGE_PRESETS as RANGES } from '../../shared/constants.ts';
import { TEMPLATE_IDS } from './templates.ts';
import { AGGREGATIONS, DIRECTIONS, grainSchema, localDateSchema, metricKeySchema, UNITS } from '../metrics/schemas.ts';

export { grainSchema };

export const MAX_TILES = 24;
export const MAX_DASHBOARDS = 100;
/** Metrics on one line or bar chart: the first plus up to three more. */
const MAX_TILE_METRICS = 4;
const TILE_KINDS = ['number', 'line', 'bar', 'table'] as const;
const COMPARISONS = ['previous_period', 'previous_year'] as const;

export const dashboardIdSchema = z.uuid('Dashboard id must be a UUID');
export const tileIdSchema = z.uuid('Tile id must be a UUID');
export const rangeSchema = z.enum(RANGES, { error: `Range is one of ${RANGES.join(', ')}` });
const tileKindSchema = z.enum(TILE_KINDS, { error: 'Tile kind is one of number, line, bar, table' });
const comparisonSchema = z.enum(COMPARISONS, { error: 'Comparison is previous_period or previous_year' });
const widthSchema = z.union([z.literal(1), z.literal(2)], { error: 'A tile is 1 or 2 columns wide' });
const moreMetricKeysSchema = z
  .array(metricKeySchema)
  .max(MAX_TILE_METRICS - 1, `A chart shows at most ${MAX_TILE_METRICS} metrics`);
const dashboardNameSchema = z
  .string({ error: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(100, 'Name is at most 100 characters');
const titleSchema = z.string().trim().max(100, 'A tile title is at most 100 characters');

export const createDashboardInput = z.object({
  name: dashboardNameSchema,
  range: rangeSchema.default('90d'),
  grain: grainSchema.default('week'),
});

export const updateDashboardInput = z.object({
  id: dashboardIdSchema,
  name: dashboardNameSchema.optional(),
  range: rangeSchema.optional(),
  grain: grainSchema.optional(),
  /** Only true: a default is replaced by making another dashboard the default. */
  makeDefault: z.literal(true, { error: 'makeDefault can only be true' }).optional(),
});

export const addTileInput = z.object({
  dashboardId: dashboardIdSchema,
  metricKey: metricKeySchema,
  kind: tileKindSchema,
  title: titleSchema.optional(),
  showPrevious: z.boolean().default(true),
  showTarget: z.boolean().default(true),
  /** Line and bar charts only: more metrics on the same chart. */
  moreMetricKeys: moreMetricKeysSchema.default([]),
});

/**
 * Changes a tile in place: whatever is given changes, the rest stays. `range` and `grain` null
 * make the tile follow the dashboard's pickers again; `title` empty falls back to the metric name.
 */
export const updateTileInput = z.object({
  dashboardId: dashboardIdSchema,
  tileId: tileIdSchema,
  metricKey: metricKeySchema.optional(),
  moreMetricKeys: moreMetricKeysSchema.optional(),
  kind: tileKindSchema.optional(),
  title: titleSchema.optional(),
  range: rangeSchema.nullable().optional(),
  grain: grainSchema.nullable().optional(),
  compareTo: comparisonSchema.optional(),
  showPrevious: z.boolean().optional(),
  showTarget: z.boolean().optional(),
  width: widthSchema.optional(),
});

export const createFromTemplateInput = z.object({
  template: z.enum(TEMPLATE_IDS, { error: `Template is one of ${TEMPLATE_IDS.join(', ')}` }),
  name: dashboardNameSchema.optional(),
});

export const duplicateDashboardInput = z.object({ id: dashboardIdSchema, name: dashboardNameSchema.optional() });

export const reorderTilesInput = z.object({
  dashboardId: dashboardIdSchema,
  tileIds: z
    .array(tileIdSchema)
    .min(1, 'Give the tiles in their new order')
    .max(MAX_TILES, `A dashboard has at most ${MAX_TILES} tiles`),
});

/** A view is a range preset or custom dates (both), not both. */
export function customRangeRules(
  v: { range?: string | undefined; from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
) {
  if ((v.from === undefined) !== (v.to === undefined))
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'A custom range needs both "from" and "to"' });
  if (v.from && v.range)
    ctx.addIssue({
      code: 'custom',
      path: ['range'],
      message: 'Give either a range preset or "from" and "to", not both',
    });
}

export const dashboardDataInput = z
  .object({
    /** Without an id: the organization's default dashboard. */
    id: dashboardIdSchema.optional(),
    range: rangeSchema.optional(),
    from: localDateSchema.optional(),
    to: localDateSchema.optional(),
    grain: grainSchema.optional(),
  })
  .superRefine(customRangeRules);

export const dashboardOutput = z.object({
  id: z.string(),
  name: z.string(),
  range: rangeSchema,
  grain: grainSchema,
  isDefault: z.boolean(),
  tileCount: z.number(),
  updatedAt: z.date(),
});

export const tileMetricOutput = z.object({
  key: z.string(),
  name: z.string(),
  unit: z.enum(UNITS),
  currency: z.string().nullable(),
  aggregation: z.enum(AGGREGATIONS),
  direction: z.enum(DIRECTIONS),
  formula: z.boolean(),
});

export const tileOutput = z.object({
  id: z.string(),
  kind: tileKindSchema,
  title: z.string().nullable(),
  position: z.number(),
  showPrevious: z.boolean(),
  showTarget: z.boolean(),
  /** Columns of the four-column grid, resolved (number cards 1, charts and tables 2 unless set). */
  width: z.number(),
  /** The tile's own range and grain; null: the dashboard's pickers. */
  range: rangeSchema.nullable(),
  grain: grainSchema.nullable(),
  compareTo: comparisonSchema,
  metric: tileMetricOutput,
  /** The second to fourth metric of a chart. */
  more: z.array(tileMetricOutput),
});

const finiteOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
const POINT_FIELDS = 6;
function isPoint(p: unknown): p is TilePoint {
  if (typeof p !== 'object' || p === null) return false;
  const x = p as Record<string, unknown>;
  return (
    typeof x.start === 'string' &&
    typeof x.end === 'string' &&
    typeof x.partial === 'boolean' &&
    finiteOrNull(x.value) &&
    finiteOrNull(x.previous) &&
    finiteOrNull(x.target) &&
    Object.keys(x).length === POINT_FIELDS
  );
}
/**
 * Point arrays that passed the check and cannot change: frozen, of frozen points holding only
 * strings, booleans and numbers. Series kept in memory (docs/decisions/0135) are handed out again
 * and again; they are checked once.
 */
const checkedPoints = new WeakSet<readonly TilePoint[]>();

function arePoints(v: unknown): v is TilePoint[] {
  if (!Array.isArray(v)) return false;
  if (checkedPoints.has(v)) return true;
  let frozen = Object.isFrozen(v);
  for (const p of v) {
    if (!isPoint(p)) return false;
    frozen &&= Object.isFrozen(p);
  }
  if (frozen) checkedPoints.add(v);
  return true;
}

/**
 * A series' points, checked field by field as they are, not copied: a dashboard answers tens of
 * thousands of them, and zod's object parse (a new object per point) cost about as much as
 * computing them (docs/decisions/0135). A field too many is refused rather than stripped.
 */
const pointsOutput = z.custom<TilePoint[]>(arePoints, 'Invalid series points');

const status = z.enum(['on_track', 'at_risk', 'off_track', 'no_data']);
export const seriesDataOutput = z.object({
  total: z.number().nullable(),
  previousTotal: z.number().nullable(),
  change: z.number().nullable(),
  points: pointsOutput,
  target: z
    .object({
      period: z.object({ start: z.string(), end: z.string() }),
      complete: z.boolean(),
      actual: z.number().nullable(),
      target: z.number(),
      attainment: z.number().nullable(),
      forecast: z.number().nullable(),
      forecastAttainment: z.number().nullable(),
      status,
    })
    .nullable(),
});

const viewOutput = z.object({
  preset: rangeSchema.nullable(),
  from: z.string(),
  to: z.string(),
  previousFrom: z.string(),
  previousTo: z.string(),
});

export const annotationOutput = z.object({
  id: z.string(),
  date: z.string(),
  body: z.string(),
  /** The metric it was written on, or null for a note on the dashboard. */
  metricKey: z.string().nullable(),
});

/** A tile with its data: the range and grain it shows (its own, or the dashboard's), and notes in that range. */
export const tileDataOutput = tileOutput.extend({
  view: viewOutput.extend({ grain: grainSchema }),
  data: seriesDataOutput,
  moreData: z.array(seriesDataOutput),
  annotations: z.array(annotationOutput),
});

const dashboardDataOutput = z.object({
  dashboard: dashboardOutput.nullable(),
  range: viewOutput,
  grain: grainSchema,
  timezone: z.string(),
  tiles: z.array(tileDataOutput),
});

/**
 * dashboards.get's output validator. tRPC validates a zod schema with parseAsync, and zod 4 runs
 * its compiled object parser only synchronously; on a year of daily points per tile the async path
 * took ~10x longer than the whole computation behind it. tRPC calls a function validator as is.
 */
export const parseDashboardData = (value: unknown) => dashboardDataOutput.parse(value);
