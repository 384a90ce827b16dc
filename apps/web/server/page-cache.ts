import type { Request } from 'express';

/**
 * Pages that render the same for every signed-out visitor: their HTML differs from one request to
 * the next only by the CSP nonce. Exact paths: any other spelling (a query, a trailing slash, another
 * case) is rendered as usual.
 */
const PUBLIC_STATIC_PAGES: ReadonlySet<string> = new Set(['/', '/security', '/privacy', '/subprocessors']);

/** A rendered page this large is served but not kept (the four pages are a few kB each). */
const MAX_CACHED_CHARS = 512 * 1024;
/**
 * Pages are kept per origin (scheme and Host, as the request was resolved), in case a page ever
 * renders its own address; the host allow-list bounds the names but not every port spelling, so
 * the number of entries is bounded too: once full, pages are rendered and served, not kept.
 */
const MAX_ENTRIES = 32;

interface CachedPage {
  status: number;
  headers: [string, string][];
  /** The HTML split at the nonce of the request that rendered it: joined again with each request's own. */
  parts: string[];
}

const answer = (page: CachedPage, nonce: string) =>
  new Response(page.parts.join(nonce), { status: page.status, headers: page.headers });

/**
 * The server-side render of the public static pages, kept for the process's lifetime (a deploy is a
 * new process, so a new build never serves an old page) and bounded in entries and size. Only a GET or HEAD with no Cookie and no Authorization header is answered from it:
 * whoever carries a session (or any cookie) gets a fresh render, so no page with a signed-in header
 * is ever stored or served to someone else. Only a 200 HTML answer that sets no cookie is stored.
 */
export function publicPageCache() {
  const pages = new Map<string, CachedPage>();
  return {
    async respond(
      req: Request,
      request: { nonce: string; origin: string },
      render: () => Promise<Response>,
    ): Promise<Response> {
      const { nonce } = request;
      const path = req.originalUrl;
      const anonymous = req.headers.cookie === undefined && req.headers.authorization === undefined;
      if (!anonymous || (req.method !== 'GET' && req.method !== 'HEAD') || !PUBLIC_STATIC_PAGES.has(path)) {
        return render();
      }
      const key = `${request.origin}${path}`;
      const cached = pages.get(key);
      if (cached) return answer(cached, nonce);
      const response = await render();
      const storable =
        response.status === 200 &&
        !response.headers.has('set-cookie') &&
        (response.headers.get('content-type') ?? '').startsWith('text/html') &&
        nonce.length >= 16;
      if (!storable) return response;
      const html = await response.text();
      const page: CachedPage = { status: response.status, headers: [...response.headers], parts: html.split(nonce) };
      if (html.length <= MAX_CACHED_CHARS && pages.size < MAX_ENTRIES) pages.set(key, page);
      return answer(page, nonce);
    },
  };
}
