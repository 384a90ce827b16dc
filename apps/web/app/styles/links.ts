import type { LinksFunction } from '@remix-run/node';

/** A route's `links` that load its feature stylesheets (docs/decisions/0105-styles-by-feature.md). */
export const stylesheets =
  (...hrefs: string[]): LinksFunction =>
  () =>
    hrefs.map((href) => ({ rel: 'stylesheet', href }));
