import { redirect, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData } from '@remix-run/react';
import { isTrpcError, serverApi, toResponse, type Caller } from '../trpc.server.ts';

/**
 * The organization's frame: resolves the slug to the caller's membership through `org.get`
 * (signed out -> /login?next=..., not a member -> 404) and gives child pages its data. A former
 * address of one of the caller's organizations redirects to its current one; an organization
 * whose deletion is pending (locked) sends its members to the page that shows the schedule.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { caller } = await serverApi(args);
  try {
    return await caller.org.get({ slug });
  } catch (error) {
    throw (await lifecycleRedirect(caller, slug, error, args.request)) ?? toResponse(error, args.request);
  }
}

async function lifecycleRedirect(caller: Caller, slug: string, error: unknown, request: Request) {
  if (!isTrpcError(error)) return null;
  const attempt = <T,>(p: Promise<T>) => p.catch(() => null);
  if (error.code === 'NOT_FOUND') {
    const moved = await attempt(caller.org.resolveSlug({ slug }));
    if (!moved) return null;
    const url = new URL(request.url);
    return redirect(`${url.pathname.replace(`/orgs/${slug}`, `/orgs/${moved.slug}`)}${url.search}`);
  }
  if (error.code === 'FORBIDDEN' && (await attempt(caller.org.deletionStatus({ slug }))))
    return redirect(`/orgs/${slug}/deletion`);
  return null;
}

export type OrgData = Awaited<ReturnType<typeof loader>>;

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.organization.name} · Metric Flow IQ` : 'Metric Flow IQ' },
];

export default function OrgLayout() {
  const { organization, role, permissions } = useLoaderData<typeof loader>();
  return (
    <div className="org">
      <div className="org__header">
        <div>
          <p className="eyebrow">Organization</p>
          <h1 className="org__name" data-testid="org-name">
            {organization.name}
          </h1>
        </div>
        <span className={`role role--${role}`} title="Your role in this organization">
          {role}
        </span>
      </div>
      <nav className="tabs" aria-label="Organization">
        <NavLink to={`/orgs/${organization.slug}`} end className="tabs__link">
          Overview
        </NavLink>
        <NavLink to={`/orgs/${organization.slug}/dashboards`} className="tabs__link">
          Dashboards
        </NavLink>
        <NavLink to={`/orgs/${organization.slug}/metrics`} className="tabs__link">
          Metrics
        </NavLink>
        {permissions.includes('forms:read') ? (
          <NavLink to={`/orgs/${organization.slug}/forms`} className="tabs__link">
            Forms
          </NavLink>
        ) : null}
        <NavLink to={`/orgs/${organization.slug}/members`} className="tabs__link">
          Members
        </NavLink>
        {permissions.includes('data:write') ? (
          <NavLink to={`/orgs/${organization.slug}/imports`} className="tabs__link">
            Import CSV
          </NavLink>
        ) : null}
        <NavLink to={`/orgs/${organization.slug}/settings`} end className="tabs__link">
          Settings
        </NavLink>
        {permissions.includes('security:manage') ? (
          <NavLink to={`/orgs/${organization.slug}/security`} className="tabs__link">
            Security
          </NavLink>
        ) : null}
        {permissions.includes('apikeys:manage') ? (
          <NavLink to={`/orgs/${organization.slug}/settings/api-keys`} className="tabs__link">
            API keys
          </NavLink>
        ) : null}
        {permissions.includes('audit:read') ? (
          <NavLink to={`/orgs/${organization.slug}/audit`} className="tabs__link">
            Audit log
          </NavLink>
        ) : null}
        {permissions.includes('backups:manage') ? (
          <NavLink to={`/orgs/${organization.slug}/backups`} className="tabs__link">
            Backups
          </NavLink>
        ) : null}
      </nav>
      <Outlet />
    </div>
  );
}
