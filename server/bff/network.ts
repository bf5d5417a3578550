// Who counts as one actor for the hold limits: a network, not an address. One household,
// office or rented server gets a whole IPv4 /24 or IPv6 /56 as easily as one address.
import { isIPv4, isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address (with any embedded IPv4 tail), or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip.split('%')[0];
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1].split('.').map(Number);
    text = `${text.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(rest);
  const groups = rest === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * The network an address belongs to, as a stable text key: `a.b.c.0/24` for IPv4 (also when
 * written IPv4-mapped, `::ffff:a.b.c.d`), the first 56 bits `xxxx:xxxx:xxxx:xx00::/56` for IPv6.
 * Anything else is its own network.
 */
export function networkOf(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.0/24`;
  }
  const hex = (g: number) => g.toString(16);
  return `${hex(groups[0])}:${hex(groups[1])}:${hex(groups[2])}:${hex(groups[3] & 0xff00)}::/56`;
}
