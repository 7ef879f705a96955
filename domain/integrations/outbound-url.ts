import { BlockList, isIP } from 'node:net';

/**
 * Outbound URLs a tenant names (SAP's OData host is the customer's own; outbound webhooks, #15):
 * https only, no credentials in the URL, and a host that is — as written and as DNS answers at the
 * time of the call — a public address. Loopback, private, link-local (the cloud's metadata
 * service), unique-local, CGNAT and the like are refused, in IPv4, IPv6 and IPv6 forms that carry
 * an IPv4 address (mapped, compatible, NAT64, 6to4) alike; numeric host forms (`2130706433`,
 * `0177.0.0.1`, `0x7f.1`) are parsed by the URL parser to the dotted form first.
 */
const blocked4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  // The 6to4 relay anycast (deprecated, RFC 7526): a relay, never a receiver.
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked4.addSubnet(net, prefix, 'ipv4');

/**
 * Special-purpose ranges inside global unicast (2000::/3); everything outside 2000::/3 (::, ::1,
 * fc00::/7, fe80::/10, the old site-local fec0::/10, multicast ff00::/8, discard 100::/64, NAT64's
 * local-use 64:ff9b:1::/48 …) is refused before this list is read.
 */
const blocked6 = new BlockList();
for (const [net, prefix] of [
  // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID — nothing a receiver lives on.
  ['2001::', 23],
  ['2001:db8::', 32],
  // Documentation (RFC 9637) and SRv6 SIDs (RFC 9602).
  ['3fff::', 20],
  ['5f00::', 16],
] as const)
  blocked6.addSubnet(net, prefix, 'ipv6');

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

/** The eight 16-bit groups of an address `isIP` calls IPv6 (a trailing dotted quad included). */
function ipv6Groups(address: string): number[] {
  let s = address;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => Number.parseInt(g, 16));
}

const dotted = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/**
 * The IPv4 address an IPv6 address stands for, where a packet to it reaches that IPv4 host (or
 * the network would route it as such): IPv4-mapped ::ffff:0:0/96 (`::ffff:10.0.0.1`,
 * `::ffff:a00:1`), IPv4-compatible ::/96 (deprecated; `::` and `::1` are in it too and map into
 * 0.0.0.0/8), NAT64's well-known 64:ff9b::/96 (an IPv6-only network with DNS64 answers every
 * IPv4-only host this way, so a public one must pass) and 6to4 2002::/16.
 */
function embeddedIPv4(g: number[]): string | undefined {
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return dotted(g[6]!, g[7]!);
  if (zero(0, 6)) return dotted(g[6]!, g[7]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return dotted(g[6]!, g[7]!);
  if (g[0] === 0x2002) return dotted(g[1]!, g[2]!);
  return undefined;
}

/**
 * An address no tenant's URL may reach. Anything that is not an IP address, an IPv6 address with
 * a zone (`fe80::1%eth0`: only link-local ones have zones), and IPv4-compatible addresses are
 * refused; IPv6 forms that carry an IPv4 address are judged as that address.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked4.check(address, 'ipv4');
  if (family !== 6 || address.includes('%')) return true;
  const g = ipv6Groups(address);
  const v4 = embeddedIPv4(g);
  // IPv4-compatible (::a.b.c.d) is deprecated (RFC 4291 §2.5.5.1): no public host is reached that way.
  if (v4 !== undefined && g.slice(0, 6).every((x) => x === 0)) return true;
  if (v4 !== undefined && blocked4.check(v4, 'ipv4')) return true;
  if (v4 !== undefined && g[0] !== 0x2002) return false;
  if ((g[0]! & 0xe000) !== 0x2000) return true;
  return blocked6.check(address, 'ipv6');
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: where `npm start` lets a developer receive over http. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith('127.');
  if (family !== 6 || address.includes('%')) return false;
  const g = ipv6Groups(address);
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return true;
  return g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff && g[6]! >> 8 === 127;
}

/** A URL's host as compared here: IPv6 brackets and the root's trailing dot (`localhost.`) taken off. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');

/** Names that only a local resolver answers: localhost, mDNS `.local`, cloud-internal names, single labels. */
export const isLocalName = (host: string) =>
  host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || !host.includes('.');

/** What can be told without DNS: the scheme, credentials, a host that is an address or a local name. Undefined when fine. */
export function staticUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials (give them as secrets)';
  const host = hostOf(url);
  if (isIP(host) !== 0) return isPrivateAddress(host) ? 'must not name a private, loopback or link-local address' : undefined;
  if (isLocalName(host)) return 'must name a public host';
  return undefined;
}
