import { httpLink } from '@trpc/client';
import superjson from 'superjson';
import { trpc } from './trpc.ts';

/**
 * The share page's tRPC client: its one query goes as a POST (the link's token in the body, never
 * in a URL that logs or caches keep; /api/trpc accepts that for shares.view only) and without
 * cookies, so the page reaches what the link allows whoever is signed in on this browser.
 */
export function createShareTrpcClient() {
  return trpc.createClient({
    links: [
      httpLink({
        url: '/api/trpc',
        transformer: superjson,
        methodOverride: 'POST',
        fetch: (url, init) => fetch(url, { ...init, credentials: 'omit' }),
      }),
    ],
  });
}
