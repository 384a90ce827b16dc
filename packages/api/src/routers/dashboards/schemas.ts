import { z } from 'zod';
import { RANGE_PRESETS as RANGES } from '../../shared/constants.ts';
import { AGGREGATIONS, DIRECTIONS, grainSchema, localDateSchema, metricKeySchema, UNITS } from '../metrics/schemas.ts';

export const MAX_TILES = 24;
export const MAX_DASHBOARDS = 100;
const TILE_KINDS = ['number', 'line', 'bar', 'table'] as const;

export const dashboardIdSchema = z.uuid('Dashboard id must be a UUID');
export const tileIdSchema = z.uuid('Tile id must be a UUID');
const rangeSchema = z.enum(RANGES, { error: `Range is one of ${RANGES.join(', ')}` });
const tileKindSchema = z.enum(TILE_KINDS, { error: 'Tile kind is one of number, line, bar, table' });
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
});

export const reorderTilesInput = z.object({
  dashboardId: dashboardIdSchema,
  tileIds: z
    .array(tileIdSchema)
    .min(1, 'Give the tiles in their new order')
    .max(MAX_TILES, `A dashboard has at most ${MAX_TILES} tiles`),
});

export const dashboardDataInput = z
  .object({
    /** Without an id: the organization's default dashboard. */
    id: dashboardIdSchema.optional(),
    range: rangeSchema.optional(),
    from: localDateSchema.optional(),
    to: localDateSchema.optional(),
    grain: grainSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.from === undefined) !== (v.to === undefined))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'A custom range needs both "from" and "to"' });
    if (v.from && v.range)
      ctx.addIssue({
        code: 'custom',
        path: ['range'],
        message: 'Give either a range preset or "from" and "to", not both',
      });
  });

export const dashboardOutput = z.object({
  id: z.string(),
  name: z.string(),
  range: rangeSchema,
  grain: grainSchema,
  isDefault: z.boolean(),
  tileCount: z.number(),
  updatedAt: z.date(),
});

export const tileOutput = z.object({
  id: z.string(),
  kind: tileKindSchema,
  title: z.string().nullable(),
  position: z.number(),
  showPrevious: z.boolean(),
  showTarget: z.boolean(),
  metric: z.object({
    key: z.string(),
    name: z.string(),
    unit: z.enum(UNITS),
    currency: z.string().nullable(),
    aggregation: z.enum(AGGREGATIONS),
    direction: z.enum(DIRECTIONS),
    formula: z.boolean(),
  }),
});

const status = z.enum(['on_track', 'at_risk', 'off_track', 'no_data']);
const seriesDataOutput = z.object({
  total: z.number().nullable(),
  previousTotal: z.number().nullable(),
  change: z.number().nullable(),
  points: z.array(
    z.object({
      start: z.string(),
      end: z.string(),
      partial: z.boolean(),
      value: z.number().nullable(),
      previous: z.number().nullable(),
      target: z.number().nullable(),
    }),
  ),
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

const dashboardDataOutput = z.object({
  dashboard: dashboardOutput.nullable(),
  range: z.object({
    preset: rangeSchema.nullable(),
    from: z.string(),
    to: z.string(),
    previousFrom: z.string(),
    previousTo: z.string(),
  }),
  grain: grainSchema,
  timezone: z.string(),
  tiles: z.array(tileOutput.extend({ data: seriesDataOutput })),
});

/**
 * dashboards.get's output validator. tRPC validates a zod schema with parseAsync, and zod 4 runs
 * its compiled object parser only synchronously; on a year of daily points per tile the async path
 * took ~10x longer than the whole computation behind it. tRPC calls a function validator as is.
 */
export const parseDashboardData = (value: unknown) => dashboardDataOutput.parse(value);
