import { isIP } from 'node:net';

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) and `10.0.0.1` are the same address. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim();
  return trimmed.toLowerCase().startsWith('::ffff:') && isIP(trimmed.slice(7)) === 4
    ? trimmed.slice(7)
    : trimmed.toLowerCase();
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped, embedded IPv4 folded in); null if not IPv6. */
function ipv6Groups(ip: string): number[] | null {
  const address = ip.replace(/%.*$/, '');
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, in any spelling) as the IPv4 address it stands for. */
function mappedIpv4(groups: number[]): string | null {
  if (groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff) return null;
  const [hi, lo] = [groups[6]!, groups[7]!];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped spellings; brackets around an IPv6 literal are allowed. */
export function isLoopbackAddress(ip: string): boolean {
  const address = ip.replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 4) return address.startsWith('127.');
  const groups = ipv6Groups(address);
  if (!groups) return false;
  const v4 = mappedIpv4(groups);
  if (v4) return v4.startsWith('127.');
  return groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

/** Two spellings of one IP address (IPv4-mapped, zero-compressed, upper case...) compare equal. */
export function sameAddress(a: string, b: string): boolean {
  const canonical = (ip: string) => {
    const address = ip.replace(/^\[(.*)\]$/, '$1');
    if (isIP(address) === 4) return address;
    const groups = ipv6Groups(address);
    return groups ? (mappedIpv4(groups) ?? groups.join(':')) : null;
  };
  const x = canonical(a);
  return x !== null && x === canonical(b);
}

/**
 * The unit a per-address rate limit counts: the address itself for IPv4 (IPv4-mapped IPv6 included),
 * the /64 prefix for IPv6, which is what one subscriber or host gets and can rotate through freely.
 */
export function rateLimitKey(ip: string | null): string {
  if (!ip) return 'unknown';
  const address = ip.trim();
  if (isIP(address) === 4) return address;
  const groups = ipv6Groups(address);
  if (!groups) return 'unknown';
  const v4 = mappedIpv4(groups);
  if (v4) return v4;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
