/**
 * The one HTTP client integrations use to reach a provider's API (QuickBooks, Zoho Books, SAP
 * OData, the Graph API, TallyPrime): a timeout on every call, redirects never followed (a
 * redirect to an internal address is how SSRF gets in), the body read up to a cap. Tests stub
 * providers at the HTTP layer (test/http-stub.ts, recorded response shapes), never this client.
 */
export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Bytes read at most (default MAX_RESPONSE_BYTES). */
  maxBytes?: number;
  /** Keep the body's bytes (`bytes`): a media file, not text. */
  binary?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body as received, when the request asked for `binary`. */
  bytes?: Buffer;
}

export type HttpClient = (request: HttpRequest) => Promise<HttpResponse>;

/** A provider's answer the adapter cannot use (a 4xx/5xx, a timeout, a body that is not JSON): the delivery fails or is retried with this. */
export class ProviderApiError extends Error {
  constructor(
    readonly code: 'provider_unreachable' | 'provider_refused' | 'provider_unauthorized' | 'provider_not_found' | 'provider_bad_response',
    message: string,
    /** Worth trying again later (a timeout, a 429 or 5xx); a refusal is not. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProviderApiError';
  }
}

/** Bytes of a provider's answer read at most (a CDC page, a Tally export). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export const fetchHttp: HttpClient = async ({ method = 'GET', url, headers = {}, body, timeoutMs = 10_000, maxBytes = MAX_RESPONSE_BYTES, binary = false }) => {
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(body !== undefined && { body }), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ProviderApiError('provider_unreachable', `${method} ${redact(url)} failed: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ProviderApiError('provider_bad_response', `${method} ${redact(url)} answered more than ${maxBytes} bytes`, false, res.status);
    }
    chunks.push(value);
  }
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k] = v));
  const all = Buffer.concat(chunks);
  return binary ? { status: res.status, headers: out, text: '', bytes: all } : { status: res.status, headers: out, text: all.toString('utf8') };
};

/** A URL as it may be logged or stored in a reason: no query (tokens travel there: Graph's access_token). */
export const redact = (url: string) => url.replace(/\?.*$/, '?…');

/** The JSON body of a 2xx answer; anything else a ProviderApiError saying what came back. */
export async function requestJson<T = unknown>(http: HttpClient, request: HttpRequest): Promise<T> {
  const res = await http(request);
  const what = `${request.method ?? 'GET'} ${redact(request.url)}`;
  if (res.status === 401 || res.status === 403) throw new ProviderApiError('provider_unauthorized', `${what} answered ${res.status}`, false, res.status);
  if (res.status === 404) throw new ProviderApiError('provider_not_found', `${what} answered 404`, false, 404);
  if (res.status === 429 || res.status >= 500) throw new ProviderApiError('provider_unreachable', `${what} answered ${res.status}`, true, res.status);
  if (res.status < 200 || res.status >= 300) throw new ProviderApiError('provider_refused', `${what} answered ${res.status}: ${res.text.slice(0, 200)}`, false, res.status);
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new ProviderApiError('provider_bad_response', `${what} answered something that is not JSON`, false, res.status);
  }
}
