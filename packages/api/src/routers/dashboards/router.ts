import { router } from '../../trpc.ts';
import { addTile } from './add-tile.ts';
import { create } from './create.ts';
import { remove } from './delete.ts';
import { duplicate } from './duplicate.ts';
import { createFromTemplate, templates } from './from-template.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { metricChart } from './metric-chart.ts';
import { removeTile } from './remove-tile.ts';
import { reorderTiles } from './reorder-tiles.ts';
import { update } from './update.ts';
import { updateTile } from './update-tile.ts';

export const dashboardsRouter = router({
  list,
  get,
  create,
  update,
  delete: remove,
  duplicate,
  templates,
  createFromTemplate,
  addTile,
  updateTile,
  removeTile,
  reorderTiles,
  metricChart,
});
