import type { LoaderFunctionArgs } from '@remix-run/node';
import { Link, useLoaderData, useRouteLoaderData } from '@remix-run/react';
import { FormAlert } from '../components/field.tsx';
import { loadDashboard } from '../components/dashboard/load.server.ts';
import { DashboardGrid, DashboardHeader } from '../components/dashboard/view.tsx';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import type { loader as rootLoader } from '../root.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';
import { WEEKDAYS } from '@mfiq/api/shared';

export const links = stylesheets(dashboardStyles);

/** The organization home: its default dashboard, or a way to get one. */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (api) => {
    const { data, notice } = await loadDashboard(api, slug, undefined, new URL(args.request.url));
    const hasMetrics = data.dashboard ? true : (await api.metrics.list({ slug, limit: 1 })).length > 0;
    return { data, notice, hasMetrics };
  });
}

export default function OrgHome() {
  const { data, notice, hasMetrics } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const root = useRouteLoaderData<typeof rootLoader>('root');
  if (!org) return null;
  const slug = org.organization.slug;
  const canEdit = org.permissions.includes('dashboards:write');

  if (data.dashboard) {
    return (
      <div className="dashboard" data-testid="org-dashboard">
        <DashboardHeader data={data}>
          <Link to={`/orgs/${slug}/dashboards/${data.dashboard.id}`} className="button button--quiet">
            {canEdit ? 'Edit dashboard' : 'Open'}
          </Link>
          <Link to={`/orgs/${slug}/dashboards`} className="button button--quiet">
            All dashboards
          </Link>
        </DashboardHeader>
        {notice ? <FormAlert>{notice}</FormAlert> : null}
        {data.tiles.length ? (
          <DashboardGrid data={data} />
        ) : (
          <section className="panel empty-state">
            <h2>This dashboard has no tiles yet</h2>
            <p>
              {canEdit
                ? 'Add number cards, charts and tables for the metrics that matter.'
                : 'An editor can add tiles to it.'}
            </p>
            {canEdit ? (
              <Link className="button" to={`/orgs/${slug}/dashboards/${data.dashboard.id}`}>
                Add tiles
              </Link>
            ) : null}
          </section>
        )}
      </div>
    );
  }

  const user = root?.user;
  return (
    <div className="org-home">
      <section className="panel" aria-labelledby="overview-title">
        <h2 id="overview-title" className="panel__title">
          At a glance
        </h2>
        <dl className="facts">
          <div>
            <dt>Signed in as</dt>
            <dd data-testid="signed-in-user">
              {user?.displayName}
              <span className="facts__sub muted">{user?.email}</span>
            </dd>
          </div>
          <div>
            <dt>Your role</dt>
            <dd>
              <span className={`role role--${org.role}`} data-testid="org-role">
                {org.role}
              </span>
            </dd>
          </div>
          <div>
            <dt>Timezone</dt>
            <dd>{org.organization.timezone}</dd>
          </div>
          <div>
            <dt>Weeks start on</dt>
            <dd>{WEEKDAYS[org.organization.weekStart] ?? '—'}</dd>
          </div>
        </dl>
      </section>
      <section className="panel empty-state" aria-labelledby="metrics-title">
        <div className="empty-state__art" aria-hidden="true">
          <span />
          <span />
          <span />
          <span />
        </div>
        {hasMetrics ? (
          <>
            <h2 id="metrics-title">Put your metrics on a dashboard</h2>
            <p>
              A dashboard shows each metric&apos;s latest value, its trend and how it tracks against its target. The
              first one you create opens here.
            </p>
            {canEdit ? (
              <Link className="button" to={`/orgs/${slug}/dashboards`}>
                Create a dashboard
              </Link>
            ) : (
              <p>An editor can create one.</p>
            )}
          </>
        ) : (
          <>
            <h2 id="metrics-title">Your metrics will appear here</h2>
            <p>
              Once your team defines its KPIs, each one shows up on this page with its latest value, its trend and how
              it tracks against its target.
            </p>
            {org.permissions.includes('metrics:write') ? (
              <Link className="button" to={`/orgs/${slug}/metrics`}>
                Define your first metric
              </Link>
            ) : null}
          </>
        )}
      </section>
    </div>
  );
}
