import { getFormProps, type SubmissionResult } from '@conform-to/react';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import {
  Form,
  Link,
  useActionData,
  useLoaderData,
  useLocation,
  useNavigation,
  useRouteLoaderData,
} from '@remix-run/react';
import { useState, type DragEvent, type KeyboardEvent } from 'react';
import { z } from 'zod';
import { annotationIdSchema, reorderTilesInput, shareLinkIdSchema, tileIdSchema } from '@mfiq/api/shared';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { addTileForm, dashboardSettingsForm, shareForm, tileForm, noteForm } from '../components/dashboard/forms.ts';
import { loadDashboard } from '../components/dashboard/load.server.ts';
import { NotesPanel } from '../components/dashboard/notes-panel.tsx';
import { SharePanel } from '../components/dashboard/share-panel.tsx';
import { TileEditor } from '../components/dashboard/tile-editor.tsx';
import { KIND_LABEL, type TileData } from '../components/dashboard/tiles.tsx';
import { useLiveTiles } from '../components/dashboard/use-live-tiles.ts';
import { DashboardGrid, DashboardHeader, GRAIN_OPTIONS, RANGE_OPTIONS } from '../components/dashboard/view.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { useApiForm } from '../lib/forms.ts';
import { callApi, isTrpcError, type Caller } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(dashboardStyles);

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d?.data.dashboard ? `${d.data.dashboard.name} · Metric Flow IQ` : 'Dashboard · Metric Flow IQ' },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Editors' extras: share links (dashboards:write); a viewer's FORBIDDEN just means none. */
async function shareLinks(api: Caller, slug: string, dashboardId: string) {
  try {
    return await api.shares.list({ slug, dashboardId });
  } catch (error) {
    if (isTrpcError(error) && error.code === 'FORBIDDEN') return null;
    throw error;
  }
}

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  // Not a dashboard id: the same 404 as another organization's dashboard.
  if (!UUID.test(id)) throw data({ message: 'Page not found' }, { status: 404 });
  return callApi(args, async (api) => {
    const [{ data: dash, notice }, metrics, notes, links] = await Promise.all([
      loadDashboard(api, slug, id, new URL(args.request.url)),
      api.metrics.list({ slug, limit: 1000 }),
      api.annotations.list({ slug, dashboardId: id }),
      shareLinks(api, slug, id),
    ]);
    return { data: dash, notice, metrics: metrics.map((m) => ({ key: m.key, name: m.name })), notes, links };
  });
}

type ActionResult = {
  intent: string;
  tileId?: string;
  reply?: SubmissionResult<string[]>;
  ok?: boolean;
  message?: string;
  share?: { url: string; label: string };
};

/** The tile order the page showed, one hidden field; a stale one is refused by the API. */
const shownOrder = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').filter(Boolean))
  .pipe(reorderTilesInput.shape.tileIds);

/**
 * The page's forms and buttons, told apart by the button pressed (`intent`), each with the fields
 * and ids its procedure takes (the organization and the dashboard come from the address).
 */
const tile = { tileId: tileIdSchema };
const dashboardPageForm = z.discriminatedUnion(
  'intent',
  [
    dashboardSettingsForm.extend({ intent: z.literal('update') }),
    addTileForm.extend({ intent: z.literal('add-tile') }),
    tileForm.extend({ intent: z.literal('update-tile'), ...tile }),
    shareForm.extend({ intent: z.literal('share-create') }),
    // The note's "exactly one of metric or dashboard" refinement stays with it.
    noteForm.safeExtend({ intent: z.literal('note-add') }),
    z.object({ intent: z.enum(['make-default', 'duplicate', 'delete']) }),
    z.object({ intent: z.literal('remove-tile'), ...tile }),
    z.object({ intent: z.literal('resize'), ...tile, width: tileForm.shape.width }),
    z.object({ intent: z.enum(['move-up', 'move-down']), ...tile, order: shownOrder }),
    z.object({ intent: z.enum(['share-rotate', 'share-revoke']), linkId: shareLinkIdSchema }),
    z.object({ intent: z.literal('note-delete'), noteId: annotationIdSchema }),
  ],
  { error: 'Unknown action.' },
);

/** The forms whose errors go on their fields; a button's refusal is one line above what it acts on. */
const FIELD_FORMS = new Set(['update', 'add-tile', 'update-tile', 'share-create', 'note-add']);

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const origin = args.context.publicOrigin ?? new URL(args.request.url).origin;
  const shareUrl = (token: string) => `${origin}/d/${token}`;

  const outcome = await submitForm(
    args,
    dashboardPageForm,
    async (v, api): Promise<Omit<ActionResult, 'reply'> | Response> => {
      const { intent } = v;
      switch (v.intent) {
        case 'update': {
          const { intent: _intent, ...settings } = v;
          await api.dashboards.update({ slug, id, ...settings });
          return { intent, message: 'Dashboard saved.' };
        }
        case 'add-tile': {
          const { intent: _intent, ...newTile } = v;
          await api.dashboards.addTile({ slug, dashboardId: id, ...newTile });
          return { intent, message: 'Tile added.' };
        }
        case 'update-tile': {
          const { intent: _intent, ...changes } = v;
          await api.dashboards.updateTile({ slug, dashboardId: id, ...changes });
          return { intent, tileId: v.tileId, message: 'Tile saved.' };
        }
        case 'share-create': {
          const { intent: _intent, ...link } = v;
          const out = await api.shares.create({ slug, dashboardId: id, ...link });
          return { intent, share: { url: shareUrl(out.token), label: out.link.label } };
        }
        case 'note-add': {
          const { intent: _intent, ...note } = v;
          await api.annotations.create({ slug, ...note });
          return { intent, message: 'Note added.' };
        }
        case 'make-default':
          await api.dashboards.update({ slug, id, makeDefault: true });
          return { intent, message: 'This is now the organization’s home dashboard.' };
        case 'duplicate': {
          const copy = await api.dashboards.duplicate({ slug, id });
          return redirect(`/orgs/${slug}/dashboards/${copy.id}`);
        }
        case 'delete':
          await api.dashboards.delete({ slug, id });
          return redirect(`/orgs/${slug}/dashboards`);
        case 'remove-tile':
          await api.dashboards.removeTile({ slug, dashboardId: id, tileId: v.tileId });
          return { intent, message: 'Tile removed.' };
        case 'resize':
          await api.dashboards.updateTile({ slug, dashboardId: id, tileId: v.tileId, width: v.width });
          return { intent, message: 'Tile resized.' };
        case 'move-up':
        case 'move-down': {
          const order = [...v.order];
          const i = order.indexOf(v.tileId);
          const j = intent === 'move-up' ? i - 1 : i + 1;
          if (i < 0 || j < 0 || j >= order.length)
            return { intent, ok: false, message: 'That tile cannot move further.' };
          [order[i], order[j]] = [order[j]!, order[i]!];
          await api.dashboards.reorderTiles({ slug, dashboardId: id, tileIds: order });
          return { intent, message: 'Tiles reordered.' };
        }
        case 'share-rotate': {
          const out = await api.shares.rotate({ slug, id: v.linkId });
          return { intent, share: { url: shareUrl(out.token), label: out.link.label } };
        }
        case 'share-revoke':
          await api.shares.revoke({ slug, id: v.linkId });
          return { intent, message: 'Link revoked: it no longer opens.' };
        case 'note-delete':
          await api.annotations.delete({ slug, id: v.noteId });
          return { intent, message: 'Note deleted.' };
      }
    },
    { resetOnSuccess: true },
  );
  if (outcome.ok) {
    if (outcome.value instanceof Response) return outcome.value;
    return data<ActionResult>({ ok: true, ...outcome.value, reply: outcome.reply });
  }
  // Refused: the form's own errors go on its fields; a button's become one line.
  const posted = (name: string) => {
    const value = outcome.reply.initialValue?.[name];
    return typeof value === 'string' ? value : '';
  };
  const intent = posted('intent');
  if (FIELD_FORMS.has(intent))
    return data<ActionResult>({ intent, tileId: posted('tileId'), reply: outcome.reply }, { status: 400 });
  const message =
    Object.values(outcome.reply.error ?? {})
      .flat()
      .filter(Boolean)
      .join(' ') || 'That did not work.';
  return data<ActionResult>({ intent, ok: false, message }, { status: 400 });
}

/** Where a tile's exports are: the same view (range and grain from the address) as the page. */
function exportHref(slug: string, dashboardId: string, tileId: string, format: string, search: string) {
  const q = new URLSearchParams(search);
  for (const k of [...q.keys()]) if (!['range', 'grain', 'from', 'to'].includes(k)) q.delete(k);
  q.set('tile', tileId);
  q.set('format', format);
  return `/orgs/${slug}/dashboards/${dashboardId}/export?${q.toString()}`;
}

export default function DashboardPage() {
  const { data: dash, notice, metrics, notes, links } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const { search } = useLocation();
  const board = dash.dashboard;
  const slug = org?.organization.slug ?? '';
  const live = useLiveTiles(slug, board?.id ?? '', dash.tiles);
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const [addForm, addFields] = useApiForm(addTileForm, {
    id: 'add-tile',
    lastResult: result?.intent === 'add-tile' ? result.reply : undefined,
  });
  const [settingsForm, settingsFields] = useApiForm(dashboardSettingsForm, {
    id: 'settings',
    lastResult: result?.intent === 'update' ? result.reply : undefined,
  });
  if (!org || !board) return null;
  const canEdit = org.permissions.includes('dashboards:write');
  const order = live.tiles.map((t) => t.id).join(',');
  const say = (intents: string[]) =>
    result && intents.includes(result.intent) && result.message ? (
      <FormAlert tone={result.ok ? 'success' : 'error'}>{result.message}</FormAlert>
    ) : null;
  const lastFor = (intent: string, tileId?: string) =>
    result?.intent === intent && (tileId === undefined || result.tileId === tileId) ? result.reply : undefined;

  const onKey = (i: number) => (e: KeyboardEvent<HTMLButtonElement>) => {
    const step =
      e.key === 'ArrowUp' || e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowDown' || e.key === 'ArrowRight' ? 1 : 0;
    if (!step) return;
    e.preventDefault();
    live.move(i, i + step);
  };
  const dragProps = (i: number) => ({
    draggable: true,
    onDragStart: (e: DragEvent) => {
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', String(i));
      setDragging(i);
    },
    onDragOver: (e: DragEvent) => {
      if (dragging === null) return;
      e.preventDefault();
      setOver(i);
    },
    onDragLeave: () => setOver((o) => (o === i ? null : o)),
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      if (dragging !== null) live.move(dragging, i);
      setDragging(null);
      setOver(null);
    },
    onDragEnd: () => {
      setDragging(null);
      setOver(null);
    },
    className: [dragging === i ? 'tile--dragging' : '', over === i && dragging !== i ? 'tile--drop' : '']
      .filter(Boolean)
      .join(' '),
  });

  const tileExtras = (tile: TileData, i: number) => {
    const name = tile.title ?? tile.metric.name;
    const exports = (
      <p className="tile-exports">
        {['csv', 'svg', 'png'].map((f) => (
          <a key={f} href={exportHref(slug, board.id, tile.id, f, search)} download data-testid={`export-${f}`}>
            {f.toUpperCase()}
          </a>
        ))}
      </p>
    );
    if (!canEdit) return { footer: exports };
    return {
      frameProps: dragProps(i),
      actions: (
        <Form
          method="post"
          className="tile__actions"
          preventScrollReset
          onSubmit={(e) => {
            // With JavaScript: the tRPC client with an optimistic update; without, the action.
            const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
            const what = submitter?.value;
            if (!what) return;
            e.preventDefault();
            if (what === 'move-up') live.move(i, i - 1);
            else if (what === 'move-down') live.move(i, i + 1);
            else if (what === 'resize') live.resize(tile.id, tile.width === 2 ? 1 : 2);
            else if (what === 'remove-tile') live.remove(tile.id);
          }}
        >
          <input type="hidden" name="tileId" value={tile.id} />
          <input type="hidden" name="order" value={order} />
          <input type="hidden" name="width" value={tile.width === 2 ? '1' : '2'} />
          <button
            type="button"
            className="icon-button tile__handle"
            aria-label={`Reorder ${name}: drag, or focus and use the arrow keys`}
            title="Drag to reorder (or arrow keys)"
            onKeyDown={onKey(i)}
          >
            ⠿
          </button>
          <button
            type="submit"
            name="intent"
            value="move-up"
            className="icon-button"
            disabled={busy || i === 0}
            aria-label={`Move ${name} earlier`}
            title="Move earlier"
          >
            ↑
          </button>
          <button
            type="submit"
            name="intent"
            value="move-down"
            className="icon-button"
            disabled={busy || i === live.tiles.length - 1}
            aria-label={`Move ${name} later`}
            title="Move later"
          >
            ↓
          </button>
          <button
            type="submit"
            name="intent"
            value="resize"
            className="icon-button"
            disabled={busy}
            aria-label={tile.width === 2 ? `Make ${name} one column wide` : `Make ${name} two columns wide`}
            title={tile.width === 2 ? 'Narrower' : 'Wider'}
          >
            {tile.width === 2 ? '⇤' : '⇥'}
          </button>
          <button
            type="submit"
            name="intent"
            value="remove-tile"
            className="icon-button icon-button--danger"
            disabled={busy}
            aria-label={`Remove ${name}`}
            title="Remove tile"
          >
            ×
          </button>
        </Form>
      ),
      footer: (
        <>
          {exports}
          <TileEditor tile={tile} metrics={metrics} lastResult={lastFor('update-tile', tile.id)} busy={busy} />
        </>
      ),
    };
  };

  return (
    <div className="dashboard stack">
      <p>
        <Link to={`/orgs/${slug}/dashboards`} className="dashboard-back">
          ← All dashboards
        </Link>
      </p>
      <div>
        <DashboardHeader data={dash}>
          {board.isDefault ? <span className="badge badge--brand">Home dashboard</span> : null}
          <div className="dashboard-tools">
            <Link to={`/orgs/${slug}/tv?ids=${board.id}`} className="button button--quiet">
              TV mode
            </Link>
            {canEdit ? (
              <Form method="post">
                <button type="submit" name="intent" value="duplicate" className="button button--quiet" disabled={busy}>
                  Duplicate
                </button>
              </Form>
            ) : null}
          </div>
        </DashboardHeader>
        {notice ? <FormAlert>{notice}</FormAlert> : null}
        {live.error ? <FormAlert>{live.error}</FormAlert> : null}
        {say(['move-up', 'move-down', 'remove-tile', 'resize', 'duplicate'])}
        {result?.intent === 'update-tile' && result.ok ? <FormAlert tone="success">{result.message}</FormAlert> : null}
      </div>
      {live.tiles.length ? (
        <DashboardGrid
          data={{ ...dash, tiles: live.tiles }}
          tileExtras={tileExtras}
          className={live.busy ? 'dashboard-grid--pending' : undefined}
        />
      ) : (
        <p className="panel muted">No tiles yet.{canEdit ? ' Add the first one below.' : ''}</p>
      )}
      <div className="dashboard-edit">
        {canEdit ? (
          <section className="panel" aria-labelledby="add-tile-title">
            <h2 id="add-tile-title" className="panel__title">
              Add a tile
            </h2>
            {say(['add-tile'])}
            {metrics.length ? (
              <Form method="post" className="form" {...getFormProps(addForm)} preventScrollReset>
                {addForm.errors?.length ? <FormAlert>{addForm.errors.join(' ')}</FormAlert> : null}
                <SelectField
                  name={addFields.metricKey.name}
                  label="Metric"
                  options={metrics.map((m) => ({ value: m.key, label: m.name }))}
                  errors={addFields.metricKey.errors}
                />
                <SelectField
                  name={addFields.kind.name}
                  label="Show as"
                  defaultValue="line"
                  options={Object.entries(KIND_LABEL).map(([value, label]) => ({ value, label }))}
                  errors={addFields.kind.errors}
                />
                <TextField
                  name={addFields.title.name}
                  label="Title (optional)"
                  maxLength={100}
                  hint="Defaults to the metric's name. More metrics, a range of its own and a width: edit the tile."
                  errors={addFields.title.errors}
                />
                <div>
                  <label className="checkbox">
                    <input type="checkbox" name={addFields.showPrevious.name} defaultChecked /> Compare with the
                    previous period
                  </label>
                  <label className="checkbox">
                    <input type="checkbox" name={addFields.showTarget.name} defaultChecked /> Show the target
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
        ) : null}
        {canEdit ? (
          <section className="panel" aria-labelledby="settings-title">
            <h2 id="settings-title" className="panel__title">
              Dashboard settings
            </h2>
            {say(['update', 'make-default', 'delete'])}
            <Form
              method="post"
              className="form"
              {...getFormProps(settingsForm)}
              key={`${board.name}|${board.range}|${board.grain}`}
            >
              <TextField
                name={settingsFields.name.name}
                label="Name"
                required
                maxLength={100}
                defaultValue={board.name}
                errors={settingsFields.name.errors}
              />
              <SelectField
                name={settingsFields.range.name}
                label="Default date range"
                defaultValue={board.range}
                options={RANGE_OPTIONS.map((o) => ({ ...o }))}
                errors={settingsFields.range.errors}
              />
              <SelectField
                name={settingsFields.grain.name}
                label="Default grain"
                defaultValue={board.grain}
                options={GRAIN_OPTIONS.map((o) => ({ ...o }))}
                errors={settingsFields.grain.errors}
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
        ) : null}
        {links ? (
          <div>
            {say(['share-revoke'])}
            <SharePanel links={links} fresh={result?.share ?? null} lastResult={lastFor('share-create')} busy={busy} />
          </div>
        ) : null}
        <div>
          {say(['note-add', 'note-delete'])}
          <NotesPanel
            notes={notes}
            on={{ dashboardId: board.id }}
            canEdit={canEdit}
            lastResult={lastFor('note-add')}
            busy={busy}
            today={dash.range.to}
          />
        </div>
      </div>
    </div>
  );
}
