import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPrivateAddress, staticUrlProblem, UnsafeUrlError } from '../../../domain/integrations/outbound-url';

export { UnsafeUrlError };

/** Checks a URL before a call: statically, then every address its host resolves to now. */
export async function assertPublicUrl(raw: string, resolve: (host: string) => Promise<{ address: string }[]> = (h) => lookup(h, { all: true })): Promise<void> {
  const problem = staticUrlProblem(raw);
  if (problem) throw new UnsafeUrlError(`${raw.replace(/\?.*$/, '')} ${problem}`);
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return;
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new UnsafeUrlError(`${host} does not resolve`);
  }
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (addresses.length === 0 || bad) throw new UnsafeUrlError(`${host} resolves to ${bad?.address ?? 'nothing'}, which this service may not call`);
}
