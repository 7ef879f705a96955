import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { routeKey, routes, type RouteDefinition } from '../../functions/http/routes';
import { badRequest, HttpError } from '../../functions/lib/http/errors';
import { problemResponse } from '../../functions/lib/http/problem';
import type { HttpHandler } from '../../functions/lib/http/route';
import { authorised, CONTROL_PREFIX, type Control } from './control';

/**
 * The local API Gateway: turns each request into the same APIGatewayProxyEventV2 (payload 2.0)
 * that the HTTP API sends and calls the same handler module the route manifest names.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** API Gateway HTTP API's payload limit. */
const MAX_PAYLOAD = 10 * 1024 * 1024;

interface CompiledRoute {
  def: RouteDefinition;
  pattern: RegExp;
  params: string[];
}

function compile(def: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const source = def.path.replace(/\./g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { def, pattern: new RegExp(`^${source}$`), params };
}

export interface LocalServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export interface LocalServerOptions {
  port?: number;
  host?: string;
  /** Extra public documents served as JSON (the local issuer's JWKS). */
  documents?: Record<string, () => unknown>;
  /** The control channel of `npm start` (scripts/local/control.ts): POST /__local/<command>. */
  control?: Control;
}

export async function startLocalServer(opts: LocalServerOptions = {}): Promise<LocalServer> {
  const compiled = routes.map(compile);
  const loaded = new Map<string, Promise<HttpHandler>>();
  const load = (def: RouteDefinition) => {
    let handler = loaded.get(def.entry);
    if (!handler) {
      handler = import(pathToFileURL(join(root, def.entry)).href).then((m: { handler: HttpHandler }) => m.handler);
      loaded.set(def.entry, handler);
    }
    return handler;
  };

  // Every answer carries a request id; every refusal made here (not by a handler) is problem+json,
  // as API Gateway's own are not, so clients meet one error shape.
  // Node would answer a request without Host itself, bare; the handler answers it as problem+json.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    const requestId = randomUUID();
    handle(req, res, requestId).catch((error: unknown) => {
      // The client went away mid-request: there is nobody to answer.
      if (req.destroyed || (error as Error).message === 'aborted') return;
      console.error('local server error', error);
      if (!res.headersSent) send(res, requestId, problemResponse(error, requestId, req.url ?? '/'));
    });
  });
  // Requests Node's HTTP parser refuses before any handler runs (a malformed request line, bad
  // framing, headers too large) get the same problem+json with a request id as every other refusal.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'HPE_REQUEST_TIMEOUT' ? 408 : 400;
    const answer = () => socket.end(rawProblem(status, 'malformed_request', 'The request is not valid HTTP.'));
    // A pipelined request before the malformed one is answered first.
    const inFlight = (socket as unknown as { _httpMessage?: ServerResponse })._httpMessage;
    if (inFlight && !inFlight.writableFinished) inFlight.once('finish', answer);
    else answer();
  });
  // This is no proxy: CONNECT is refused like any other method this API does not serve.
  server.on('connect', (_req, socket) => socket.end(rawProblem(405, 'method_not_allowed', 'CONNECT is not supported.')));
  server.on('checkExpectation', (req, res) => {
    const requestId = randomUUID();
    res.writeHead(417, { 'content-type': 'application/problem+json', 'x-request-id': requestId });
    res.end(JSON.stringify({ type: 'https://errors.crm.example/expectation_failed', title: STATUS_CODES[417], status: 417, code: 'expectation_failed', detail: 'Only Expect: 100-continue is supported.', instance: req.url ?? '/', requestId }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string) {
    const refuse = (error: HttpError) => send(res, requestId, problemResponse(error, requestId, url.pathname));
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      url = new URL('http://local/');
      return refuse(badRequest('malformed_url', 'The request URL is not valid.'));
    }
    if (!req.headers.host) return refuse(badRequest('missing_host', 'The request has no Host header.'));
    if (opts.control && url.pathname.startsWith(CONTROL_PREFIX)) return runControl(opts.control, req, res, requestId, url.pathname.slice(CONTROL_PREFIX.length));
    const document = opts.documents?.[url.pathname];
    if (document && req.method === 'GET') return send(res, requestId, { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(document()) });

    const candidates = compiled.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((c) => c.m);
    // As API Gateway chooses: a route with fewer path variables is more specific (`/v1/clients/duplicates` before `/v1/clients/{id}`).
    const match = candidates.filter((c) => c.r.def.method === req.method).sort((a, b) => a.r.params.length - b.r.params.length)[0];
    if (!match?.m) {
      return refuse(
        candidates.length > 0
          ? new HttpError('method_not_allowed', 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}.`)
          : new HttpError('not_found', 'no_such_route', `There is no route ${req.method} ${url.pathname}.`),
      );
    }
    const body = await readBody(req);
    if (body === undefined) {
      // The rest of the body is never read: this connection cannot carry another request.
      res.shouldKeepAlive = false;
      return refuse(new HttpError('payload_too_large', 'payload_too_large', `The request exceeds ${MAX_PAYLOAD} bytes.`));
    }
    const pathParameters: Record<string, string> = {};
    for (const [i, name] of match.r.params.entries()) {
      try {
        pathParameters[name] = decodeURIComponent(match.m[i + 1]!);
      } catch {
        return refuse(badRequest('malformed_path', 'The request path holds malformed percent-encoding.'));
      }
    }
    const event = toEvent(req, url, match.r.def, pathParameters, body, requestId);
    const handler = await load(match.r.def);
    const result = await handler(event, lambdaContext(match.r.def, requestId));
    send(res, requestId, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A control command for the local stack's tools: the token of stack.json, loopback only (the server binds 127.0.0.1). */
async function runControl(control: Control, req: IncomingMessage, res: ServerResponse, requestId: string, name: string): Promise<void> {
  const json = (status: number, body: unknown) => send(res, requestId, { statusCode: status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' }, body: JSON.stringify(body) });
  if (req.method !== 'POST' || !authorised(control, req.headers.authorization)) return json(404, { status: 404, code: 'no_such_route' });
  const command = control.commands.get(name);
  if (!command) return json(404, { status: 404, code: 'no_such_command', detail: `no control command ${name}` });
  const raw = (await readBody(req))?.toString('utf8') ?? '';
  try {
    json(200, await command(raw ? (JSON.parse(raw) as Record<string, unknown>) : {}));
  } catch (error) {
    json(500, { status: 500, code: 'command_failed', detail: error instanceof Error ? error.message : String(error) });
  }
}

/** A whole HTTP/1.1 response as bytes, for a socket the parser gave up on. */
function rawProblem(status: number, code: string, detail: string): string {
  const requestId = randomUUID();
  const body = JSON.stringify({ type: `https://errors.crm.example/${code}`, title: STATUS_CODES[status], status, code, detail, requestId });
  return [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'content-type: application/problem+json', `x-request-id: ${requestId}`, `content-length: ${Buffer.byteLength(body)}`, 'connection: close', '', body].join('\r\n');
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function toEvent(req: IncomingMessage, url: URL, def: RouteDefinition, pathParameters: Record<string, string>, body: Buffer, requestId: string): APIGatewayProxyEventV2 {
  // Null-prototype maps: a header or query parameter named `__proto__` is a name like any other.
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of url.searchParams) query[name] = Object.hasOwn(query, name) ? `${query[name]},${value}` : value;
  // Text as API Gateway passes it, when it is valid UTF-8; anything else base64, so the handler sees the real bytes.
  const textual = body.length === 0 || (/^(application\/(?:[\w.+-]+\+)?json|text\/)/i.test(headers['content-type'] ?? '') && isUtf8(body));
  const now = new Date();
  return {
    version: '2.0',
    routeKey: routeKey(def),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    ...(Object.keys(pathParameters).length > 0 && { pathParameters }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: { method: req.method ?? 'GET', path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: routeKey(def),
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 && { body: textual ? body.toString('utf8') : body.toString('base64') }),
    isBase64Encoded: !textual,
  };
}

function lambdaContext(def: RouteDefinition, requestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `local-${def.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:local-${def.name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/local-${def.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function send(res: ServerResponse, requestId: string, result: APIGatewayProxyStructuredResultV2) {
  const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, { 'x-request-id': requestId, ...(result.headers as Record<string, string>), 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
