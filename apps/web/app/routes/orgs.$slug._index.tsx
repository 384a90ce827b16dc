import { useRouteLoaderData } from '@remix-run/react';
import type { OrgData } from './orgs.$slug.tsx';
import type { loader as rootLoader } from '../root.tsx';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export default function OrgHome() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const root = useRouteLoaderData<typeof rootLoader>('root');
  if (!org) return null;
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
        <h2 id="metrics-title">Your metrics will appear here</h2>
        <p>
          Once your team defines its KPIs, each one shows up on this page with its latest value, its trend and how it tracks against its
          target.
        </p>
      </section>
    </div>
  );
}
