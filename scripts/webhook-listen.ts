import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';

/**
 * `npm run webhook:listen` (#15): a receiver for outbound webhooks on the developer's machine.
 * Point a subscription at it (`npm start` allows http to loopback), and every delivery is printed:
 * its event type, `webhook-id`, whether its signature verifies with WEBHOOK_SECRET (the secret the
 * create answer showed once, checked by the reference Standard Webhooks library), and its body.
 *
 *   WEBHOOK_SECRET=whsec_… npm run webhook:listen          # http://127.0.0.1:4400/
 *   PORT=4401 FAIL_WITH=503 npm run webhook:listen         # answer 503 to watch the retries
 */
export interface ListenOptions {
  /** 0: any free port. */
  port?: number;
  /** The subscription's signing secret (`whsec_…`); without it, deliveries are shown unverified. */
  secret?: string;
  /** The status answered (200 unless FAIL_WITH says otherwise); a function decides per request (`n` counts from 1). */
  status?: number | ((request: { n: number; webhookId: string | undefined }) => number);
  print?: (text: string) => void;
}

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  type: string | undefined;
  webhookId: string | undefined;
  verdict: 'verified' | 'invalid signature' | 'not verified (no WEBHOOK_SECRET)';
  status: number;
}

export interface WebhookListener {
  url: string;
  port: number;
  received: ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startWebhookListener(opts: ListenOptions = {}): Promise<WebhookListener> {
  const print = opts.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  const verifier = opts.secret ? new Webhook(opts.secret) : undefined;
  const received: ReceivedDelivery[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let verdict: ReceivedDelivery['verdict'] = 'not verified (no WEBHOOK_SECRET)';
    if (verifier) {
      try {
        verifier.verify(body, headersOf(req.headers));
        verdict = 'verified';
      } catch {
        verdict = 'invalid signature';
      }
    }
    let type: string | undefined;
    let pretty = body;
    try {
      const json = JSON.parse(body) as { type?: unknown };
      type = typeof json.type === 'string' ? json.type : undefined;
      pretty = JSON.stringify(json, null, 2);
    } catch {
      /* not JSON: shown as it came */
    }
    const webhookId = header(req.headers, 'webhook-id');
    const status = typeof opts.status === 'function' ? opts.status({ n: received.length + 1, webhookId }) : (opts.status ?? 200);
    received.push({ headers: req.headers, body, type, webhookId, verdict, status });
    print(`${new Date().toISOString()}  ${req.method} ${req.url}  ${type ?? '(no type)'}  webhook-id ${webhookId ?? '(none)'}  ${verdict}  → ${status}\n${pretty}\n`);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status >= 200 && status < 300 ? 'received' : `answering ${status} (FAIL_WITH)`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 4400, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const header = (h: IncomingHttpHeaders, name: string) => (Array.isArray(h[name]) ? h[name][0] : h[name]);
const headersOf = (h: IncomingHttpHeaders): Record<string, string> => Object.fromEntries(Object.entries(h).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.env.PORT ?? 4400);
  const failWith = process.env.FAIL_WITH ? Number(process.env.FAIL_WITH) : undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${process.env.PORT}`);
  if (failWith !== undefined && !(Number.isInteger(failWith) && failWith >= 100 && failWith <= 599)) throw new Error(`FAIL_WITH must be an HTTP status, not ${process.env.FAIL_WITH}`);
  const secret = process.env.WEBHOOK_SECRET;
  const listener = await startWebhookListener({ port, ...(secret && { secret }), ...(failWith !== undefined && { status: failWith }) });
  process.stdout.write(`Listening for webhooks on ${listener.url}${secret ? ' (verifying with WEBHOOK_SECRET)' : ' — set WEBHOOK_SECRET to verify signatures'}${failWith ? `, answering ${failWith}` : ''}\n`);
  process.stdout.write(`Subscribe it: POST /v1/webhooks {"url": "${listener.url}", "events": ["*"]}\n\n`);
}
