import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A provider's API on loopback for tests: answers recorded response shapes (fixtures from the
 * vendor's documentation) by method and path, and records every request it was sent, so a test
 * asserts what the adapter asked (the URL, the token, the query) as well as what it made of the answer.
 */
export interface StubbedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface StubAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

export type StubRoute = (req: StubbedRequest) => StubAnswer | undefined;

export interface HttpStub {
  url: string;
  requests: StubbedRequest[];
  /** Answers `method path` (path without the query; `*` at the end matches any rest). Later routes win. */
  on(method: string, path: string, answer: StubAnswer | ((req: StubbedRequest) => StubAnswer)): void;
  close(): Promise<void>;
}

export async function startHttpStub(): Promise<HttpStub> {
  const routes: { method: string; path: string; answer: StubAnswer | ((req: StubbedRequest) => StubAnswer) }[] = [];
  const requests: StubbedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const recorded: StubbedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(recorded);
    const path = recorded.url.replace(/\?.*$/, '');
    const route = [...routes].reverse().find((r) => r.method === recorded.method && (r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : r.path === path));
    const answer = route ? (typeof route.answer === 'function' ? route.answer(recorded) : route.answer) : { status: 404, body: { error: `no stub for ${recorded.method} ${path}` } };
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status ?? 200, { 'content-type': typeof answer.body === 'string' ? 'text/xml' : 'application/json', ...answer.headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (method, path, answer) => routes.push({ method, path, answer }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
