import { Link, useParams } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import type { RouterOutputs } from '@mfiq/api';
import { trpc } from '../trpc.ts';

type Organizations = RouterOutputs['org']['list'];

/**
 * The organization switcher. The list comes from `org.list` over /api/trpc (react-query keeps it
 * fresh across navigations); the root loader's copy renders it on the server and before the first
 * fetch. A <details> menu works without JavaScript too.
 */
export function OrgSwitcher({ initial }: { initial: Organizations }) {
  const { slug } = useParams();
  const query = trpc.org.list.useQuery(undefined, { placeholderData: initial });
  const organizations = query.data ?? initial;
  const utils = trpc.useUtils();

  // The root loader's list is fresh after every action (a new organization, a new address): it
  // replaces the cached one, without another request.
  useEffect(() => {
    utils.org.list.setData(undefined, initial);
  }, [initial, utils]);
  const current = organizations.find((o) => o.slug === slug);
  const menu = useRef<HTMLDetailsElement>(null);

  // Close the menu after choosing (the page changes underneath it).
  useEffect(() => {
    if (menu.current) menu.current.open = false;
  }, [slug]);

  return (
    <details className="switcher" ref={menu} data-testid="org-switcher">
      {/* Named by what it shows ("Organization Acme"), so speech input can say what sighted people read. */}
      <summary className="switcher__button">
        <span className="switcher__label">Organization</span>
        <span className="switcher__current">{current?.name ?? 'Choose an organization'}</span>
        <span className="switcher__chevron" aria-hidden="true" />
      </summary>
      <div className="switcher__menu">
        <p className="switcher__heading" id="switcher-heading">
          Your organizations
        </p>
        <ul aria-labelledby="switcher-heading">
          {organizations.map((o) => (
            <li key={o.slug}>
              <Link
                to={`/orgs/${o.slug}`}
                aria-current={o.slug === slug ? 'page' : undefined}
                className="switcher__item"
              >
                <span className="switcher__name">{o.name}</span>
                <span className={`role role--${o.role}`}>{o.role}</span>
              </Link>
            </li>
          ))}
        </ul>
        {organizations.length === 0 ? <p className="muted">You are not a member of any organization yet.</p> : null}
        <Link to="/organizations/new" className="switcher__item switcher__create">
          <span className="switcher__name">+ Create an organization</span>
        </Link>
      </div>
    </details>
  );
}
