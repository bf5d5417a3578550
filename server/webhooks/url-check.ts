// Where a webhook may be sent (CONTRACT section 7): https to a public address. Plain http only to this
// machine's loopback, and loopback at all only with WEBHOOKS_ALLOW_HTTP=loopback (development, tests).
// Checked when an endpoint is created and again on the addresses its name resolves to at each delivery,
// which then connects to the address checked: a name that resolves elsewhere a moment later (DNS
// rebinding) cannot send a delivery into the private network.
import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** Every address a host name resolves to (dns.lookup with all: true); tests give their own. */
export type WebhookLookup = (hostname: string) => Promise<ResolvedAddress[]>;
export const systemLookup: WebhookLookup = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** A URL or an address a webhook may not go to: the message says why. */
export class RefusedUrl extends Error {}

const RANGES: Array<[label: string, cidrs: string[]]> = [
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fec0::/10']],
  ['shared (CGNAT)', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['reserved', ['192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4', '100::/64', '2001:db8::/32', '3fff::/20']],
  // Addresses that carry an IPv4 address inside, which could be a private one: NAT64, 6to4, Teredo
  // (2001::/32, within the IETF's protocol block 2001::/23, none of it a plain host).
  ['NAT64, 6to4 or Teredo', ['64:ff9b::/96', '64:ff9b:1::/48', '2002::/16', '2001::/23']],
];
// Every IPv6 unicast address on the internet is in 2000::/3; the rest (IPv4-compatible ::a.b.c.d,
// SIIT ::ffff:0:a.b.c.d, SRv6, unassigned) is refused whole rather than range by range.
const globalUnicast = blockList(['2000::/3']);
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

function blockList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/');
    list.addSubnet(address, Number(bits), isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}
const refused = RANGES.map(([label, cidrs]) => ({ label, list: blockList(cidrs) }));
const loopback = blockList(LOOPBACK);
// Consulted for IPv6 addresses only: a BlockList matches IPv4 addresses against an IPv4-mapped range.
const mapped = blockList(['::ffff:0:0/96']);

const family = (address: string) => (isIP(address) === 6 ? 'ipv6' : 'ipv4');
const isLoopback = (address: string) => loopback.check(address, family(address));

/** Why `address` may not be sent to, or undefined when it may. */
export function addressProblem(address: string, allowLoopback: boolean): string | undefined {
  const type = family(address);
  if (type === 'ipv6' && mapped.check(address, 'ipv6')) return `${address} is an IPv4-mapped IPv6 address`;
  if (isLoopback(address)) return allowLoopback ? undefined : `${address} is a loopback address (allowed only with WEBHOOKS_ALLOW_HTTP=loopback)`;
  const hit = refused.find(({ list }) => list.check(address, type));
  if (hit) return `${address} is a ${hit.label} address`;
  if (type === 'ipv6' && !globalUnicast.check(address, 'ipv6')) return `${address} is not a global unicast IPv6 address`;
  return undefined;
}

const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1');

/** The URL parsed and its form checked (scheme, no credentials, an address literal's range); throws RefusedUrl. */
export function checkWebhookUrl(text: string, allowLoopback: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedUrl('url must be an absolute https URL');
  }
  if (text.length > 2048) throw new RefusedUrl('url must be at most 2048 characters');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RefusedUrl('url must be an https URL');
  if (url.protocol === 'http:' && !allowLoopback) throw new RefusedUrl('url must be https (plain http only to loopback, with WEBHOOKS_ALLOW_HTTP=loopback)');
  if (url.username || url.password) throw new RefusedUrl('url must not carry credentials');
  if (url.hash) throw new RefusedUrl('url must not have a fragment');
  const host = bare(url.hostname);
  // A name DNS could never answer would only fail every delivery for a day before its endpoint is disabled.
  if (!isIP(host) && (host.length > 253 || host.split('.').some((label) => label.length > 63))) throw new RefusedUrl('url: the host name is longer than DNS allows (253 characters, 63 a label)');
  if (isIP(host)) {
    const problem = addressProblem(host, allowLoopback);
    if (problem) throw new RefusedUrl(`url: ${problem}`);
    if (url.protocol === 'http:' && !isLoopback(host)) throw new RefusedUrl('url must be https (plain http only to loopback)');
  }
  return url;
}

/**
 * The address to connect to for `url`: every address its host resolves to must be allowed (one bad
 * address refuses the lot), and for plain http every one must be loopback. Throws RefusedUrl.
 */
export async function resolveWebhookUrl(url: URL, allowLoopback: boolean, lookup: WebhookLookup): Promise<ResolvedAddress> {
  const host = bare(url.hostname);
  let addresses: ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host);
    } catch (error) {
      throw new RefusedUrl(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
    }
  }
  if (addresses.length === 0) throw new RefusedUrl(`${host} does not resolve`);
  for (const { address } of addresses) {
    const problem = addressProblem(address, allowLoopback);
    if (problem) throw new RefusedUrl(`${host} resolves to ${problem}`);
    if (url.protocol === 'http:' && !isLoopback(address)) throw new RefusedUrl(`${host} resolves to ${address}: plain http only to loopback`);
  }
  return addresses[0];
}
