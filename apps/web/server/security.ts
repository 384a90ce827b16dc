import type { NextFunction, Request, Response } from 'express';
import { info } from './request-info.ts';

function contentSecurityPolicy(nonce: string, opts: { dev: boolean; frameSrc?: readonly string[] }): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts that a nonce'd script loads are trusted; 'self' is the fallback for
    // browsers without CSP 3 and is ignored by those with it.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // Vite's dev server injects <style> elements for hot CSS updates; the production build never does.
    opts.dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    // Only with a CAPTCHA configured: its widget is an iframe from the provider.
    ...(opts.frameSrc?.length ? [`frame-src ${opts.frameSrc.join(' ')}`] : []),
  ].join('; ');
}

const NONCE_SLOT = '\u0000nonce\u0000';

/** Headers on every response, static files and errors included. */
export function securityHeaders(opts: { dev: boolean; frameSrc?: readonly string[] }) {
  // Built once; each response's policy is the two halves around its own nonce.
  const [before, after] = contentSecurityPolicy(NONCE_SLOT, opts).split(NONCE_SLOT) as [string, string];
  return (req: Request, res: Response, next: NextFunction) => {
    const { nonce, secure } = info(res);
    res.setHeader('Content-Security-Policy', before + nonce + after);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A share link's address is its credential: no page under /d/ (its dashboard or its 404) ever
    // sends it on as a Referer.
    res.setHeader('Referrer-Policy', req.path.startsWith('/d/') ? 'no-referrer' : 'strict-origin-when-cross-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    // The legacy XSS auditor is off on purpose (it could be abused to blank out page parts); the CSP
    // protects instead. Explicit, so scanners and reviewers see the choice.
    res.setHeader('X-XSS-Protection', '0');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    // Only over HTTPS: on plain HTTP the header is ignored by browsers and would pin a dev host.
    if (secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}

// https origins (http only on loopback), host and port: nothing that could widen or break the directive.
const FRAMING_ORIGIN = /^(?:https:\/\/[a-z0-9.-]+|http:\/\/(?:localhost|127\.0\.0\.1))(?::\d{1,5})?$/;

/**
 * Lets the listed origins frame this one response (a share link's embedding allow-list): its CSP's
 * frame-ancestors becomes those origins and X-Frame-Options goes. Origins are checked again here,
 * whatever the route sent; none valid leaves the response unframable.
 */
export function allowFraming(res: Response, origins: string): void {
  const valid = origins.split(/\s+/).filter((o) => FRAMING_ORIGIN.test(o));
  if (!valid.length) return;
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp !== 'string') return;
  res.setHeader('Content-Security-Policy', csp.replace("frame-ancestors 'none'", `frame-ancestors ${valid.join(' ')}`));
  res.removeHeader('X-Frame-Options');
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * CSRF: a state-changing request must come from one of our origins (hosts.ts: the public origin, or
 * this socket's own loopback or address origin), never merely from "the origin the request names":
 * a rebinding page's Origin and Host agree with each other. Browsers send Origin on every non-GET
 * request; where it is missing, Sec-Fetch-Site decides. A request with neither is not from a
 * browser (curl, a server-side API client) and carries no ambient browser cookies to abuse.
 * SameSite=Lax cookies are the second layer.
 */
export function csrfCheck(
  allowsOrigin: (origin: string, req: Request, res: Response) => boolean,
  onRefused: (req: Request, reason: string) => void,
) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    const fetchSite = req.headers['sec-fetch-site'];
    let refused: string | null = null;
    if (origin !== undefined) {
      if (!allowsOrigin(origin, req, res)) refused = `Origin ${origin.slice(0, 200)}`;
    } else if (fetchSite !== undefined) {
      if (fetchSite !== 'same-origin') refused = `Sec-Fetch-Site ${String(fetchSite).slice(0, 40)}`;
    }
    if (refused === null) return next();
    onRefused(req, refused);
    res.setHeader('Cache-Control', 'no-store');
    if (req.path.startsWith('/api/')) {
      res.status(403).json({ error: { code: 'FORBIDDEN', message: 'Cross-origin request refused.' } });
    } else {
      res.status(403).type('text/plain').send('Cross-origin request refused.');
    }
  };
}
