import { z } from 'zod';
import {
  addTileInput,
  createDashboardInput,
  createFromTemplateInput,
  updateDashboardInput,
  updateTileInput,
  createShareLinkInput,
  createAnnotationInput,
} from '@mfiq/api/shared';

/*
 * The dashboard pages' forms, each the procedure's own input schema without what the page
 * supplies (organization, dashboard and tile ids). Conform parses the same schema in the browser
 * and in the action, so a field's message comes from one place. Only what a form cannot express
 * differs: an empty choice, a list typed one per line, a number from a select.
 */

const followsDashboard = <T extends z.ZodType>(schema: T) => schema.optional().transform((v) => v ?? null);

export const newDashboardForm = createDashboardInput;
export const dashboardSettingsForm = updateDashboardInput.omit({ id: true, makeDefault: true });
export const templateForm = createFromTemplateInput;

export const addTileForm = addTileInput.omit({ dashboardId: true }).extend({
  showPrevious: z.boolean().default(false),
  showTarget: z.boolean().default(false),
});

/** Empty range or grain: the tile follows the dashboard's pickers again. */
export const tileForm = updateTileInput.omit({ dashboardId: true, tileId: true }).extend({
  range: followsDashboard(updateTileInput.shape.range.unwrap().unwrap()),
  grain: followsDashboard(updateTileInput.shape.grain.unwrap().unwrap()),
  moreMetricKeys: updateTileInput.shape.moreMetricKeys.unwrap().default([]),
  title: updateTileInput.shape.title.unwrap().default(''),
  width: z.coerce.number().pipe(updateTileInput.shape.width.unwrap()),
  showPrevious: z.boolean().default(false),
  showTarget: z.boolean().default(false),
});

/** Origins typed one per line (or separated by spaces or commas). */
const originLines = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean));

export const shareForm = createShareLinkInput.omit({ dashboardId: true }).extend({
  expiresOn: createShareLinkInput.shape.expiresOn
    .unwrap()
    .unwrap()
    .optional()
    .transform((v) => v ?? null),
  embedOrigins: originLines.pipe(createShareLinkInput.shape.embedOrigins.unwrap()),
});

export const noteForm = createAnnotationInput;
