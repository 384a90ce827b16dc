import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network an address stands for when counting attempts or remembering where a user signs in:
 * an IPv4 address itself (IPv4-mapped IPv6 included), and the /64 of an IPv6 address, because one
 * subscriber usually gets a whole /64 and could otherwise rotate through 2^64 addresses.
 */
export function networkOf(ip: string | null): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return 'unknown';
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, without zone, lowercase and without leading zeros. */
function expandIPv6(ip: string): string[] {
  const address = ip.split('%')[0]!.toLowerCase();
  const [head = '', tail] = address.split('::');
  const part = (s: string) => (s ? s.split(':') : []);
  // A trailing dotted IPv4 part counts as two hextets.
  const toHextets = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes('.')) return [g];
      const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const left = toHextets(part(head));
  const right = tail === undefined ? [] : toHextets(part(tail));
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((h) => parseInt(h, 16).toString(16));
}

/** The stored form of a network (sign_in_sources): a hash, so the table lists no addresses. */
export function networkHash(ip: string | null): string {
  return createHash('sha256')
    .update(`network|${networkOf(ip)}`, 'utf8')
    .digest('hex');
}
