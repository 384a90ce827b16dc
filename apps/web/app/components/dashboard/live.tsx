import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { createShareTrpcClient } from '../../trpc-share.client.ts';
import { trpc } from '../../trpc.ts';

/** Seconds between data refreshes in TV mode: from the address, within sensible bounds. */
export function refreshSeconds(value: string | null, fallback = 60): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 5 && n <= 3600 ? n : fallback;
}

/** The current time, ticking every second (for "updated 12 s ago"); null until hydrated. */
function useNow() {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

/**
 * "Updated N s ago", and a warning when the last refresh failed. The server and the first client
 * render say 0 s (the data was just rendered), so hydration sees the same text; then it ticks.
 */
export function UpdatedAgo({ at, failed, every }: { at: number; failed: boolean; every: number }) {
  const now = useNow() ?? at;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  const text = seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  return (
    <p className="tv__status muted" aria-live="polite" data-testid="updated-ago">
      <span>
        <span className={`tv__dot${failed ? ' tv__dot--stale' : ''}`} aria-hidden="true" />
        {failed ? `Could not refresh; showing data from ${text} ago` : `Updated ${text} ago`}
      </span>
      <span>Refreshes every {every} s</span>
    </p>
  );
}

/** Query options of a TV: refetch on a timer, paused while the tab is hidden (react-query's default). */
export const tvQuery = (every: number) => ({
  refetchInterval: every * 1000,
  refetchIntervalInBackground: false,
  refetchOnWindowFocus: true,
  staleTime: 0,
  retry: 0,
});

/** The share page's own tRPC client and query cache (see trpc-share.client.ts). */
export function ShareTrpcProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient());
  const [client] = useState(() =>
    typeof document === 'undefined' ? trpc.createClient({ links: [] }) : createShareTrpcClient(),
  );
  return (
    <trpc.Provider client={client} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}
