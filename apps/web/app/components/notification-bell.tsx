import { Link } from '@remix-run/react';
import type { RouterOutputs } from '@mfiq/api';
import { trpc } from '../trpc.ts';

/** How often the bell asks again while the tab is visible. */
const REFRESH_MS = 15_000;

/**
 * The bell in the organization header: this organization's unread alerts for the signed-in member.
 * The loader's count paints it on the server; in the browser `notifications.unreadCounts` is asked
 * again every 15 s, never while the tab is hidden (react-query pauses the interval then) and once
 * more when the tab comes back. The link works without JavaScript.
 */
export function NotificationBell({ slug, initial }: { slug: string; initial: BellCounts }) {
  const query = trpc.notifications.unreadCounts.useQuery(undefined, {
    initialData: initial,
    // Server data is fresh at first paint; ask again only on the interval or on return to the tab.
    staleTime: REFRESH_MS,
    refetchInterval: REFRESH_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: true,
  });
  const unread = (query.data ?? initial).organizations.find((o) => o.slug === slug)?.unread ?? 0;
  const label = unread === 0 ? 'Alerts, none unread' : `Alerts, ${unread} unread`;
  return (
    <Link
      to={`/orgs/${slug}/alerts`}
      className={`bell${unread > 0 ? ' bell--unread' : ''}`}
      aria-label={label}
      title={label}
      data-testid="bell"
    >
      <svg className="bell__icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          fill="currentColor"
        />
      </svg>
      {unread > 0 ? (
        <span className="bell__count" data-testid="bell-count" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </Link>
  );
}

type BellCounts = RouterOutputs['notifications']['unreadCounts'];
