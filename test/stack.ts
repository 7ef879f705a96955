import { afterAll, beforeAll, inject } from 'vitest';
import type { Role } from '../domain/access/roles';
import { startLocalStack, type LocalStack } from '../scripts/local/stack';

/**
 * Starts the local stack for one test file, on the run's shared DynamoDB Local with a table of its
 * own, and returns a client that speaks HTTP to it with really signed tokens.
 */
export function useLocalStack(opts: { pipeline?: boolean; analytics?: boolean } = {}) {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    // The event pipeline only when a test asks for it: HTTP-only files stay fast.
    stack = await startLocalStack({ dynamoEndpoint: inject('dynamoEndpoint'), tableName: `crm-${crypto.randomUUID()}`, pipeline: opts.pipeline ?? false, analytics: opts.analytics ?? false });
    // The demo tenants (demo, acme) with their staff and catalogue, as npm start seeds them.
    const [{ getServices }, { seedDemo }] = await Promise.all([import('../functions/lib/services'), import('../scripts/seed')]);
    await seedDemo(getServices(), new Date());
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const get = () => {
    if (!stack) throw new Error('local stack not started');
    return stack;
  };
  return {
    stack: get,
    as: (who: { tenantId: string; staffId: string; role: Role }) => http(get, { authorization: `Bearer ${get().issuer.mint(who)}` }),
    withToken: (token: string) => http(get, { authorization: `Bearer ${token}` }),
    anonymous: () => http(get, {}),
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

function http(stack: () => LocalStack, baseHeaders: Record<string, string>) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const res = await fetch(`${stack().url}${path}`, {
      method,
      headers: { ...baseHeaders, ...(body !== undefined && typeof body !== 'string' && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call('POST', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => call('PUT', path, body, headers),
    patch: (path: string, body?: unknown, headers?: Record<string, string>) => call('PATCH', path, body, headers),
    call,
  };
}
