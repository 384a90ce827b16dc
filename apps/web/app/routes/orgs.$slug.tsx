import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { NotificationBell } from '../components/notification-bell.tsx';
import { OrgNav } from '../components/org-nav.tsx';
import { callApi } from '../trpc.server.ts';
import alertStyles from '../styles/alerts.css?url';
import orgStyles from '../styles/org.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(orgStyles, alertStyles);

/**
 * The organization's frame: resolves the slug to the caller's membership through `org.get`
 * (signed out -> /login?next=..., not a member -> 404) and gives child pages its data, with the
 * bell's unread counts for its first paint (the browser refreshes them).
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (caller) => {
    const org = await caller.org.get({ slug });
    return { ...org, bell: await caller.notifications.unreadCounts() };
  });
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
