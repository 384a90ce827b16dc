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

/** Headers on every response, static files and errors included. */
export function securityHeaders(opts: { dev: boolean; frameSrc?: readonly string[] }) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const { nonce, secure } = info(res);
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce, opts));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
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
