import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useParams } from '@remix-run/react';
import { parseWithZod } from '@conform-to/zod/v4';
import { useEffect } from 'react';
import { FormAlert, SelectField } from '../components/field.tsx';
import { FORMAT_OPTIONS, formatBytes, STATUS_LABELS } from '../lib/imports.ts';
import { guessMapping, mappingFrom, MAPPING_FIELDS, type MappingForm } from '../lib/import-mapping.ts';
import { submitForm } from '../lib/form-action.server.ts';
import { formErrors, serverApi, toResponse, type Caller } from '../trpc.server.ts';
import { trpc } from '../trpc.ts';
import importsStyles from '../styles/imports.css?url';
import { stylesheets } from '../styles/links.ts';
import { importMappingInput, supportedTimezones } from '@mfiq/api/shared';

export const links = stylesheets(importsStyles);

export const meta: MetaFunction = () => [{ title: 'CSV import · Metric Flow IQ' }];

const TIMEZONES = supportedTimezones();

type Preview = Awaited<ReturnType<Caller['imports']['preview']>>;

/**
 * The import's page. Before it starts: the mapping form; "Preview" submits it as a GET, so the
 * preview is this loader applying the mapping from the query string. After: progress (the page
 * polls while the worker runs), then the result with the rejected rows.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const url = new URL(args.request.url);
  const { caller } = await serverApi(args);
  try {
    const imp = await caller.imports.get({ slug, id });
    let metrics: { key: string; name: string }[] = [];
    let preview: Preview | null = null;
    let mapping: MappingForm = guessMapping(imp.header);
    let mappingErrors: { formError: string | null; fieldErrors: Record<string, string[]> } | null = null;
    if (imp.status === 'uploaded') {
      metrics = (await caller.metrics.list({ slug }))
        .filter((m) => !m.formula && !m.archived)
        .map((m) => ({ key: m.key, name: m.name }));
      if (url.searchParams.has('preview')) {
        mapping = mappingFrom((n) => url.searchParams.get(n));
        // The preview is a GET: the query string is parsed by the same schema as the start form.
        const typed = parseWithZod(url.searchParams, { schema: importMappingInput });
        try {
          if (typed.status !== 'success') mappingErrors = { formError: null, fieldErrors: fieldErrorsOf(typed.error) };
          else preview = await caller.imports.preview({ slug, id, mapping: typed.value });
        } catch (error) {
          mappingErrors = formErrors(error);
          if (!mappingErrors) throw error;
        }
      }
    }
    return { imp, metrics, preview, mapping, mappingErrors, timezones: TIMEZONES };
  } catch (error) {
    throw toResponse(error, args.request);
  }
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const outcome = await submitForm(args, importMappingInput, (mapping, api) =>
    api.imports.start({ slug, id, mapping }),
  );
  if (outcome.ok) return redirect(`/orgs/${slug}/imports/${id}`);
  return data({ reply: outcome.reply }, { status: outcome.apiCode === 'CONFLICT' ? 409 : 400 });
}

/** A reply's field errors without the form's own ('') and without empty entries. */
const fieldErrorsOf = (errors: Record<string, string[] | null> | null | undefined): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(errors ?? {}).filter((e): e is [string, string[]] => e[0] !== '' && !!e[1]?.length),
  );

const isRunning = (status: string) => status === 'queued' || status === 'running';

export default function ImportPage() {
  const { imp: loaded, metrics, preview, mapping, mappingErrors, timezones } = useLoaderData<typeof loader>();
  const { slug } = useParams();
  const started = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  // Progress comes from imports.get over /api/trpc every second while the worker runs: the
  // numbers move without reloading the page; the server-rendered first paint stays.
  const key = { slug: slug ?? '', id: loaded.id };
  const utils = trpc.useUtils();
  // A fresh page load (starting the import redirects here) is newer than what the cache holds.
  useEffect(() => utils.imports.get.setData(key, loaded), [loaded]); // eslint-disable-line react-hooks/exhaustive-deps -- keyed by the loader's data only
  const live = trpc.imports.get.useQuery(key, {
    initialData: loaded,
    staleTime: 0,
    refetchInterval: (q) => (q.state.data && isRunning(q.state.data.status) ? 1000 : false),
  });
  const imp = live.data ?? loaded;
  const startErrors = started?.reply.error ?? {};
  const fe = { ...(mappingErrors?.fieldErrors ?? {}), ...fieldErrorsOf(startErrors) };
  const formError = startErrors['']?.join(' ') || (mappingErrors?.formError ?? null);
  const columns = [{ value: '', label: '— choose a column —' }, ...imp.header.map((h) => ({ value: h, label: h }))];
  const percent = imp.sizeBytes ? Math.floor((imp.bytesProcessed / imp.sizeBytes) * 100) : 0;

  return (
    <section className="panel" aria-labelledby="import-title">
      <p>
        <Link to="..">← All imports</Link>
      </p>
      <h2 id="import-title" className="panel__title">
        {imp.fileName}
      </h2>
      <p className="muted">
        {formatBytes(imp.sizeBytes)} · {imp.header.length} columns ·{' '}
        <span data-testid="import-status">{STATUS_LABELS[imp.status]}</span>
      </p>
      {imp.sameFile.length ? (
        <FormAlert tone="info">
          <span data-testid="already-imported">
            This file was already imported on{' '}
            {new Date(imp.sameFile[0]!.finishedAt ?? imp.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC (
            <Link to={`../${imp.sameFile[0]!.id}`}>{imp.sameFile[0]!.fileName}</Link>,{' '}
            {imp.sameFile[0]!.rowsWritten.toLocaleString('en-US')} rows). Importing it again with the same mapping
            changes nothing.
          </span>
        </FormAlert>
      ) : null}

      {imp.status === 'uploaded' ? (
        <>
          {formError ? <FormAlert>{formError}</FormAlert> : null}
          <Form method="get" className="form form--wide mapping" key={JSON.stringify(mapping)}>
            <input type="hidden" name="preview" value="1" />
            <fieldset className="form__fieldset" disabled={busy}>
              <legend className="field__label">Map the columns</legend>
              <SelectField
                name="metricColumn"
                label="Metric key column"
                defaultValue={mapping.metricColumn ?? ''}
                options={[
                  { value: '', label: '— none: one metric for the file —' },
                  ...imp.header.map((h) => ({ value: h, label: h })),
                ]}
                errors={fe.metricColumn}
              />
              <SelectField
                name="metricKey"
                label="…or one metric for the whole file"
                defaultValue={mapping.metricKey ?? ''}
                options={[
                  { value: '', label: '— none: the file has a metric column —' },
                  ...metrics.map((m) => ({ value: m.key, label: `${m.name} (${m.key})` })),
                ]}
                errors={fe.metricKey}
              />
              <SelectField
                name="timestampColumn"
                label="Timestamp column"
                defaultValue={mapping.timestampColumn ?? ''}
                options={columns}
                errors={fe.timestampColumn}
              />
              <SelectField
                name="timestampFormat"
                label="Timestamp format"
                defaultValue={mapping.timestampFormat}
                options={FORMAT_OPTIONS}
                errors={fe.timestampFormat}
              />
              <SelectField
                name="timezone"
                label="Timezone of local times"
                defaultValue={mapping.timezone ?? ''}
                options={[
                  { value: '', label: '— none: timestamps carry their offset —' },
                  ...timezones.map((tz) => ({ value: tz, label: tz.replace(/_/g, ' ') })),
                ]}
                errors={fe.timezone}
                hint="Used for dates and times without an offset (Z or +02:00)."
              />
              <SelectField
                name="valueColumn"
                label="Value column"
                defaultValue={mapping.valueColumn ?? ''}
                options={columns}
                errors={fe.valueColumn}
              />
            </fieldset>
            <div className="form__actions">
              <button type="submit" className="button button--quiet" disabled={busy}>
                Preview
              </button>
            </div>
          </Form>
          {preview ? (
            <>
              <h3>Preview of the first rows</h3>
              <table className="table" data-testid="preview">
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Metric</th>
                    <th scope="col">Timestamp (UTC)</th>
                    <th scope="col">Value</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((r) => (
                    <tr key={r.line} className={r.error ? 'table__row--error' : undefined}>
                      <td>{r.line}</td>
                      <td>{r.metric ?? '—'}</td>
                      <td>{r.ts ? new Date(r.ts).toISOString() : '—'}</td>
                      <td>{r.value ?? '—'}</td>
                      <td>{r.error ?? 'OK'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Form method="post" className="form__actions">
                {MAPPING_FIELDS.map((f) => (
                  <input key={f} type="hidden" name={f} value={mapping[f] ?? ''} />
                ))}
                <button type="submit" className="button" disabled={busy}>
                  Start import
                </button>
              </Form>
            </>
          ) : null}
        </>
      ) : null}

      {imp.status !== 'uploaded' ? (
        <div className="import-progress" aria-live="polite">
          <progress
            className="import-progress__bar"
            max={100}
            value={percent}
            aria-label="Import progress"
            data-testid="import-progress"
          >
            {percent}%
          </progress>
          <dl className="facts">
            <div>
              <dt>Rows read</dt>
              <dd data-testid="rows-processed">{imp.rowsProcessed.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>Rows written</dt>
              <dd data-testid="rows-written">{imp.rowsWritten.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>New or changed points</dt>
              <dd data-testid="points-changed">{imp.pointsChanged.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>Rejected rows</dt>
              <dd data-testid="rows-failed">{imp.rowsFailed.toLocaleString('en-US')}</dd>
            </div>
          </dl>
          {imp.error ? <FormAlert>{imp.error}</FormAlert> : null}
          {imp.status === 'completed' ? (
            <FormAlert tone="success">
              Import complete: {percent}% of the file read, {imp.rowsWritten.toLocaleString('en-US')} rows written
              {imp.rowsFailed ? `, ${imp.rowsFailed.toLocaleString('en-US')} rejected` : ''}.
            </FormAlert>
          ) : null}
        </div>
      ) : null}

      {imp.errors.length ? (
        <>
          <h3>Rejected rows</h3>
          <p>
            <a
              className="button button--quiet"
              href={`/orgs/${slug}/imports/${imp.id}/errors.csv`}
              download
              data-testid="errors-download"
            >
              Download all rejected rows (CSV)
            </a>
          </p>
          <table className="table" data-testid="import-errors">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {imp.errors.map((e) => (
                <tr key={e.line}>
                  <td>{e.line}</td>
                  <td>{e.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
