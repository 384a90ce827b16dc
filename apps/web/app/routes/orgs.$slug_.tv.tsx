import { data, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { refreshSeconds, tvQuery, UpdatedAgo } from '../components/dashboard/live.tsx';
import { DashboardGrid, DashboardHeader } from '../components/dashboard/view.tsx';
import { callApi } from '../trpc.server.ts';
import { trpc } from '../trpc.ts';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(dashboardStyles);

export const meta: MetaFunction = () => [{ title: 'TV · Metric Flow IQ' }];
export const handle = { bare: true };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_SCREENS = 12;

/**
 * TV mode for signed-in users: /orgs/<slug>/tv?ids=<id>&ids=<id>&every=60&refresh=30. Full
 * screen, large type, rotating between the chosen dashboards every `every` seconds; each one's
 * data refreshes in the browser through the tRPC client every `refresh` seconds (paused while the
 * tab is hidden), without reloading the page.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const url = new URL(args.request.url);
  const ids = [...new Set(url.searchParams.getAll('ids').flatMap((v) => v.split(',')))]
    .filter((id) => UUID.test(id))
    .slice(0, MAX_SCREENS);
  return callApi(args, async (api) => {
    // No dashboard chosen: the organization's home dashboard.
    const first = await api.dashboards.get({ slug, ...(ids[0] ? { id: ids[0] } : {}) });
    if (!first.dashboard) throw data({ message: 'Page not found' }, { status: 404 });
    return {
      slug,
      ids: ids.length ? ids : [first.dashboard.id],
      first,
      every: refreshSeconds(url.searchParams.get('every'), 60),
      refresh: refreshSeconds(url.searchParams.get('refresh'), 30),
      renderedAt: Date.now(),
    };
  });
}

export default function TvPage() {
  const { slug, ids, first, every, refresh, renderedAt } = useLoaderData<typeof loader>();
  const [index, setIndex] = useState(0);
  useEffect(() => {
    if (ids.length < 2) return;
    const t = setInterval(() => setIndex((i) => (i + 1) % ids.length), every * 1000);
    return () => clearInterval(t);
  }, [ids.length, every]);
  const query = trpc.dashboards.get.useQuery(
    { slug, id: ids[index]! },
    {
      ...(index === 0 ? { initialData: first, initialDataUpdatedAt: renderedAt } : {}),
      placeholderData: (previous) => previous,
      ...tvQuery(refresh),
    },
  );
  const view = query.data ?? first;
  return (
    <div className="tv" data-testid="tv">
      <DashboardHeader data={view} pickers={false}>
        <UpdatedAgo at={query.dataUpdatedAt || renderedAt} failed={query.isError} every={refresh} />
        {ids.length > 1 ? (
          <span className="muted">
            {index + 1} of {ids.length}
          </span>
        ) : null}
        <Link to={`/orgs/${slug}/dashboards`} className="button button--quiet">
          Leave TV mode
        </Link>
      </DashboardHeader>
      <DashboardGrid data={view} />
    </div>
  );
}
