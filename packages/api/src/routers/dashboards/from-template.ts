import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { insertDashboard } from './create.ts';
import { findDashboard } from './query.ts';
import { createFromTemplateInput, dashboardOutput } from './schemas.ts';
import { templateMatches, templateTiles } from './templates.ts';

/** The templates this organization's metric catalog can fill, with the metrics each would show. */
export const templates = tenantProcedure
  .meta(requirePermission('dashboards:read'))
  .output(
    z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        description: z.string(),
        metrics: z.array(z.object({ key: z.string(), name: z.string() })),
      }),
    ),
  )
  .query(async ({ ctx }) =>
    (await templateMatches(ctx.db, ctx.tenant.id))
      .filter((t) => t.metrics.length)
      .map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description,
        metrics: t.metrics.map((m) => ({ key: m.key, name: m.name })),
      })),
  );

/** A new dashboard from a template, tiled with the organization's matching metrics. */
export const createFromTemplate = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(createFromTemplateInput)
  .output(dashboardOutput)
  .mutation(async ({ ctx, input }) => {
    const template = (await templateMatches(ctx.db, ctx.tenant.id)).find((t) => t.id === input.template)!;
    if (!template.metrics.length)
      throw new AppError('INVALID', `No metric of this organization fits the "${template.name}" template yet`, {
        fieldErrors: { template: ['No matching metrics'] },
      });
    const name = input.name ?? template.name;
    const id = await insertDashboard(ctx.db, ctx.tenant.id, { name, range: '90d', grain: 'week' });
    await ctx.db
      .insertInto('dashboardTiles')
      .values(templateTiles(template.metrics).map((t) => ({ ...t, tenantId: ctx.tenant.id, dashboardId: id })))
      .execute();
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, id);
    await audit(ctx, {
      action: 'dashboard.created',
      target: { type: 'dashboard', id, display: name },
      after: {
        name,
        template: template.id,
        metrics: template.metrics.map((m) => m.key),
        isDefault: dashboard.isDefault,
      },
    });
    return dashboard;
  });
