import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { MetricFields } from '../components/metric-fields.tsx';
import { LineChart } from '../components/dashboard/charts.tsx';
import { noteForm } from '../components/dashboard/forms.ts';
import { NotesPanel } from '../components/dashboard/notes-panel.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi, formErrors, serverApi, toResponse, type Caller } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import metricsStyles from '../styles/metrics.css?url';
import { stylesheets } from '../styles/links.ts';
import { createTargetInput, GRAINS, metricForm, type Grain } from '@mfiq/api/shared';

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

async function saveValues(api: Caller, slug: string, key: string, form: FormData) {
  const rows: { row: number; point: { date: string; value: number } | { ts: string; value: number } }[] = [];
  const rowErrors: RowErrors = {};
  for (let i = 0; form.has(`row-${i}-value`); i++) {
    const raw = String(form.get(`row-${i}-value`) ?? '').trim();
    const ts = String(form.get(`row-${i}-ts`) ?? '');
    const date = String(form.get(`row-${i}-date`) ?? '');
    if (raw === '' || (!ts && !date)) {
      if (raw !== '' && !ts) rowErrors[i] = 'Choose a date for this value.';
      continue;
    }
    const value = Number(raw.replace(/,/g, ''));
    if (!Number.isFinite(value)) {
      rowErrors[i] = 'Enter a number.';
      continue;
    }
    rows.push({ row: i, point: ts ? { ts, value } : { date, value } });
  }
  if (Object.keys(rowErrors).length) return { rowErrors, saved: 0 };
  if (!rows.length) return { rowErrors: { 0: 'Enter at least one value.' }, saved: 0 };
  const result = await api.points.upsert({ slug, key, points: rows.map((r) => r.point) });
  for (const e of result.errors) rowErrors[rows[e.index]!.row] = e.message;
  return { rowErrors, saved: result.written };
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const key = args.params.key ?? '';
  const form = await args.request.formData();
  const intent = String(form.get('intent') ?? '');
  // The two forms with fields parse with the procedures' schemas; the key always comes from the URL.
  if (intent === 'update' || intent === 'add-target') {
    // The period select only applies to every-period targets.
    if (intent === 'add-target' && form.get('kind') === 'fixed') form.delete('grain');
    const outcome =
      intent === 'update'
        ? await submitForm(args, metricForm, (value, api) => api.metrics.update({ ...value, slug, key }), {
            formData: form,
          })
        : await submitForm(args, createTargetInput, (value, api) => api.targets.create({ ...value, slug, key }), {
            formData: form,
            resetOnSuccess: true,
          });
    const message = outcome.ok ? (intent === 'update' ? 'Definition saved.' : 'Target added.') : null;
    return data({ intent, ok: outcome.ok, message, reply: outcome.reply }, { status: outcome.ok ? 200 : 400 });
  }
  if (intent === 'note-add') {
    const outcome = await submitForm(args, noteForm, (value, api) => api.annotations.create({ slug, ...value }), {
      formData: form,
      resetOnSuccess: true,
    });
    const message = outcome.ok ? 'Note added.' : null;
    return data({ intent, ok: outcome.ok, message, reply: outcome.reply }, { status: outcome.ok ? 200 : 400 });
  }
  const { caller } = await serverApi(args);
  try {
    switch (intent) {
      case 'archive':
      case 'restore':
        await caller.metrics.setArchived({ slug, key, archived: intent === 'archive' });
        return { intent, ok: true, message: intent === 'archive' ? 'Metric archived.' : 'Metric restored.' };
      case 'values': {
        const { rowErrors, saved } = await saveValues(caller, slug, key, form);
        const failed = Object.keys(rowErrors).length;
        return data(
          {
            intent,
            ok: failed === 0,
            message: `${saved} value${saved === 1 ? '' : 's'} saved${failed ? `, ${failed} need fixing` : ''}.`,
            rowErrors,
          },
          { status: failed ? 400 : 200 },
        );
      }
      case 'delete-points': {
        const ts = form.getAll('delete').map(String);
        if (!ts.length)
          return data({ intent, ok: false, message: 'Tick the values to delete first.' }, { status: 400 });
        const { deleted } = await caller.points.delete({ slug, key, ts });
        return { intent, ok: true, message: `${deleted} value${deleted === 1 ? '' : 's'} deleted.` };
      }
      case 'note-delete':
        await caller.annotations.delete({ slug, id: String(form.get('noteId') ?? '') });
        return { intent, ok: true, message: 'Note deleted.' };
      case 'delete-target':
        await caller.targets.delete({ slug, id: String(form.get('id') ?? '') });
        return { intent, ok: true, message: 'Target deleted.' };
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
        message: errors.formError ?? Object.values(errors.fieldErrors).flat().join(' '),
      },
      { status: 400 },
    );
  }
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
                        name={`row-${i}-date`}
                        aria-label={`New row ${i + 1} date`}
                      />
                    </td>
                    <td>
                      <input
                        className="input"
                        inputMode="decimal"
                        name={`row-${i}-value`}
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
                        <input type="hidden" name={`row-${i}-ts`} value={ts} />
                      </td>
                      <td>
                        <input
                          className="input"
                          inputMode="decimal"
                          name={`row-${i}-value`}
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
