import { httpBatchLink } from '@trpc/client';
import superjson from 'superjson';
import { trpc } from './trpc.ts';

/**
 * The browser's tRPC client over /api/trpc (a `.client` module: Remix leaves it out of the server
 * build, where nothing is fetched).
 */
export function createBrowserTrpcClient() {
  return trpc.createClient({
    links: [
      httpBatchLink({
        // Relative on purpose: same origin, so the session cookie goes along and the CSRF check passes.
        url: '/api/trpc',
        transformer: superjson,
      }),
    ],
  });
}
