import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';

/**
 * /api/v1/*: the plain HTTP JSON API for clients in other languages (OpenAPI document at
 * /api/v1/openapi.json). The CSRF check and body limit (1 MB for pushes) run before this, in the
 * HTTP server; API keys travel in the Authorization header, never in cookies.
 */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  return context.api.rest(request, context.request.clientIp);
}

export const loader = handle;
export const action = handle;
