import type { selectTiles } from './query.ts';

type TileRow = Awaited<ReturnType<ReturnType<typeof selectTiles>['executeTakeFirstOrThrow']>>;

/** A tile as procedures return it: its settings and what the UI needs to format its metric. */
export function toTile(r: TileRow) {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    position: r.position,
    showPrevious: r.showPrevious,
    showTarget: r.showTarget,
    metric: {
      key: r.metricKey,
      name: r.metricName,
      unit: r.unit,
      currency: r.currency,
      aggregation: r.aggregation,
      direction: r.direction,
      formula: r.formula !== null,
    },
  };
}
