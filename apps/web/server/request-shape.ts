import type { NextFunction, Request, Response } from 'express';
import { isStreamed } from './uploads.ts';

/**
 * The shape of a request, checked before any route sees it (ADR 0103), so that no spelling of a
 * method, URL or body reaches a handler that was never written for it. Generic Express middleware:
 * it knows only "page" and "API" (/api/...), not the routes themselves.
 */

/** Longest request target (path and query). Node refuses whole header blocks over 16 kB with 431. */
const MAX_URL_BYTES = 8 * 1024;
/** Methods the APIs answer themselves (with 405 where a route does not take them). */
const API_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** What pages take: forms post, everything else is read. */
const PAGE_METHODS = new Set(['GET', 'HEAD', 'POST']);
const ALLOW_PAGES = 'GET, HEAD, POST';

/** Remix routes match paths case-insensitively, so the split must too. */
const isApi = (req: Request) => req.path.toLowerCase().startsWith('/api/');

const CODES = { 400: 'BAD_REQUEST', 405: 'METHOD_NOT_SUPPORTED', 414: 'URI_TOO_LONG', 415: 'UNSUPPORTED_MEDIA_TYPE' };

function refuse(req: Request, res: Response, status: keyof typeof CODES, message: string, allow?: string) {
  res.setHeader('Cache-Control', 'no-store');
  if (allow) res.setHeader('Allow', allow);
  if (isApi(req)) {
    res.status(status).json({ error: { code: CODES[status], message } });
  } else {
    res.status(status).type('text/plain').send(message);
  }
}

/**
 * 414 for an overlong URL, 400 for a path whose percent-encoding does not decode, and 405 for a
 * method the target does not take: WebDAV, TRACE (which Node's fetch refuses to even build, a 500
 * before) and, on pages, anything but GET, HEAD and POST (actions were written for form posts).
 */
export function requestShape() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (Buffer.byteLength(req.originalUrl) > MAX_URL_BYTES)
      return refuse(req, res, 414, `URL too long (limit ${MAX_URL_BYTES / 1024} kB).`);
    try {
      decodeURIComponent(req.path);
    } catch {
      return refuse(req, res, 400, 'Bad request: the path is not valid percent-encoding.');
    }
    const allowed = isApi(req) ? API_METHODS : PAGE_METHODS;
    if (!allowed.has(req.method)) return refuse(req, res, 405, `Method ${req.method} not allowed.`, ALLOW_PAGES);
    next();
  };
}

const FORM_TYPES = /^(?:application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/**
 * Page actions read `request.formData()`, which throws (a 500) on any other body. So a page POST
 * carries a form (urlencoded, or multipart that parses) or nothing at all, which is an empty form;
 * anything else is a 415, a multipart body that does not parse a 400. Runs after the body is read.
 */
export function pageBodies() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || isApi(req) || isStreamed(res)) return next();
    const type = req.headers['content-type'] ?? '';
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!type.trim()) {
      if (body.length) return refuse(req, res, 415, 'A form post needs its Content-Type.');
      req.headers['content-type'] = 'application/x-www-form-urlencoded';
      return next();
    }
    if (!FORM_TYPES.test(type)) return refuse(req, res, 415, 'Pages take form posts only.');
    if (!/^multipart\//i.test(type)) return next();
    new Response(Uint8Array.from(body), { headers: { 'content-type': type } }).formData().then(
      () => next(),
      () => refuse(req, res, 400, 'Bad request: the form data could not be read.'),
    );
  };
}
