import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, staticUrlProblem } from '../../../domain/integrations/outbound-url';
import { assertPublicUrl, UnsafeUrlError } from './outbound-guard';

describe('outbound URL guard', () => {
  it('refuses private, loopback, link-local, unique-local and mapped addresses, as written or as parsed', () => {
    for (const url of ['https://169.254.169.254/latest', 'https://127.0.0.1:3913', 'https://[::1]', 'https://0x7f000001', 'https://2130706433', 'https://10.1.2.3', 'https://192.168.0.1', 'https://[fd00::1]', 'https://[fe80::1]', 'https://[::ffff:127.0.0.1]', 'https://100.64.0.1']) {
      expect(staticUrlProblem(url), url).toBe('must not name a private, loopback or link-local address');
    }
    expect(staticUrlProblem('http://s4.example.com')).toBe('must be an https URL');
    expect(staticUrlProblem('https://user:pass@s4.example.com')).toBe('must not carry credentials (give them as secrets)');
    for (const url of ['https://localhost', 'https://metadata.google.internal', 'https://printer.local', 'https://intranet']) expect(staticUrlProblem(url), url).toBe('must name a public host');
    expect(staticUrlProblem('https://s4.example.com')).toBeUndefined();
    expect(staticUrlProblem('https://8.8.8.8')).toBeUndefined();
  });

  it('refuses a public name that resolves to a private address at call time (DNS rebinding)', async () => {
    await expect(assertPublicUrl('https://s4.example.com/sap', async () => [{ address: '93.184.216.34' }])).resolves.toBeUndefined();
    await expect(assertPublicUrl('https://rebind.example.com/sap', async () => [{ address: '93.184.216.34' }, { address: '127.0.0.1' }])).rejects.toThrow(UnsafeUrlError);
    await expect(assertPublicUrl('https://gone.example.com', async () => Promise.reject(new Error('ENOTFOUND')))).rejects.toThrow('gone.example.com does not resolve');
  });

  it('property: every IPv4 address in 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16 — and its IPv4-mapped IPv6 form — is private', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const inRange = fc.oneof(
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(127), octet, octet, octet),
      fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
    );
    fc.assert(fc.property(inRange, (parts) => isPrivateAddress(parts.join('.')) && isPrivateAddress(`::ffff:${parts.join('.')}`)));
  });
});
