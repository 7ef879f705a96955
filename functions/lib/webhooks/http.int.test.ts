import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookPoster, MAX_REQUEST_BYTES, type Resolver } from './http';

/** A receiver on loopback that records what reached it; `answer` decides what it does with a request. */
async function receiver(answer: (req: IncomingMessage & { body: string }, res: ServerResponse) => void) {
  const requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    answer(Object.assign(req, { body }), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  servers.push(server);
  return { port, url: `http://127.0.0.1:${port}`, requests };
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc=' };
const local = createWebhookPoster({ allowLoopback: true });

describe('the webhook HTTP client (SSRF-safe, SSRF guard at send time)', () => {
  it('POSTs the body with the signature headers and keeps the status and the excerpt of the answer', async () => {
    const r = await receiver((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'));
    const out = await local({ url: `${r.url}/hooks?x=1`, headers, body: '{"id":"evt_1"}' });
    expect(out.result).toEqual({ kind: 'response', status: 200 });
    expect(out.excerpt).toEqual({ text: 'thanks', truncated: false });
    expect(out.error).toBeUndefined();
    expect(out.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.requests).toHaveLength(1);
    const [req] = r.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: '{"id":"evt_1"}' });
    expect(req!.headers).toMatchObject({ ...headers, 'content-type': 'application/json', 'content-length': '14' });
    expect(req!.headers['user-agent']).toMatch(/^crm-webhooks\/1/);
  });

  it('does not follow a redirect: a 3xx is the answer, the Location is never asked', async () => {
    const r = await receiver((req, res) => (req.url === '/moved' ? res.writeHead(200).end('followed') : res.writeHead(302, { location: '/moved' }).end('see /moved')));
    const out = await local({ url: `${r.url}/start`, headers, body: '{}' });
    expect(out.result).toEqual({ kind: 'response', status: 302 });
    expect(out.excerpt).toEqual({ text: 'see /moved', truncated: false });
    expect(r.requests.map((q) => q.url)).toEqual(['/start']);
  });

  it('gives up on a receiver that never answers when the time is up: timeout', async () => {
    // Takes the request and never answers (the socket stays open until the test closes the server).
    const r = await receiver(() => undefined);
    const out = await createWebhookPoster({ allowLoopback: true, timeoutMs: 150 })({ url: r.url, headers, body: '{}' });
    expect(out.result).toEqual({ kind: 'timeout' });
    expect(out.error).toBe('no response within 150 ms');
    expect(out.excerpt).toBeUndefined();
    expect(r.requests).toHaveLength(1);
  });

  it('keeps the first 1 KB of a long answer and stops reading there (an endless body does not hold the attempt)', async () => {
    // 2 KB now, then the response stays open for good: the client must not wait for its end.
    const r = await receiver((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.write('é'.repeat(1024));
    });
    const out = await createWebhookPoster({ allowLoopback: true, timeoutMs: 60_000 })({ url: r.url, headers, body: '{}' });
    expect(out.result).toEqual({ kind: 'response', status: 503 });
    // 1024 bytes of two-byte characters: 512 of them, cut where a character starts.
    expect(out.excerpt).toEqual({ text: 'é'.repeat(512), truncated: true });
  });

  it('an answer of exactly 1 KB is whole, 1 KB and a byte is cut', async () => {
    const exact = await receiver((_req, res) => res.writeHead(400).end('x'.repeat(1024)));
    expect((await local({ url: exact.url, headers, body: '{}' })).excerpt).toEqual({ text: 'x'.repeat(1024), truncated: false });
    const over = await receiver((_req, res) => res.writeHead(400).end('x'.repeat(1025)));
    expect((await local({ url: over.url, headers, body: '{}' })).excerpt).toEqual({ text: 'x'.repeat(1024), truncated: true });
  });

  it('refuses a public-looking name that resolves to loopback unless loopback is allowed (the address checked is the one connected)', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end('ok'));
    const toLoopback: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const aws = createWebhookPoster({ allowLoopback: false, resolve: toLoopback });
    const out = await aws({ url: `https://hooks.partner.example:${r.port}/in`, headers, body: '{}' });
    expect(out.result).toEqual({ kind: 'unsafe_url' });
    expect(out.error).toBe('127.0.0.1 is a private, loopback, link-local or otherwise non-public address');
    // Under npm start the same name is reached (over http too): the resolver's answer is what is connected.
    const dev = createWebhookPoster({ allowLoopback: true, resolve: toLoopback });
    expect((await dev({ url: `http://hooks.partner.example:${r.port}/in`, headers, body: '{}' })).result).toEqual({ kind: 'response', status: 200 });
    expect(r.requests.map((q) => [q.url, q.headers.host])).toEqual([['/in', `hooks.partner.example:${r.port}`]]);
  });

  it('refuses a name when any of its addresses is private (one answer of the set may be the one connected)', async () => {
    const mixed: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    const out = await createWebhookPoster({ allowLoopback: true, resolve: mixed })({ url: 'https://rebind.example/x', headers, body: '{}' });
    expect(out).toMatchObject({ result: { kind: 'unsafe_url' }, error: '169.254.169.254 is a private, loopback, link-local or otherwise non-public address' });
    const v6 = await createWebhookPoster({ allowLoopback: false, resolve: async () => [{ address: '::ffff:10.0.0.1', family: 6 }] })({ url: 'https://v6.example/x', headers, body: '{}' });
    expect(v6.result).toEqual({ kind: 'unsafe_url' });
  });

  it('refuses address literals and schemes outside the rules without connecting', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    const aws = createWebhookPoster({ allowLoopback: false });
    const cases: [string, string][] = [
      [r.url, 'http: is not allowed: https only'],
      [`https://127.0.0.1:${r.port}/`, '127.0.0.1 is a private, loopback, link-local or otherwise non-public address'],
      ['https://[::1]/', '::1 is a private, loopback, link-local or otherwise non-public address'],
      ['https://0x7f000001/', '127.0.0.1 is a private, loopback, link-local or otherwise non-public address'],
      ['https://10.1.2.3/', '10.1.2.3 is a private, loopback, link-local or otherwise non-public address'],
      ['https://user:pw@hooks.example/', 'the URL carries credentials'],
      ['ftp://hooks.example/', 'ftp: is not allowed: https only'],
    ];
    for (const [url, error] of cases) expect(await aws({ url, headers, body: '{}' }), url).toMatchObject({ result: { kind: 'unsafe_url' }, error });
    // Loopback allowed is loopback only: private stays refused, and http goes to loopback alone.
    const dev = createWebhookPoster({ allowLoopback: true, resolve: async () => [{ address: '93.184.216.34', family: 4 }] });
    expect(await dev({ url: 'http://192.168.1.10/', headers, body: '{}' })).toMatchObject({ result: { kind: 'unsafe_url' }, error: '192.168.1.10 is not loopback: http is allowed to loopback only' });
    expect(await dev({ url: 'https://10.0.0.1/', headers, body: '{}' })).toMatchObject({ result: { kind: 'unsafe_url' }, error: '10.0.0.1 is a private, loopback, link-local or otherwise non-public address' });
    expect(await dev({ url: 'http://public.example/', headers, body: '{}' })).toMatchObject({ result: { kind: 'unsafe_url' }, error: '93.184.216.34 is not loopback: http is allowed to loopback only' });
    expect(r.requests).toEqual([]);
  });

  it('does not send a body over the cap: too_large', async () => {
    const r = await receiver((_req, res) => res.writeHead(200).end());
    const out = await local({ url: r.url, headers, body: 'x'.repeat(MAX_REQUEST_BYTES + 1) });
    expect(out).toMatchObject({ result: { kind: 'too_large' }, error: `the body is ${MAX_REQUEST_BYTES + 1} bytes, over the ${MAX_REQUEST_BYTES} sent` });
    expect(r.requests).toEqual([]);
  });

  it('a refused connection or a name that does not resolve is a network error (retried)', async () => {
    const r = await receiver(() => undefined);
    const closed = r.port;
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
    const refused = await local({ url: `http://127.0.0.1:${closed}/`, headers, body: '{}' });
    expect(refused.result).toEqual({ kind: 'network_error' });
    expect(refused.error).toMatch(/^ECONNREFUSED/);
    const nxdomain = await createWebhookPoster({ allowLoopback: false, resolve: async () => Promise.reject(Object.assign(new Error('queryA ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' })) })({ url: 'https://nowhere.example/', headers, body: '{}' });
    expect(nxdomain).toMatchObject({ result: { kind: 'network_error' }, error: 'ENOTFOUND: queryA ENOTFOUND nowhere.example' });
  });
});
