import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostOf, isLoopbackAddress, isPrivateAddress, staticUrlProblem } from './outbound-url';

/**
 * The SSRF table (issue #15, item 4). The ranges are written out here again and tested with
 * integer arithmetic of the test's own, not with the BlockList the code uses.
 */
const refusedV4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: the metadata endpoint
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
];

const toInt = (dotted: string) => dotted.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toDotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const inRange = (n: number, [net, prefix]: [string, number]) => Math.floor(n / 2 ** (32 - prefix)) === Math.floor(toInt(net) / 2 ** (32 - prefix));
const refusedInt = (n: number) => refusedV4.some((r) => inRange(n, r));
const hex16 = (n: number) => n.toString(16);

/** An address somewhere in one of the refused IPv4 ranges. */
const refusedV4Int = fc
  .constantFrom(...refusedV4)
  .chain(([net, prefix]) => fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((host) => toInt(net) + host));
const publicV4Int = fc.integer({ min: 0, max: 2 ** 32 - 1 }).filter((n) => !refusedInt(n));

/** The IPv6 spellings of an IPv4 address that reach (or are routed as) that IPv4 host. */
const v6FormsOf = (n: number) => [
  `::ffff:${toDotted(n)}`,
  `::ffff:${hex16(n >>> 16)}:${hex16(n & 0xffff)}`,
  `0:0:0:0:0:ffff:${hex16(n >>> 16)}:${hex16(n & 0xffff)}`,
  `64:ff9b::${toDotted(n)}`,
  `64:ff9b::${hex16(n >>> 16)}:${hex16(n & 0xffff)}`,
  `2002:${hex16(n >>> 16)}:${hex16(n & 0xffff)}::1`,
];

const group = (min = 0, max = 0xffff) => fc.integer({ min, max });
const v6 = (first: fc.Arbitrary<number>, restMin = 0) => fc.tuple(first, ...Array.from({ length: 7 }, () => group(restMin))).map((g) => g.map(hex16).join(':'));
/** An IPv6 address with the given prefix (as a 16-bit first group and how many of its bits are fixed). */
const v6In = (firstGroup: number, bits: number) => v6(group(0, 2 ** (16 - bits) - 1).map((low) => firstGroup + low));

describe('the SSRF table: which addresses no tenant URL may reach', () => {
  it.each([
    // IPv4: loopback, private, link-local (metadata), CGNAT, this-network, multicast, reserved, documentation, benchmarking
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['0.0.0.0', true],
    ['0.1.2.3', true],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['240.0.0.1', true],
    ['255.255.255.255', true],
    ['192.0.0.8', true],
    ['192.0.2.1', true],
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['198.18.0.1', true],
    ['198.19.255.255', true],
    ['192.88.99.1', true],
    // IPv6: loopback, unspecified, unique-local, link-local, old site-local, multicast, discard, documentation, Teredo, SRv6
    ['::1', true],
    ['::', true],
    ['0:0:0:0:0:0:0:1', true],
    ['fc00::1', true],
    ['fd12:3456:789a::1', true],
    ['fe80::1', true],
    ['FE80::1', true],
    ['febf:ffff::1', true],
    ['fec0::1', true],
    ['ff02::1', true],
    ['100::1', true],
    ['2001:db8::1', true],
    ['2001::1', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    ['3fff::1', true],
    ['5f00::1', true],
    ['fe80::1%eth0', true],
    ['fe80::1%1', true],
    // IPv4-mapped, dotted and hex
    ['::ffff:10.0.0.1', true],
    ['::ffff:a00:1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::FFFF:7F00:1', true],
    ['::ffff:169.254.169.254', true],
    ['::ffff:a9fe:a9fe', true],
    ['0:0:0:0:0:ffff:c0a8:101', true],
    // IPv4-compatible (deprecated): refused whatever it embeds
    ['::10.0.0.1', true],
    ['::a00:1', true],
    ['::8.8.8.8', true],
    ['::808:808', true],
    // NAT64: judged by the IPv4 it embeds; the local-use prefix refused
    ['64:ff9b::10.0.0.1', true],
    ['64:ff9b::a9fe:a9fe', true],
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b:1::808:808', true],
    // 6to4 of a private address
    ['2002:a00:1::1', true],
    ['2002:7f00:1::', true],
    ['2002:a9fe:a9fe::1', true],
    // not addresses at all (a resolver answer is always one): refused
    ['2130706433', true],
    ['0177.0.0.1', true],
    ['0x7f.1', true],
    ['127.1', true],
    ['localhost', true],
    ['', true],
    // public
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['93.184.216.34', false],
    ['11.0.0.0', false],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['169.253.255.255', false],
    ['169.255.0.0', false],
    ['172.15.255.255', false],
    ['172.32.0.0', false],
    ['192.167.255.255', false],
    ['192.169.0.0', false],
    ['223.255.255.255', false],
    ['2606:4700:4700::1111', false],
    ['2a00:1450:4001:82a::200e', false],
    ['2400:cb00:2048:1::c629:d7a2', false],
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
    ['64:ff9b::8.8.8.8', false],
    ['64:ff9b::808:808', false],
    ['2002:808:808::1', false],
  ] as const)('%s refused: %s', (address, refused) => {
    expect(isPrivateAddress(address)).toBe(refused);
  });

  it('property: every IPv4 address in a refused range is refused, as written and in each IPv6 form that carries it', () => {
    fc.assert(
      fc.property(refusedV4Int, (n) => {
        expect(isPrivateAddress(toDotted(n)), toDotted(n)).toBe(true);
        for (const form of v6FormsOf(n)) expect(isPrivateAddress(form), form).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: every other IPv4 address passes, as written and in each IPv6 form that carries it', () => {
    fc.assert(
      fc.property(publicV4Int, (n) => {
        expect(isPrivateAddress(toDotted(n)), toDotted(n)).toBe(false);
        for (const form of v6FormsOf(n)) expect(isPrivateAddress(form), form).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: every IPv6 address in a refused range is refused', () => {
    const refusedV6 = fc.oneof(
      v6In(0xfc00, 7), // unique-local
      v6In(0xfe80, 10), // link-local
      v6In(0xfec0, 10), // site-local (deprecated)
      v6In(0xff00, 8), // multicast
      v6In(0x2001, 16).filter((a) => Number.parseInt(a.split(':')[1]!, 16) < 0x200), // 2001::/23
      v6(fc.constant(0x2001)).map((a) => a.replace(/^2001:[0-9a-f]+:/, '2001:db8:')), // documentation
      v6In(0x3fff, 16).filter((a) => Number.parseInt(a.split(':')[1]!, 16) < 0x1000), // 3fff::/20
      v6In(0x5f00, 16),
      // outside 2000::/3, apart from the IPv4-carrying prefixes tested above
      v6(fc.oneof(group(0x0001, 0x0063), group(0x0065, 0x1fff), group(0x4000, 0xffff))),
      // IPv4-compatible ::/96, :: and ::1 among them
      fc.tuple(group(), group()).map(([a, b]) => `::${hex16(a)}:${hex16(b)}`),
    );
    fc.assert(fc.property(refusedV6, (a) => {
      expect(isPrivateAddress(a), a).toBe(true);
    }), { numRuns: 2000 });
  });

  it('property: global unicast IPv6 outside the special ranges passes', () => {
    // 2003::/16 to 3ffe::/16 hold no special range (2001::/23, 2001:db8::/32, 2002::/16 and 3fff::/20 lie outside it).
    fc.assert(fc.property(v6(group(0x2003, 0x3ffe)), (a) => {
      expect(isPrivateAddress(a), a).toBe(false);
    }), { numRuns: 2000 });
  });

  it('loopback is 127.0.0.0/8, ::1 and their mapped forms, nothing else', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::', '::2', 'fe80::1', '::ffff:10.0.0.1', '8.8.8.8', 'localhost', '::1%lo', '128.0.0.1']) expect(isLoopbackAddress(a), a).toBe(false);
  });
});

describe('the static URL check', () => {
  it('refuses numeric host forms of a refused address, which the URL parser reads as that address', () => {
    for (const url of ['https://2130706433', 'https://0177.0.0.1', 'https://0x7f.1', 'https://0x7f000001', 'https://017700000001', 'https://127.1', 'https://0xa9.0xfe.0xa9.0xfe', 'https://2852039166', 'https://0251.0376.0251.0376', 'https://10.1', 'https://127.0.0.1.', 'https://１２７.０.０.１']) {
      expect(staticUrlProblem(url), url).toBe('must not name a private, loopback or link-local address');
    }
  });

  it('property: decimal, octal, hex and short forms of every refused IPv4 address are refused; of every other one, passed', () => {
    const forms = (n: number) => {
      const [a, b, c, d] = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
      return [`${n}`, `0x${n.toString(16)}`, `0${n.toString(8)}`, [a, b, c, d].map((o) => `0${o.toString(8)}`).join('.'), [a, b, c, d].map((o) => `0x${o.toString(16)}`).join('.'), `${a}.${n & 0xffffff}`, `0x${a.toString(16)}.${b}.${(n & 0xffff).toString()}`];
    };
    fc.assert(fc.property(refusedV4Int, (n) => forms(n).every((f) => staticUrlProblem(`https://${f}/hook`) === 'must not name a private, loopback or link-local address')), { numRuns: 500 });
    fc.assert(fc.property(publicV4Int, (n) => forms(n).every((f) => staticUrlProblem(`https://${f}/hook`) === undefined)), { numRuns: 500 });
  });

  it('refuses local names with the root dot too, and a zone in an IPv6 URL is no URL', () => {
    for (const url of ['https://localhost./', 'https://foo.localhost./', 'https://intranet./', 'https://printer.local.']) expect(staticUrlProblem(url), url).toBe('must name a public host');
    expect(staticUrlProblem('https://[fe80::1%25eth0]/')).toBe('is not a URL');
    expect(staticUrlProblem('https://[::ffff:a00:1]/')).toBe('must not name a private, loopback or link-local address');
    expect(staticUrlProblem('https://[64:ff9b::a9fe:a9fe]/')).toBe('must not name a private, loopback or link-local address');
    expect(staticUrlProblem('https://[2606:4700:4700::1111]/')).toBeUndefined();
    expect(staticUrlProblem('https://hooks.example.com./in')).toBeUndefined();
  });

  it('reads the host without brackets or the root dot', () => {
    expect(hostOf(new URL('https://[::1]:8443/x'))).toBe('::1');
    expect(hostOf(new URL('https://Hooks.Example.COM./x'))).toBe('hooks.example.com');
    expect(hostOf(new URL('https://0x7f.1/'))).toBe('127.0.0.1');
  });
});
