import type { Request, Response } from 'express';
import { isLoopbackHostname, requestHostname } from './hosts.ts';
import { isLoopbackAddress } from './ip.ts';

/** Headers a proxy adds: with any of them, the person asking may be anywhere. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'];

/**
 * Whether this request may read the dev mailbox (mail kept instead of sent, with live reset and
 * invitation links): only where it is enabled (never in production, see config.server.ts), only when
 * the server listens on loopback and trusts no proxy, and only for a request that came from loopback
 * to a loopback name with no proxy in between. The route gets the folder only through this answer,
 * so no spelling of its URL reaches the files otherwise.
 */
export function mailboxAccess(opts: { enabled: boolean; dir: string; bindHost: string; trustProxy: string | null }) {
  const possible =
    opts.enabled && opts.trustProxy === null && (opts.bindHost === 'localhost' || isLoopbackAddress(opts.bindHost));
  return {
    possible,
    forRequest(req: Request, res: Response): { dir: string } | null {
      if (!possible) return null;
      const peer = req.socket.remoteAddress;
      if (!peer || !isLoopbackAddress(peer)) return null;
      if (!isLoopbackHostname(requestHostname(res))) return null;
      if (FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined)) return null;
      return { dir: opts.dir };
    },
  };
}
