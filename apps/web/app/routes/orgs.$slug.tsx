import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Outlet, useLoaderData } from '@remix-run/react';
import { OrgNav } from '../components/org-nav.tsx';
import { callApi } from '../trpc.server.ts';
import orgStyles from '../styles/org.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(orgStyles);

/**
 * The organization's frame: resolves the slug to the caller's membership through `org.get`
 * (signed out -> /login?next=..., not a member -> 404) and gives child pages its data.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, (caller) => caller.org.get({ slug }));
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
      <OrgNav slug={organization.slug} permissions={permissions} />
      <Outlet />
    </div>
  );
}
