import { data, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { FormAlert } from '../components/field.tsx';
import { refreshSeconds, ShareTrpcProvider, tvQuery, UpdatedAgo } from '../components/dashboard/live.tsx';
import { viewFromUrl } from '../components/dashboard/load.server.ts';
import { DashboardGrid, DashboardHeader } from '../components/dashboard/view.tsx';
import { FRAME_ANCESTORS_HEADER } from '../lib/framing.ts';
import { isTrpcError, toResponse } from '../trpc.server.ts';
import { trpc } from '../trpc.ts';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(dashboardStyles);

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `${d.view.dashboard.name} · ${d.view.orgName}` : 'Dashboard · Metric Flow IQ' },
  // The link is the credential: keep it out of search engines.
  { name: 'robots', content: 'noindex, nofollow' },
];

/** No site header or footer: the page shows the dashboard and nothing of the rest of the product. */
export const handle = { bare: true };

/**
 * /d/<token>: a dashboard shared by link, signed out. The page's API context is built from a copy
 * of the request without its cookie and authorization: whoever opens the link, signed in or not,
 * the page can reach the link's dashboard and nothing else. The token never leaves in a Referer
 * (no-referrer) and the response may be framed only by the link's own allow-list.
 */
export async function loader(args: LoaderFunctionArgs) {
  const token = args.params.token ?? '';
  const url = new URL(args.request.url);
  const headers = new Headers(args.request.headers);
  headers.delete('cookie');
  headers.delete('authorization');
  const resHeaders = new Headers();
  const ctx = await args.context.api.createContext({
    req: new Request(url, { headers }),
    resHeaders,
    clientIp: args.context.request.clientIp,
  });
  const api = args.context.api.createCaller(ctx);
  const asked = viewFromUrl(url);
  const tv = url.searchParams.get('tv') === '1';
  const every = refreshSeconds(url.searchParams.get('every'), 60);
  let notice: string | null = null;
  let view;
  try {
    try {
      view = await api.shares.view({ token, ...asked, countView: true });
    } catch (error) {
      // A view the API refuses (a grain too fine for the range) shows the dashboard's own.
      if (!isTrpcError(error) || error.code !== 'BAD_REQUEST') throw error;
      notice = error.message.replace(/^Invalid input: /, '');
      view = await api.shares.view({ token, countView: false });
    }
  } catch (error) {
    const response = toResponse(error, args.request);
    const retry = resHeaders.get('retry-after');
    if (response instanceof Response && retry) response.headers.set('Retry-After', retry);
    throw response;
  }
  const out = new Headers({
    'Referrer-Policy': 'no-referrer',
    'X-Robots-Tag': 'noindex, nofollow',
    'Cache-Control': 'no-store',
  });
  if (view.embedOrigins.length) out.set(FRAME_ANCESTORS_HEADER, view.embedOrigins.join(' '));
  return data({ view, notice, tv, every, token, asked, renderedAt: Date.now() }, { headers: out });
}

export const headers: HeadersFunction = ({ loaderHeaders, errorHeaders }) => {
  // Errors (404 for a dead link) keep no-referrer too.
  const h = new Headers(errorHeaders ?? loaderHeaders);
  h.set('Referrer-Policy', 'no-referrer');
  return h;
};

function SharedDashboard() {
  const { view: initial, notice, tv, every, token, asked, renderedAt } = useLoaderData<typeof loader>();
  // TV mode: the data refreshes in the browser through the share client (no page reload).
  const query = trpc.shares.view.useQuery(
    { token, ...asked },
    { initialData: initial, initialDataUpdatedAt: renderedAt, enabled: tv, ...tvQuery(every) },
  );
  const view = query.data ?? initial;
  return (
    <div className={tv ? 'tv shared-dashboard' : 'shared-dashboard'} data-testid="shared-dashboard">
      <p className="shared-dashboard__org muted">{view.orgName}</p>
      <DashboardHeader data={view} pickers={!tv}>
        {tv ? <UpdatedAgo at={query.dataUpdatedAt} failed={query.isError} every={every} /> : null}
      </DashboardHeader>
      {notice ? <FormAlert>{notice}</FormAlert> : null}
      {view.tiles.length ? (
        <DashboardGrid data={view} />
      ) : (
        <p className="panel muted">This dashboard has no tiles yet.</p>
      )}
    </div>
  );
}

export default function SharedDashboardPage() {
  return (
    <ShareTrpcProvider>
      <SharedDashboard />
    </ShareTrpcProvider>
  );
}
