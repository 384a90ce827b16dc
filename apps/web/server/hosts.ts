import { isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { isLoopbackAddress, sameAddress } from './ip.ts';
import { info } from './request-info.ts';

/** `name[:port]` or `[v6][:port]` (request-info.ts has already checked the shape). */
function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

const unbracket = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/** `localhost` and loopback address literals: names a DNS answer cannot point somewhere else. */
export function isLoopbackHostname(hostname: string): boolean {
  return hostname === 'localhost' || isLoopbackAddress(hostname);
}

/** The address literal the client connected to (its Host is then this socket's own address). */
function isOwnAddress(hostname: string, req: Request): boolean {
  const local = req.socket.localAddress;
  return isIP(unbracket(hostname)) !== 0 && local !== undefined && sameAddress(unbracket(hostname), local);
}

/** The Host of a request, without its port: '' when it was missing or malformed. */
export function requestHostname(res: Response): string {
  return hostnameOf(info(res).host);
}

export interface HostPolicy {
  /**
   * Express middleware, first after request-info: 400 for a missing or malformed Host, 421 for a
   * name that is not ours. A page fetched through a DNS name that an attacker re-pointed at this
   * server (DNS rebinding) carries the attacker's name, so it never reaches the app.
   */
  check(req: Request, res: Response, next: NextFunction): void;
  /** Whether a browser on this origin may send us state-changing requests (the CSRF check). */
  allowsOrigin(origin: string, req: Request, res: Response): boolean;
}

/**
 * Our names: PUBLIC_URL's host, loopback names and addresses, and the IP literal of the socket the
 * request arrived on (a name could be re-pointed at us; an address literal is just us). The port
 * does not matter for the Host (a rebinding attack cannot choose the name, whatever the port); it
 * does for Origin, which must be exactly the public origin, or one of our names on the scheme and
 * port of the (already checked) Host this request came in on.
 */
export function createHostPolicy(opts: {
  publicUrl: string | null;
  onRefused: (req: Request, host: string, status: 400 | 421) => void;
}): HostPolicy {
  const publicUrl = opts.publicUrl ? new URL(opts.publicUrl) : null;
  const publicHostname = publicUrl?.hostname.toLowerCase() ?? null;

  const allowsHostname = (hostname: string, req: Request) =>
    hostname === publicHostname || isLoopbackHostname(hostname) || isOwnAddress(hostname, req);

  return {
    check(req, res, next) {
      const { host } = info(res);
      const status = !host ? 400 : allowsHostname(hostnameOf(host), req) ? null : 421;
      if (status === null) return next();
      opts.onRefused(req, (host || String(req.headers.host ?? '')).slice(0, 200), status);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (status === 421) res.setHeader('Connection', 'close');
      res
        .status(status)
        .type('text/plain')
        .send(
          status === 400
            ? 'Bad request: no valid Host header.'
            : 'Misdirected request: this server does not answer to that host name.',
        );
    },

    allowsOrigin(origin, req, res) {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
      if (publicUrl && url.origin === publicUrl.origin) return true;
      // Otherwise one of our names, on the scheme and port this request came in on (another
      // program on this machine listens on another port; the other scheme is another origin).
      const { protocol, host } = info(res);
      const hostPort = /:(\d+)$/.exec(host)?.[1];
      const defaultPort = (scheme: string) => (scheme === 'https' ? 443 : 80);
      const port = url.port ? Number(url.port) : defaultPort(url.protocol.slice(0, -1));
      return (
        url.protocol === `${protocol}:` &&
        port === (hostPort ? Number(hostPort) : defaultPort(protocol)) &&
        allowsHostname(url.hostname, req)
      );
    },
  };
}
