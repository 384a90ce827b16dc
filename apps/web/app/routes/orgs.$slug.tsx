import { redirect, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { NotificationBell } from '../components/notification-bell.tsx';
import { OrgNav } from '../components/org-nav.tsx';
import { isTrpcError, serverApi, toResponse, type Caller } from '../trpc.server.ts';
import alertStyles from '../styles/alerts.css?url';
import orgStyles from '../styles/org.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(orgStyles, alertStyles);

/**
 * The organization's frame: resolves the slug to the caller's membership through `org.get`
 * (signed out -> /login?next=..., not a member -> 404) and gives child pages its data, with the
 * bell's unread counts for its first paint (the browser refreshes them). A former address of one of
 * the caller's organizations redirects to its current one; an organization whose deletion is
 * pending (locked) sends its members to the page that shows the schedule.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { caller } = await serverApi(args);
  try {
    const org = await caller.org.get({ slug });
    return { ...org, bell: await caller.notifications.unreadCounts() };
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
  const { organization, role, permissions, bell } = useLoaderData<typeof loader>();
  return (
    <div className="org">
      <div className="org__header">
        <div>
          <p className="eyebrow">Organization</p>
          <h1 className="org__name" data-testid="org-name">
            {organization.name}
          </h1>
        </div>
        <div className="org__tools">
          <NotificationBell slug={organization.slug} initial={bell} />
          <span className={`role role--${role}`} title="Your role in this organization">
            {role}
          </span>
        </div>
      </div>
      <OrgNav slug={organization.slug} permissions={permissions} />
      <Outlet />
    </div>
  );
}
