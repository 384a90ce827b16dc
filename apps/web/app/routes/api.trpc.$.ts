import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';

/**
 * /api/trpc/*: the same router and context factory as the pages' server-side caller, over HTTP for
 * client components and API clients. The CSRF check and body limit run before this, in the HTTP
 * server. Public form procedures need a form pass in their context, which only a page action can
 * give (ADR 0050): nothing here can, so they refuse whatever the URL's spelling.
 */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: context.api.router,
    createContext: ({ req, resHeaders }) =>
      context.api.createContext({ req, resHeaders, clientIp: context.request.clientIp }),
    onError({ error, path, ctx }) {
      // With a context, the API's error formatter has logged it already.
      if (error.code === 'INTERNAL_SERVER_ERROR' && !ctx) {
        context.logger.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
      }
    },
  });
}

export const loader = handle;
export const action = handle;
