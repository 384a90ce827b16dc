import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import type { RequestInfo } from '../app/load-context.ts';
import { normalizeIp } from './ip.ts';

export interface ResolvedRequest extends RequestInfo {
  /** scheme://host[:port] as the client addressed this server (its Host is checked by hosts.ts). */
  origin: string;
  protocol: 'http' | 'https';
  /** The Host (or, from the trusted proxy, X-Forwarded-Host) in lower case; '' when missing or malformed. */
  host: string;
  startedAt: bigint;
}

/** Express keeps per-request values on res.locals; this types the one we put there. */
export function info(res: Response): ResolvedRequest {
  return (res.locals as { info: ResolvedRequest }).info;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The last entry of a comma-separated forwarding header: the one the trusted proxy appended itself. */
function lastHop(value: string | undefined): string | undefined {
  const hop = value?.split(',').at(-1)?.trim();
  return hop ? hop : undefined;
}

/**
 * Resolves, once per request, what later middleware and the app rely on: the client IP, whether the
 * request came over HTTPS, the public origin, a request id and the CSP nonce. X-Forwarded-* headers
 * count only when the socket peer is the configured trusted proxy; anyone else could forge them.
 */
export function requestInfo(opts: { trustProxy: string | null; tls: boolean }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const peer = req.socket.remoteAddress ? normalizeIp(req.socket.remoteAddress) : null;
    const viaProxy = opts.trustProxy !== null && peer === opts.trustProxy;
    const forwardedFor = viaProxy ? lastHop(header(req.headers, 'x-forwarded-for')) : undefined;
    const clientIp = forwardedFor ? normalizeIp(forwardedFor) : peer;

    const forwardedProto = viaProxy ? lastHop(header(req.headers, 'x-forwarded-proto'))?.toLowerCase() : undefined;
    const secure = opts.tls || (req.socket as Partial<TLSSocket>).encrypted === true || forwardedProto === 'https';
    const protocol = secure ? 'https' : 'http';

    const forwardedHost = viaProxy ? lastHop(header(req.headers, 'x-forwarded-host')) : undefined;
    const rawHost = forwardedHost ?? header(req.headers, 'host') ?? '';
    const host = HOST.test(rawHost) ? rawHost.toLowerCase() : '';

    const incomingId = viaProxy ? header(req.headers, 'x-request-id') : undefined;
    const requestId = incomingId && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    // The API's context reads the id from the request, so pages, /api/trpc and logs share it.
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);

    const resolved: ResolvedRequest = {
      nonce: randomBytes(16).toString('base64'),
      requestId,
      clientIp,
      secure,
      protocol,
      host,
      origin: `${protocol}://${host || 'invalid.host'}`,
      startedAt: process.hrtime.bigint(),
    };
    res.locals.info = resolved;
    next();
  };
}
