import { lookup as dnsLookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, isLoopbackAddress, isPrivateAddress, UnsafeUrlError } from '../../../domain/integrations/outbound-url';
import { EXCERPT_BYTES, responseExcerpt, type Excerpt } from '../../../domain/webhooks/excerpt';
import { TIMEOUT_MS, type AttemptResult } from '../../../domain/webhooks/schedule';

export { UnsafeUrlError };

/**
 * The HTTP client outbound webhooks are POSTed with (DESIGN §12, issue #15): the SSRF guard at
 * send time. The host is resolved inside the request's own DNS `lookup` hook and every address it
 * answers is checked there, so the address checked is the address connected to — a name that
 * answers a public address to a check and a private one to the connection (DNS rebinding) has no
 * window between the two. Loopback is allowed only under `npm start` (`allowLoopback`), and then
 * over http too; every other non-public address is refused everywhere. Redirects are never
 * followed (a 3xx is a status like any other), the whole attempt has 10 s, at most 1 KB of the
 * response is kept (the rest is not read: the socket is destroyed), and a body over the cap is
 * not sent. One connection per attempt: each attempt resolves and checks afresh.
 */

/** The largest body sent: a catalogue event is a few KB; anything near this is a bug, not a payload to retry. */
export const MAX_REQUEST_BYTES = 256 * 1024;

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export interface WebhookRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** What one POST came to, as the delivery log records it. */
export interface PostOutcome {
  result: AttemptResult;
  /** From the start of the attempt (DNS included) to the end of what was read. */
  durationMs: number;
  /** Why it did not get a response (network errors, timeouts, the guard's refusal). */
  error?: string;
  /** The first 1 KB of the response body (responses only). */
  excerpt?: Excerpt;
}

export interface WebhookHttpOptions {
  /** `npm start` (WEBHOOKS_ALLOW_LOOPBACK=1): loopback addresses may be reached, over http too. */
  allowLoopback: boolean;
  timeoutMs?: number;
  maxRequestBytes?: number;
  /** DNS (tests inject one); the default asks the system resolver for every address. */
  resolve?: Resolver;
}

export type WebhookPoster = (request: WebhookRequest) => Promise<PostOutcome>;

const defaultResolve: Resolver = (host) => dnsLookup(host, { all: true, order: 'verbatim' });

const USER_AGENT = 'crm-webhooks/1 (+https://www.standardwebhooks.com/)';

export function createWebhookPoster(opts: WebhookHttpOptions): WebhookPoster {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const maxRequestBytes = opts.maxRequestBytes ?? MAX_REQUEST_BYTES;
  const resolve = opts.resolve ?? defaultResolve;

  /** Why an address may not be reached over this scheme, or undefined. */
  const refusal = (address: string, protocol: string): string | undefined => {
    if (opts.allowLoopback && isLoopbackAddress(address)) return undefined;
    if (protocol === 'http:') return `${address} is not loopback: http is allowed to loopback only`;
    if (isPrivateAddress(address)) return `${address} is a private, loopback, link-local or otherwise non-public address`;
    return undefined;
  };

  return async function post({ url: raw, headers, body }) {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refuse = (error: string): PostOutcome => ({ result: { kind: 'unsafe_url' }, durationMs: elapsed(), error });

    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return refuse('the URL does not parse');
    }
    if (url.protocol !== 'https:' && !(opts.allowLoopback && url.protocol === 'http:')) return refuse(`${url.protocol} is not allowed: https only`);
    if (url.username || url.password) return refuse('the URL carries credentials');
    const bytes = Buffer.from(body, 'utf8');
    if (bytes.length > maxRequestBytes) return { result: { kind: 'too_large' }, durationMs: elapsed(), error: `the body is ${bytes.length} bytes, over the ${maxRequestBytes} sent` };

    const host = hostOf(url);
    // Node connects to an address literal without calling `lookup`: check it here.
    if (isIP(host) !== 0) {
      const why = refusal(host, url.protocol);
      if (why) return refuse(why);
    }

    let unsafe: string | undefined;
    const lookup: LookupFunction = (hostname, options, callback) => {
      resolve(hostname.replace(/\.+$/, '')).then(
        (answers) => {
          const bad = answers.map((a) => refusal(a.address, url.protocol)).find((why) => why !== undefined);
          if (answers.length === 0 || bad) {
            unsafe = bad ?? `${hostname} resolves to nothing`;
            callback(new UnsafeUrlError(unsafe), '', 4);
            return;
          }
          const wanted = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
          const usable = wanted.length > 0 ? wanted : answers;
          // Node asks for all of them when it races IPv4 and IPv6 (autoSelectFamily), else one.
          if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, usable);
          else callback(null, usable[0]!.address, usable[0]!.family);
        },
        // A name that does not resolve now may tomorrow (a DNS outage, a record being fixed): a network error, retried.
        (error: unknown) => callback(error as NodeJS.ErrnoException, '', 4),
      );
    };

    return new Promise<PostOutcome>((done) => {
      let settled = false;
      const finish = (outcome: Omit<PostOutcome, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done({ ...outcome, durationMs: elapsed() });
      };
      const client = url.protocol === 'https:' ? https : http;
      const req = client.request(url, {
        method: 'POST',
        // A fresh connection each attempt (no pooled socket from an earlier resolution).
        agent: false,
        lookup,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length), 'user-agent': USER_AGENT },
      });
      type Reading = { status: number; chunks: Buffer[]; read: number };
      let response: Reading | undefined;
      const keep = () => {
        const r = response!;
        return responseExcerpt(Buffer.concat(r.chunks), { complete: false });
      };
      const timer = setTimeout(() => {
        // Headers in: the receiver answered; what is not read of its body by now is not waited for.
        if (response) finish({ result: { kind: 'response', status: response.status }, excerpt: keep() });
        else finish({ result: { kind: 'timeout' }, error: `no response within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('response', (res) => {
        const r: Reading = { status: res.statusCode ?? 0, chunks: [], read: 0 };
        response = r;
        res.on('data', (chunk: Buffer) => {
          r.chunks.push(chunk);
          r.read += chunk.length;
          // One byte past the excerpt tells a cut from a body of exactly 1 KB; the rest is never read.
          if (r.read > EXCERPT_BYTES) {
            finish({ result: { kind: 'response', status: r.status }, excerpt: keep() });
            res.destroy();
            req.destroy();
          }
        });
        res.on('end', () => finish({ result: { kind: 'response', status: r.status }, excerpt: responseExcerpt(Buffer.concat(r.chunks)) }));
        // The receiver dropped the connection mid-body: its status stands, the excerpt is what came.
        res.on('error', () => finish({ result: { kind: 'response', status: r.status }, excerpt: keep() }));
        res.on('aborted', () => finish({ result: { kind: 'response', status: r.status }, excerpt: keep() }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (response) return finish({ result: { kind: 'response', status: response.status }, excerpt: keep() });
        if (unsafe !== undefined || error instanceof UnsafeUrlError) return finish({ result: { kind: 'unsafe_url' }, error: unsafe ?? error.message });
        finish({ result: { kind: 'network_error' }, error: error.code ? `${error.code}: ${error.message}` : error.message });
      });
      req.end(bytes);
    });
  };
}
