import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { z } from 'zod';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { MetricFields } from '../components/metric-fields.tsx';
import { LineChart } from '../components/dashboard/charts.tsx';
import { noteForm } from '../components/dashboard/forms.ts';
import { NotesPanel } from '../components/dashboard/notes-panel.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi, formErrors, type Caller } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import metricsStyles from '../styles/metrics.css?url';
import { stylesheets } from '../styles/links.ts';
import {
  annotationIdSchema,
  createTargetInput,
  GRAINS,
  metricForm,
  targetIdSchema,
  type Grain,
} from '@mfiq/api/shared';

// The chart and its notes are drawn by the dashboard components, styled by their sheet.
export const links = stylesheets(dashboardStyles, metricsStyles);

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.metric.name} · Metric Flow IQ` : 'Metric · Metric Flow IQ' },
];

const NEW_ROWS = 5;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function defaultRange(grain: Grain, today: string): { from: string; to: string } {
  const d = new Date(`${today}T00:00:00Z`);
  const back = { day: 30, week: 7 * 12, month: 365, quarter: 365 * 2 }[grain];
  return { from: new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10), to: today };
}

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const key = args.params.key ?? '';
  const url = new URL(args.request.url);
  return callApi(args, async (api) => {
    const metric = await api.metrics.get({ slug, key });
    const grainParam = url.searchParams.get('grain');
    const grain: Grain = GRAINS.includes(grainParam as Grain) ? (grainParam as Grain) : metric.defaultGrain;
    const targets = await api.targets.list({ slug, key });
    const fallback = defaultRange(grain, targets.asOf);
    const from = DATE.test(url.searchParams.get('from') ?? '') ? url.searchParams.get('from')! : fallback.from;
    const to = DATE.test(url.searchParams.get('to') ?? '') ? url.searchParams.get('to')! : fallback.to;
    const series = await api.metrics.series({ slug, key, grain, from, to }).catch((error: unknown) => {
      // A bad range typed into the address bar shows its message instead of the page failing.
      const errors = formErrors(error);
      if (!errors) throw error;
      return { message: errors.formError ?? Object.values(errors.fieldErrors).flat().join(' ') };
    });
    // The chart (target per period, previous period, notes); a range too long to draw shows the table only.
    const chart = await api.dashboards.metricChart({ slug, key, grain, from, to }).catch((error: unknown) => {
      if (!formErrors(error)) throw error;
      return null;
    });
    return {
      chart,
      notes: await api.annotations.list({ slug, metricKey: key }),
      metric,
      grain,
      from,
      to,
      series,
      targets,
      owners: await api.metrics.owners({ slug }),
      points: metric.formula ? [] : await api.points.list({ slug, key, limit: 60 }),
    };
  });
}

type RowErrors = Record<number, string>;

/**
 * One row of the value grid (`rows[i].date` or `rows[i].ts`, and `rows[i].value`): the value stays
 * text here because people type thousands separators; saveValues reads it as a number.
 */
const gridRow = z.object({ date: z.string().optional(), ts: z.string().optional(), value: z.string().optional() });
type GridRow = z.output<typeof gridRow>;

async function saveValues(api: Caller, slug: string, key: string, grid: (GridRow | undefined)[]) {
  const rows: { row: number; point: { date: string; value: number } | { ts: string; value: number } }[] = [];
  const rowErrors: RowErrors = {};
  grid.forEach((cells, i) => {
    const raw = (cells?.value ?? '').trim();
    const ts = cells?.ts ?? '';
    const date = cells?.date ?? '';
    if (raw === '' || (!ts && !date)) {
      if (raw !== '' && !ts) rowErrors[i] = 'Choose a date for this value.';
      return;
    }
    const value = Number(raw.replace(/,/g, ''));
    if (!Number.isFinite(value)) {
      rowErrors[i] = 'Enter a number.';
      return;
    }
    rows.push({ row: i, point: ts ? { ts, value } : { date, value } });
  });
  if (Object.keys(rowErrors).length) return { rowErrors, saved: 0 };
  if (!rows.length) return { rowErrors: { 0: 'Enter at least one value.' }, saved: 0 };
  const result = await api.points.upsert({ slug, key, points: rows.map((r) => r.point) });
  for (const e of result.errors) rowErrors[rows[e.index]!.row] = e.message;
  return { rowErrors, saved: result.written };
}

/** The period select only applies to every-period targets: a fixed target's is ignored. */
const fixedTargetsHaveNoPeriod = (v: unknown) =>
  v && typeof v === 'object' && 'intent' in v && v.intent === 'add-target' && 'kind' in v && v.kind === 'fixed'
    ? { ...v, grain: undefined }
    : v;

/** The page's forms, told apart by the button pressed (`intent`); the metric's key always comes from the URL. */
const metricPageForm = z.preprocess(
  fixedTargetsHaveNoPeriod,
  z.discriminatedUnion('intent', [
    metricForm.safeExtend({ intent: z.literal('update') }),
    createTargetInput.safeExtend({ intent: z.literal('add-target') }),
    noteForm.extend({ intent: z.literal('note-add') }),
    z.object({ intent: z.literal('archive') }),
    z.object({ intent: z.literal('restore') }),
    z.object({ intent: z.literal('values'), rows: z.array(gridRow.optional()).default([]) }),
    z.object({ intent: z.literal('delete-points'), delete: z.array(z.string()).default([]) }),
    z.object({ intent: z.literal('note-delete'), noteId: annotationIdSchema }),
    z.object({ intent: z.literal('delete-target'), id: targetIdSchema }),
  ]),
);

/** Forms whose reply fills their own fields (the others answer with one message). */
const FIELD_FORMS = ['update', 'add-target', 'note-add'] as const;
const isFieldForm = (intent: unknown): intent is (typeof FIELD_FORMS)[number] => FIELD_FORMS.some((f) => f === intent);

type Done = { ok: boolean; message: string; rowErrors?: RowErrors };

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** What each form does once its fields parsed, and the message it answers with. */
async function run(v: z.output<typeof metricPageForm>, api: Caller, slug: string, key: string): Promise<Done> {
  switch (v.intent) {
    case 'update': {
      const { intent: _intent, ...definition } = v;
      await api.metrics.update({ ...definition, slug, key });
      return { ok: true, message: 'Definition saved.' };
    }
    case 'add-target': {
      const { intent: _intent, ...target } = v;
      await api.targets.create({ ...target, slug, key });
      return { ok: true, message: 'Target added.' };
    }
    case 'note-add': {
      const { intent: _intent, ...note } = v;
      await api.annotations.create({ slug, ...note });
      return { ok: true, message: 'Note added.' };
    }
    case 'archive':
    case 'restore':
      await api.metrics.setArchived({ slug, key, archived: v.intent === 'archive' });
      return { ok: true, message: v.intent === 'archive' ? 'Metric archived.' : 'Metric restored.' };
    case 'values': {
      const { rowErrors, saved } = await saveValues(api, slug, key, v.rows);
      const failed = Object.keys(rowErrors).length;
      const message = `${plural(saved, 'value')} saved${failed ? `, ${failed} need fixing` : ''}.`;
      return { ok: failed === 0, message, rowErrors };
    }
    case 'delete-points': {
      if (!v.delete.length) return { ok: false, message: 'Tick the values to delete first.' };
      const { deleted } = await api.points.delete({ slug, key, ts: v.delete });
      return { ok: true, message: `${plural(deleted, 'value')} deleted.` };
    }
    case 'note-delete':
      await api.annotations.delete({ slug, id: v.noteId });
      return { ok: true, message: 'Note deleted.' };
    case 'delete-target':
      await api.targets.delete({ slug, id: v.id });
      return { ok: true, message: 'Target deleted.' };
  }
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const key = args.params.key ?? '';
  const outcome = await submitForm(
    args,
    metricPageForm,
    async (v, api) => ({ intent: v.intent, ...(await run(v, api, slug, key)) }),
    { resetOnSuccess: true },
  );
  // A reset reply carries no values typed: the intent of a success comes from the parsed value.
  const typed = outcome.ok ? outcome.value.intent : outcome.reply.initialValue?.intent;
  const intent = typeof typed === 'string' ? typed : '';
  if (isFieldForm(intent)) {
    const message = outcome.ok ? outcome.value.message : null;
    return data({ intent, ok: outcome.ok, message, reply: outcome.reply }, { status: outcome.ok ? 200 : 400 });
  }
  if (outcome.ok) {
    const { ok, message, rowErrors } = outcome.value;
    return data({ intent, ok, message, ...(rowErrors ? { rowErrors } : {}) }, { status: ok ? 200 : 400 });
  }
  const message = Object.values(outcome.reply.error ?? {})
    .flat()
    .join(' ');
  return data({ intent, ok: false, message: message || 'Unknown action.' }, { status: 400 });
}

const fmt = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const pct = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const show = (v: number | null) => (v === null ? '—' : fmt.format(v));
const change = (v: number | null, base: number | null) =>
  v === null || base === null || base === 0 ? '—' : pct.format((v - base) / Math.abs(base));
const STATUS = { on_track: 'On track', at_risk: 'At risk', off_track: 'Off track', no_data: 'No data' } as const;

export default function MetricPage() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { metric, grain, from, to, series, targets, owners, points, chart, notes } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const replyTo = (intent: string) => (result?.intent === intent && 'reply' in result ? result.reply : undefined);
  const [definitionForm, definition] = useApiForm(metricForm, { id: 'definition', lastResult: replyTo('update') });
  const [targetForm, target] = useApiForm(createTargetInput, { id: 'add-target', lastResult: replyTo('add-target') });
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const slug = org.organization.slug;
  const canWrite = org.permissions.includes('metrics:write');
  const canEnter = org.permissions.includes('data:write') && !metric.formula && !metric.archived;
  const rowErrors: RowErrors = (result && 'rowErrors' in result ? (result.rowErrors as RowErrors) : undefined) ?? {};
  const notice = (intent: string) =>
    result?.intent === intent && result.message ? (
      <FormAlert tone={result.ok ? 'success' : 'error'}>{result.message}</FormAlert>
    ) : null;

  return (
    <div className="stack">
      <p>
        <Link to={`/orgs/${slug}/metrics`}>← All metrics</Link>
      </p>
      <section className="panel" aria-labelledby="series-title">
        <h2 id="series-title" className="panel__title">
          {metric.name} <code>{metric.key}</code> {metric.archived ? <span className="badge">archived</span> : null}
        </h2>
        <p className="muted">
          {metric.formula ? `Formula: ${metric.formula}` : `${metric.aggregation} per period`} · {metric.direction} is
          better · in {org.organization.timezone}
        </p>
        <Form method="get" className="toolbar">
          <SelectField
            name="grain"
            label="Period"
            defaultValue={grain}
            options={GRAINS.map((g) => ({ value: g, label: g }))}
          />
          <TextField name="from" label="From" type="date" defaultValue={from} />
          <TextField name="to" label="To" type="date" defaultValue={to} />
          <button type="submit" className="button button--quiet">
            Show
          </button>
        </Form>
        {chart ? (
          <div className="metric-chart" data-testid="metric-chart">
            <LineChart
              series={[{ name: metric.name, unit: chart.metric, axis: 0, points: chart.data.points }]}
              grain={chart.grain}
              showPrevious
              previousLabel="previous period"
              label={`${metric.name} by ${chart.grain}, ${chart.view.from} to ${chart.view.to}`}
              notes={chart.annotations}
            />
            <ul className="legend" aria-label="Legend">
              <li className="legend__item legend__item--current">{metric.name}</li>
              <li className="legend__item legend__item--previous">Previous period</li>
              {chart.data.points.some((p) => p.target !== null) ? (
                <li className="legend__item legend__item--target">Target</li>
              ) : null}
              {chart.annotations.length ? <li className="legend__item legend__item--note">Notes</li> : null}
            </ul>
            <p className="tile-exports">
              {['csv', 'svg', 'png'].map((f) => (
                <a
                  key={f}
                  href={`/orgs/${slug}/metrics/${metric.key}/export?format=${f}&grain=${chart.grain}&from=${from}&to=${to}`}
                  download
                >
                  {f.toUpperCase()}
                </a>
              ))}
            </p>
          </div>
        ) : null}
        {'message' in series ? (
          <FormAlert>{series.message}</FormAlert>
        ) : (
          <table className="table" data-testid="series-table">
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Value</th>
                <th scope="col">Previous</th>
                <th scope="col">Change</th>
                <th scope="col">Year ago</th>
              </tr>
            </thead>
            <tbody>
              {[...series.points].reverse().map((p) => (
                <tr key={p.start}>
                  <td>{p.start === p.end ? p.start : `${p.start} – ${p.end}`}</td>
                  <td>{show(p.value)}</td>
                  <td>{show(p.previous)}</td>
                  <td>{change(p.value, p.previous)}</td>
                  <td>{show(p.yearAgo)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <div>
        {notice('note-delete')}
        <NotesPanel
          notes={notes}
          on={{ metricKey: metric.key }}
          canEdit={org.permissions.includes('dashboards:write')}
          lastResult={replyTo('note-add')}
          busy={busy}
          today={to}
        />
      </div>

      {canEnter ? (
        <section className="panel" aria-labelledby="values-title">
          <h2 id="values-title" className="panel__title">
            Values
          </h2>
          {notice('values')}
          {notice('delete-points')}
          <Form method="post" className="form form--wide" noValidate>
            <table className="table grid" data-testid="entry-grid">
              <thead>
                <tr>
                  <th scope="col">Date ({org.organization.timezone})</th>
                  <th scope="col">Value</th>
                  <th scope="col">Delete</th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: NEW_ROWS }, (_, i) => (
                  <tr key={`new-${i}`}>
                    <td>
                      <input
                        className="input"
                        type="date"
                        name={`rows[${i}].date`}
                        aria-label={`New row ${i + 1} date`}
                      />
                    </td>
                    <td>
                      <input
                        className="input"
                        inputMode="decimal"
                        name={`rows[${i}].value`}
                        aria-label={`New row ${i + 1} value`}
                        aria-invalid={rowErrors[i] ? true : undefined}
                      />
                      {rowErrors[i] ? <p className="field__error">{rowErrors[i]}</p> : null}
                    </td>
                    <td />
                  </tr>
                ))}
                {points.map((p, j) => {
                  const i = NEW_ROWS + j;
                  const ts = new Date(p.ts).toISOString();
                  return (
                    <tr key={ts}>
                      <td>
                        {p.date}
                        <input type="hidden" name={`rows[${i}].ts`} value={ts} />
                      </td>
                      <td>
                        <input
                          className="input"
                          inputMode="decimal"
                          name={`rows[${i}].value`}
                          defaultValue={String(p.value)}
                          aria-label={`Value on ${p.date}`}
                          aria-invalid={rowErrors[i] ? true : undefined}
                        />
                        {rowErrors[i] ? <p className="field__error">{rowErrors[i]}</p> : null}
                      </td>
                      <td>
                        <input type="checkbox" name="delete" value={ts} aria-label={`Delete the value on ${p.date}`} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="form__actions">
              <button type="submit" name="intent" value="values" className="button" disabled={busy}>
                Save values
              </button>
              <button
                type="submit"
                name="intent"
                value="delete-points"
                className="button button--quiet"
                disabled={busy}
              >
                Delete ticked values
              </button>
            </div>
          </Form>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="targets-title">
        <h2 id="targets-title" className="panel__title">
          Targets
        </h2>
        {notice('add-target')}
        {notice('delete-target')}
        {targets.targets.length === 0 ? (
          <p className="muted">No targets yet.</p>
        ) : (
          <table className="table" data-testid="targets-table">
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">Current period</th>
                <th scope="col">So far</th>
                <th scope="col">Forecast</th>
                <th scope="col">Status</th>
                {canWrite ? <th scope="col" /> : null}
              </tr>
            </thead>
            <tbody>
              {targets.targets.map((t) => (
                <tr key={t.id}>
                  <td>
                    {fmt.format(t.value)}{' '}
                    {t.kind === 'recurring' ? `per ${t.grain}` : `from ${t.startsOn} to ${t.endsOn}`}
                    {t.kind === 'recurring' && (t.startsOn || t.endsOn) ? (
                      <span className="muted">
                        {' '}
                        ({t.startsOn ?? '…'} – {t.endsOn ?? '…'})
                      </span>
                    ) : null}
                  </td>
                  <td>
                    {t.progress
                      ? `${t.progress.period.start} – ${t.progress.period.end} (day ${t.progress.elapsedDays} of ${t.progress.totalDays})`
                      : 'Not in effect'}
                  </td>
                  <td>
                    {t.progress
                      ? `${show(t.progress.actual)} (${t.progress.attainment === null ? '—' : pct.format(t.progress.attainment)})`
                      : '—'}
                  </td>
                  <td>
                    {t.progress?.forecastAttainment != null
                      ? `On pace for ${pct.format(t.progress.forecastAttainment)} of target`
                      : '—'}
                  </td>
                  <td>
                    {t.progress ? (
                      <span className={`status status--${t.progress.status}`}>{STATUS[t.progress.status]}</span>
                    ) : (
                      '—'
                    )}
                  </td>
                  {canWrite ? (
                    <td>
                      <Form method="post">
                        <input type="hidden" name="id" value={t.id} />
                        <button
                          type="submit"
                          name="intent"
                          value="delete-target"
                          className="button button--quiet"
                          disabled={busy}
                        >
                          Delete
                        </button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canWrite ? (
          <Form method="post" className="form form--wide" id={targetForm.id} onSubmit={targetForm.onSubmit} noValidate>
            <input type="hidden" name="key" value={metric.key} />
            <fieldset className="form__fieldset" disabled={busy}>
              <legend className="panel__title">Add a target</legend>
              {targetForm.errors?.length ? <FormAlert>{targetForm.errors.join(' ')}</FormAlert> : null}
              <SelectField
                {...fieldProps(target.kind)}
                defaultValue={target.kind.initialValue ?? 'recurring'}
                label="Kind"
                options={[
                  { value: 'recurring', label: 'Every period' },
                  { value: 'fixed', label: 'One date range' },
                ]}
              />
              <SelectField
                {...fieldProps(target.grain)}
                defaultValue={target.grain.initialValue ?? 'month'}
                label="Period (for every-period targets)"
                options={GRAINS.map((g) => ({ value: g, label: g }))}
              />
              <TextField {...fieldProps(target.value)} label="Target value" inputMode="decimal" required />
              <TextField {...fieldProps(target.startsOn)} label="Starts on" type="date" />
              <TextField {...fieldProps(target.endsOn)} label="Ends on" type="date" />
            </fieldset>
            <div className="form__actions">
              <button type="submit" name="intent" value="add-target" className="button" disabled={busy}>
                Add target
              </button>
            </div>
          </Form>
        ) : null}
      </section>

      <section className="panel" aria-labelledby="definition-title">
        <h2 id="definition-title" className="panel__title">
          Definition
        </h2>
        {notice('update')}
        {notice('archive')}
        {notice('restore')}
        {definitionForm.errors?.length ? <FormAlert>{definitionForm.errors.join(' ')}</FormAlert> : null}
        <Form
          method="post"
          className="form form--wide"
          id={definitionForm.id}
          onSubmit={definitionForm.onSubmit}
          noValidate
          key={metric.updatedAt.toString()}
        >
          <input type="hidden" name="key" value={metric.key} />
          <fieldset className="form__fieldset" disabled={!canWrite || busy}>
            <legend className="visually-hidden">Definition</legend>
            <div className="field">
              <span className="field__label">Key</span>
              <p className="field__static">
                <code>{metric.key}</code> (never changes)
              </p>
            </div>
            <MetricFields fields={definition} values={metric} owners={owners} isFormula={Boolean(metric.formula)} />
          </fieldset>
          {canWrite ? (
            <div className="form__actions">
              <button type="submit" name="intent" value="update" className="button" disabled={busy}>
                Save definition
              </button>
              <button
                type="submit"
                name="intent"
                value={metric.archived ? 'restore' : 'archive'}
                className="button button--quiet"
                disabled={busy}
              >
                {metric.archived ? 'Restore' : 'Archive'}
              </button>
            </div>
          ) : null}
        </Form>
      </section>
    </div>
  );
}
