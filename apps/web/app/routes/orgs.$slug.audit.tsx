import { AUDIT_ACTIONS } from '@mfiq/api';
import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { FILTER_KEYS, readFilters, type AuditFilters } from '../lib/audit-filters.ts';
import { historyHref } from '../lib/history.ts';
import { isTrpcError, serverApi, toResponse } from '../trpc.server.ts';
import auditStyles from '../styles/audit.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(auditStyles);

export const meta: MetaFunction = () => [{ title: 'Audit log · Metric Flow IQ' }];

/**
 * The organization's audit log (owners and admins: 'audit:read'). Filters travel in the URL, so a
 * filtered view (a "history" link) is a plain link. Bad filters answer 400 with the message shown
 * above the form; no permission is a 403 from the API, not a hidden page.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const url = new URL(args.request.url);
  const filters = readFilters((k) => url.searchParams.get(k));
  const cursor = url.searchParams.get('cursor') ?? undefined;
  const { caller } = await serverApi(args);
  try {
    const [page, chain] = await Promise.all([
      caller.audit.list({ slug, ...filters, ...(cursor ? { cursor } : {}), limit: 50 }),
      caller.audit.verify({ slug }),
    ]);
    return { slug, filters, page, chain, error: null, paged: Boolean(cursor) };
  } catch (error) {
    if (isTrpcError(error) && error.code === 'BAD_REQUEST') {
      // The chain badge still shows: only the filters were wrong.
      const chain = await caller.audit.verify({ slug }).catch((e: unknown) => {
        throw toResponse(e, args.request);
      });
      return data(
        { slug, filters, page: { events: [], nextCursor: null }, chain, error: error.message, paged: false },
        { status: 400 },
      );
    }
    throw toResponse(error, args.request);
  }
}

function ChainBadge({
  chain,
}: {
  chain: Awaited<ReturnType<typeof loader>> extends infer T ? (T extends { chain: infer C } ? C : never) : never;
}) {
  if (chain.status === 'verified') {
    return (
      <p className="badge badge--ok" data-testid="chain-badge">
        Verified: {chain.events} event{chain.events === 1 ? '' : 's'} in an unbroken chain
        {chain.fromSequence ? ` since the retention checkpoint at sequence ${chain.fromSequence}` : ''}
      </p>
    );
  }
  return (
    <p className="badge badge--broken" data-testid="chain-badge" role="alert">
      Broken at sequence {chain.sequence}: {chain.reason}
    </p>
  );
}

function Changes({ before, after }: { before: unknown; after: unknown }) {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  if (!keys.length) return <span className="muted">No field changes recorded</span>;
  const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <details className="audit__changes">
      <summary>
        {keys.length} field{keys.length === 1 ? '' : 's'}
      </summary>
      <table className="audit__diff">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{show(b[k])}</td>
              <td>{show(a[k])}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function HiddenFilters({ filters }: { filters: AuditFilters }) {
  return (
    <>{FILTER_KEYS.map((k) => (filters[k] ? <input key={k} type="hidden" name={k} value={filters[k]} /> : null))}</>
  );
}

export default function AuditPage() {
  const { slug, filters, page, chain, error, paged } = useLoaderData<typeof loader>();
  const next = new URLSearchParams(
    Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  if (page.nextCursor) next.set('cursor', page.nextCursor);
  const first = new URLSearchParams(next);
  first.delete('cursor');
  return (
    <section className="panel audit" aria-labelledby="audit-title">
      <div className="audit__head">
        <h2 id="audit-title" className="panel__title">
          Audit log
        </h2>
        <ChainBadge chain={chain} />
      </div>
      <Form id="audit-filters" method="get" className="audit__filters" aria-label="Filter the audit log">
        <label className="field">
          <span className="field__label">Actor</span>
          <input
            className="input"
            name="actor"
            defaultValue={filters.actor ?? ''}
            placeholder="email or user id"
            maxLength={254}
          />
        </label>
        <label className="field">
          <span className="field__label">Action</span>
          <select className="input" name="action" defaultValue={filters.action ?? ''}>
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Target type</span>
          <input
            className="input"
            name="targetType"
            defaultValue={filters.targetType ?? ''}
            placeholder="e.g. member"
            maxLength={40}
          />
        </label>
        <label className="field">
          <span className="field__label">Target id</span>
          <input className="input" name="targetId" defaultValue={filters.targetId ?? ''} maxLength={200} />
        </label>
        <label className="field">
          <span className="field__label">From</span>
          <input className="input" type="date" name="from" defaultValue={filters.from ?? ''} />
        </label>
        <label className="field">
          <span className="field__label">To (exclusive)</span>
          <input className="input" type="date" name="to" defaultValue={filters.to ?? ''} />
        </label>
      </Form>
      {/* One row under the filters: apply or clear them on the left, export what they show on the right. */}
      <div className="audit__toolbar">
        <div className="audit__filter-actions">
          <button type="submit" form="audit-filters" className="button">
            Filter
          </button>
          <Link to={`/orgs/${slug}/audit`} className="button button--quiet">
            Clear
          </Link>
        </div>
        <Form method="post" action={`/orgs/${slug}/audit/export`} reloadDocument className="audit__export">
          <HiddenFilters filters={filters} />
          <span className="muted">Export this view:</span>
          <button type="submit" name="format" value="csv" className="button button--quiet">
            CSV
          </button>
          <button type="submit" name="format" value="ndjson" className="button button--quiet">
            NDJSON
          </button>
        </Form>
      </div>
      {error ? (
        <p className="alert alert--error" role="alert" data-testid="filter-error">
          {error}
        </p>
      ) : null}
      {page.events.length ? (
        <table className="audit__table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col" className="audit__seq">
                #
              </th>
              <th scope="col" className="audit__when">
                When (UTC)
              </th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Changes</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {page.events.map((e) => (
              <tr key={e.id} className={e.outcome === 'failure' ? 'audit__row--failure' : undefined}>
                <td className="audit__seq" data-label="Event">
                  {e.sequence}
                </td>
                <td className="audit__when" data-label="When (UTC)">
                  <time dateTime={new Date(e.occurredAt).toISOString()}>
                    {new Date(e.occurredAt).toISOString().slice(0, 19).replace('T', ' ')}
                  </time>
                </td>
                <td data-label="Actor">
                  {e.actor.display ?? e.actor.id ?? '—'}
                  <span className="facts__sub muted">{e.actor.type}</span>
                </td>
                <td data-label="Action">
                  <code>{e.action}</code>
                  {e.outcome === 'failure' ? <span className="muted"> (failed)</span> : null}
                </td>
                <td data-label="Target">
                  {e.target ? (
                    <Link to={historyHref(slug, e.target)} title="History of this object">
                      {e.target.display ?? e.target.id}
                    </Link>
                  ) : (
                    '—'
                  )}
                  {e.target ? <span className="facts__sub muted">{e.target.type}</span> : null}
                </td>
                <td data-label="Changes">
                  <Changes before={e.before} after={e.after} />
                </td>
                <td className="muted" data-label="Source">
                  {e.ip ?? '—'}
                  {e.requestId ? <span className="facts__sub">req {e.requestId.slice(0, 8)}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted" data-testid="audit-empty">
          {error
            ? 'Fix the filters to see events.'
            : 'No events match these filters yet. New events appear within seconds of the change.'}
        </p>
      )}
      <nav className="audit__pager" aria-label="Pages">
        {paged ? <Link to={`?${first.toString()}`}>Newest</Link> : null}
        {page.nextCursor ? (
          <Link to={`?${next.toString()}`} rel="next" data-testid="older">
            Older events
          </Link>
        ) : null}
      </nav>
    </section>
  );
}
