import { BlockList, isIP } from 'node:net';

/**
 * Outbound URLs a tenant names (SAP's OData host is the customer's own): https only, no
 * credentials in the URL, and a host that is — as written and as DNS answers at the time of the
 * call — a public address. Loopback, private, link-local (the cloud's metadata service),
 * unique-local, CGNAT and the like are refused, in IPv4, IPv6 and IPv4-mapped IPv6 alike; numeric
 * forms (`2130706433`, `0x7f000001`) are parsed by the URL parser to the dotted form first.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
}

/** An address no tenant's URL may reach. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 it maps. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

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
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return isPrivateAddress(host) ? 'must not name a private, loopback or link-local address' : undefined;
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || !host.includes('.')) return 'must name a public host';
  return undefined;
}

