import type { MoreMetric, selectTiles } from './query.ts';

type TileRow = Awaited<ReturnType<ReturnType<typeof selectTiles>['executeTakeFirstOrThrow']>>;

const metricOut = (
  m: Pick<MoreMetric, 'key' | 'name' | 'unit' | 'currency' | 'aggregation' | 'direction' | 'formula'>,
) => ({
  key: m.key,
  name: m.name,
  unit: m.unit,
  currency: m.currency,
  aggregation: m.aggregation,
  direction: m.direction,
  formula: m.formula !== null,
});

/** Number cards take one column of four; charts and tables two, unless the tile says otherwise. */
const tileWidth = (kind: string, width: number | null) => width ?? (kind === 'number' ? 1 : 2);

/** A tile as procedures return it: its settings and what the UI needs to format its metrics. */
export function toTile(r: TileRow) {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    position: r.position,
    showPrevious: r.showPrevious,
    showTarget: r.showTarget,
    width: tileWidth(r.kind, r.width),
    range: r.range,
    grain: r.grain,
    compareTo: r.compareTo,
    metric: metricOut({
      key: r.metricKey,
      name: r.metricName,
      unit: r.unit,
      currency: r.currency,
      aggregation: r.aggregation,
      direction: r.direction,
      formula: r.formula,
    }),
    more: (r.more ?? []).map(metricOut),
  };
}
