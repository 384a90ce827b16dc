import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { loadDashboard } from '../components/dashboard/load.server.ts';
import { KIND_LABEL } from '../components/dashboard/tiles.tsx';
import { DashboardGrid, DashboardHeader, GRAIN_OPTIONS, RANGE_OPTIONS } from '../components/dashboard/view.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(dashboardStyles);

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d?.data.dashboard ? `${d.data.dashboard.name} · Metric Flow IQ` : 'Dashboard · Metric Flow IQ' },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  // Not a dashboard id: the same 404 as another organization's dashboard.
  if (!UUID.test(id)) throw data({ message: 'Page not found' }, { status: 404 });
  return callApi(args, async (api) => {
    const [{ data: dash, notice }, metrics] = await Promise.all([
      loadDashboard(api, slug, id, new URL(args.request.url)),
      api.metrics.list({ slug, limit: 1000 }),
    ]);
    return { data: dash, notice, metrics: metrics.map((m) => ({ key: m.key, name: m.name })) };
  });
}

const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const form = await args.request.formData();
  const intent = text(form, 'intent');
  const { caller } = await serverApi(args);
  try {
    switch (intent) {
      case 'update':
        await caller.dashboards.update({
          slug,
          id,
          name: text(form, 'name'),
          range: text(form, 'range') as '90d',
          grain: text(form, 'grain') as 'week',
        });
        return { intent, ok: true, message: 'Dashboard saved.' };
      case 'make-default':
        await caller.dashboards.update({ slug, id, makeDefault: true });
        return { intent, ok: true, message: 'This is now the organization’s home dashboard.' };
      case 'delete':
        await caller.dashboards.delete({ slug, id });
        return redirect(`/orgs/${slug}/dashboards`);
      case 'add-tile':
        await caller.dashboards.addTile({
          slug,
          dashboardId: id,
          metricKey: text(form, 'metricKey'),
          kind: text(form, 'kind') as 'line',
          title: text(form, 'title') || undefined,
          showPrevious: form.get('showPrevious') === 'on',
          showTarget: form.get('showTarget') === 'on',
        });
        return { intent, ok: true, message: 'Tile added.' };
      case 'remove-tile':
        await caller.dashboards.removeTile({ slug, dashboardId: id, tileId: text(form, 'tileId') });
        return { intent, ok: true, message: 'Tile removed.' };
      case 'move-up':
      case 'move-down': {
        // The order the page showed; a stale one is refused by the API (someone else edited).
        const order = text(form, 'order').split(',').filter(Boolean);
        const i = order.indexOf(text(form, 'tileId'));
        const j = intent === 'move-up' ? i - 1 : i + 1;
        if (i < 0 || j < 0 || j >= order.length)
          return data({ intent, ok: false, message: 'That tile cannot move further.' }, { status: 400 });
        [order[i], order[j]] = [order[j]!, order[i]!];
        await caller.dashboards.reorderTiles({ slug, dashboardId: id, tileIds: order });
        return { intent, ok: true, message: 'Tiles reordered.' };
      }
      default:
        return data({ intent, ok: false, message: 'Unknown action.' }, { status: 400 });
    }
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data(
      {
        intent,
        ok: false,
        message: errors.formError ?? 'Check the highlighted fields.',
        fieldErrors: errors.fieldErrors,
      },
      { status: 400 },
    );
  }
}

export default function DashboardPage() {
  const { data: dash, notice, metrics } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  if (!org || !dash.dashboard) return null;
  const slug = org.organization.slug;
  const board = dash.dashboard;
  const canEdit = org.permissions.includes('dashboards:write');
  const fe: Record<string, string[]> =
    (result && 'fieldErrors' in result ? (result.fieldErrors as Record<string, string[]>) : undefined) ?? {};
  const order = dash.tiles.map((t) => t.id).join(',');
  const say = (intents: string[]) =>
    result && intents.includes(result.intent) && 'message' in result ? (
      <FormAlert tone={result.ok ? 'success' : 'error'}>{result.message}</FormAlert>
    ) : null;

  const tileActions = canEdit
    ? (tile: { id: string; title: string | null; metric: { name: string } }, i: number) => (
        <Form method="post" className="tile__actions" preventScrollReset>
          <input type="hidden" name="tileId" value={tile.id} />
          <input type="hidden" name="order" value={order} />
          <button
            type="submit"
            name="intent"
            value="move-up"
            className="icon-button"
            disabled={busy || i === 0}
            aria-label={`Move ${tile.title ?? tile.metric.name} earlier`}
            title="Move earlier"
          >
            ↑
          </button>
          <button
            type="submit"
            name="intent"
            value="move-down"
            className="icon-button"
            disabled={busy || i === dash.tiles.length - 1}
            aria-label={`Move ${tile.title ?? tile.metric.name} later`}
            title="Move later"
          >
            ↓
          </button>
          <button
            type="submit"
            name="intent"
            value="remove-tile"
            className="icon-button icon-button--danger"
            disabled={busy}
            aria-label={`Remove ${tile.title ?? tile.metric.name}`}
            title="Remove tile"
          >
            ×
          </button>
        </Form>
      )
    : undefined;

  return (
    <div className="dashboard stack">
      <p>
        <Link to={`/orgs/${slug}/dashboards`}>← All dashboards</Link>
      </p>
      <div>
        <DashboardHeader data={dash}>
          {board.isDefault ? <span className="badge badge--brand">Home dashboard</span> : null}
        </DashboardHeader>
        {notice ? <FormAlert>{notice}</FormAlert> : null}
        {say(['move-up', 'move-down', 'remove-tile'])}
      </div>
      {dash.tiles.length ? (
        <DashboardGrid data={dash} tileActions={tileActions} />
      ) : (
        <p className="panel muted">No tiles yet.{canEdit ? ' Add the first one below.' : ''}</p>
      )}
      {canEdit ? (
        <div className="dashboard-edit">
          <section className="panel" aria-labelledby="add-tile-title">
            <h2 id="add-tile-title" className="panel__title">
              Add a tile
            </h2>
            {say(['add-tile'])}
            {metrics.length ? (
              <Form method="post" className="form" noValidate preventScrollReset>
                <SelectField
                  name="metricKey"
                  label="Metric"
                  options={metrics.map((m) => ({ value: m.key, label: m.name }))}
                  errors={fe.metricKey}
                />
                <SelectField
                  name="kind"
                  label="Show as"
                  defaultValue="line"
                  options={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
                  errors={fe.kind}
                />
                <TextField
                  name="title"
                  label="Title (optional)"
                  maxLength={100}
                  hint="Defaults to the metric's name."
                  errors={fe.title}
                />
                <div>
                  <label className="checkbox">
                    <input type="checkbox" name="showPrevious" defaultChecked /> Compare with the previous period
                  </label>
                  <label className="checkbox">
                    <input type="checkbox" name="showTarget" defaultChecked /> Show the target
                  </label>
                </div>
                <div className="form__actions">
                  <button type="submit" name="intent" value="add-tile" className="button" disabled={busy}>
                    Add tile
                  </button>
                </div>
              </Form>
            ) : (
              <p className="muted">
                Define a metric first: <Link to={`/orgs/${slug}/metrics`}>Metrics</Link>.
              </p>
            )}
          </section>
          <section className="panel" aria-labelledby="settings-title">
            <h2 id="settings-title" className="panel__title">
              Dashboard settings
            </h2>
            {say(['update', 'make-default', 'delete'])}
            <Form method="post" className="form" noValidate key={`${board.name}|${board.range}|${board.grain}`}>
              <TextField name="name" label="Name" required maxLength={100} defaultValue={board.name} errors={fe.name} />
              <SelectField
                name="range"
                label="Default date range"
                defaultValue={board.range}
                options={RANGE_OPTIONS.map((o) => ({ ...o }))}
                errors={fe.range}
              />
              <SelectField
                name="grain"
                label="Default grain"
                defaultValue={board.grain}
                options={GRAIN_OPTIONS.map((o) => ({ ...o }))}
                errors={fe.grain}
              />
              <div className="form__actions">
                <button type="submit" name="intent" value="update" className="button" disabled={busy}>
                  Save dashboard
                </button>
              </div>
            </Form>
            <div className="form__actions dashboard-edit__danger">
              {!board.isDefault ? (
                <Form method="post">
                  <button
                    type="submit"
                    name="intent"
                    value="make-default"
                    className="button button--quiet"
                    disabled={busy}
                  >
                    Make home dashboard
                  </button>
                </Form>
              ) : null}
              <Form
                method="post"
                onSubmit={(e) => {
                  if (!window.confirm(`Delete the dashboard "${board.name}"? Its metrics and data stay.`))
                    e.preventDefault();
                }}
              >
                <button type="submit" name="intent" value="delete" className="button button--danger" disabled={busy}>
                  Delete dashboard
                </button>
              </Form>
            </div>
          </section>
        </div>
      ) : null}
    </div>
  );
}
