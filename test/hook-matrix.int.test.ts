import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack, type ApiResponse } from './stack';

/**
 * The hooks' own attack matrix (#13): the hook routes take no token — the signature over the raw
 * bytes is the credential — so each provider's hook is attacked the ways a hook is: no signature,
 * a wrong one, a stale timestamp, a replayed delivery, the wrong connection, another tenant's
 * connection under this tenant's URL, a disabled connection, an oversized body. Every refusal
 * stores nothing (the connection's delivery log is unchanged); a replay is the same delivery.
 */
const api = useLocalStack();
const admin = (tenantId: 'demo' | 'acme') => ({ tenantId, staffId: 'admin', role: 'tenant_admin' }) as const;

type Attack = 'valid' | 'no signature' | 'wrong signature' | 'stale timestamp' | 'replayed delivery' | 'wrong connection' | 'other tenant’s connection' | 'disabled connection' | 'oversized body' | 'forged bearer token';
const attacks: Attack[] = ['valid', 'no signature', 'wrong signature', 'stale timestamp', 'replayed delivery', 'wrong connection', 'other tenant’s connection', 'disabled connection', 'oversized body', 'forged bearer token'];

interface Conn {
  tenantId: 'demo' | 'acme';
  id: string;
  sign: (body: string, opts: { id: string; at: number; key?: 'wrong' }) => Record<string, string>;
}

/** How each provider signs a body, as its vendor documents it (independent of the code under test). */
const signers = {
  generic: (secret: string) => (body: string, o: { id: string; at: number; key?: 'wrong' }) => {
    const key = o.key ? Buffer.alloc(24, 7) : Buffer.from(secret.slice(6), 'base64');
    return { 'webhook-id': o.id, 'webhook-timestamp': String(o.at), 'webhook-signature': `v1,${createHmac('sha256', key).update(`${o.id}.${o.at}.${body}`).digest('base64')}` };
  },
  quickbooks: (token: string) => (body: string, o: { key?: 'wrong' }) => ({ 'intuit-signature': createHmac('sha256', o.key ? 'wrong' : token).update(body).digest('base64') }),
  facebook_lead_ads: (appSecret: string) => (body: string, o: { key?: 'wrong' }) => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', o.key ? 'wrong' : appSecret).update(body).digest('hex')}` }),
  zoho_books: (secret: string) => (body: string, o: { at: number; key?: 'wrong' }) => {
    const t = o.at * 1000;
    return { 'x-zoho-webhook-signature': `t=${t},v=${createHmac('sha256', o.key ? 'wrong' : secret).update(`${t}.${body}`).digest('hex')}` };
  },
} as const;
type Provider = keyof typeof signers;
const providers: Provider[] = ['generic', 'quickbooks', 'facebook_lead_ads', 'zoho_books'];
/** Providers whose signature carries a time: the others cannot be stale (their replay is the same delivery). */
const timed: ReadonlySet<Provider> = new Set(['generic', 'zoho_books']);

const created = new Map<string, Conn>();
async function connect(tenantId: 'demo' | 'acme', provider: Provider): Promise<Conn> {
  const secrets = provider === 'quickbooks' ? { verifierToken: 'qb-verifier' } : provider === 'facebook_lead_ads' ? { appSecret: 'fb-app', verifyToken: 'v', accessToken: 't' } : provider === 'zoho_books' ? { signingKey: 'zoho-key' } : {};
  const settings = provider === 'zoho_books' ? { organizationId: '60012345' } : {};
  const res = await api.as(admin(tenantId)).post('/v1/integrations', { provider, name: `hook matrix ${provider}`, settings, secrets });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const key = provider === 'generic' ? res.body.secret : provider === 'quickbooks' ? 'qb-verifier' : provider === 'facebook_lead_ads' ? 'fb-app' : 'zoho-key';
  return { tenantId, id: res.body.id, sign: signers[provider](key) as Conn['sign'] };
}

beforeAll(async () => {
  for (const p of providers) {
    created.set(`demo|${p}`, await connect('demo', p));
    created.set(`acme|${p}`, await connect('acme', p));
    const disabled = await connect('demo', p);
    const patched = await api.as(admin('demo')).patch(`/v1/integrations/${disabled.id}`, { enabled: false }, { 'if-match': '"1"' });
    expect(patched.status).toBe(200);
    created.set(`disabled|${p}`, disabled);
  }
});

const deliveries = async (c: Conn) => (await api.as(admin(c.tenantId)).get(`/v1/integrations/${c.id}/deliveries?limit=100`)).body.items.map((d: { id: string }) => d.id) as string[];

let n = 0;
async function attack(provider: Provider, kind: Attack): Promise<{ res: ApiResponse; stored: string[]; before: string[]; conn: Conn }> {
  const conn = created.get(`${kind === 'disabled connection' ? 'disabled' : 'demo'}|${provider}`)!;
  const other = created.get(`acme|${provider}`)!;
  const wrong = created.get(`demo|${provider === 'generic' ? 'quickbooks' : 'generic'}`)!;
  const body = kind === 'oversized body' ? JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 1) }) : JSON.stringify({ matrix: ++n, at: Date.now() });
  const now = Math.floor(Date.now() / 1000);
  const signed = conn.sign(body, { id: `hm-${n}`, at: kind === 'stale timestamp' ? now - 301 : now, ...(kind === 'wrong signature' && { key: 'wrong' as const }) });
  const target = kind === 'wrong connection' ? `/hooks/demo/${wrong.id}` : kind === 'other tenant’s connection' ? `/hooks/demo/${other.id}` : `/hooks/${conn.tenantId}/${conn.id}`;
  const headers = { 'content-type': 'application/json', ...(kind === 'no signature' ? {} : signed), ...(kind === 'forged bearer token' && { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJyb2xlIjoidGVuYW50X2FkbWluIn0.' }) };
  const before = await deliveries(conn);
  const post = () => api.anonymous().post(target, body, headers);
  let res = await post();
  if (kind === 'replayed delivery') res = await post();
  await api.stack().inboundQueue.idle();
  return { res, stored: await deliveries(conn), before, conn };
}

/** The answer each attack gets, per provider. */
function expected(provider: Provider, kind: Attack): { status: number; code?: string; stores: 0 | 1 } {
  switch (kind) {
    case 'valid':
    case 'forged bearer token':
      return { status: 202, stores: 1 };
    case 'replayed delivery':
      return { status: 202, stores: 1 };
    case 'no signature':
      return { status: 401, code: 'signature_missing', stores: 0 };
    case 'wrong signature':
      return { status: 401, code: 'signature_bad', stores: 0 };
    case 'stale timestamp':
      return timed.has(provider) ? { status: 401, code: 'signature_stale_timestamp', stores: 0 } : { status: 202, stores: 1 };
    case 'wrong connection':
      // Signed for another provider's scheme: this hook finds no signature of its own.
      return { status: 401, code: 'signature_missing', stores: 0 };
    case 'other tenant’s connection':
      return { status: 404, code: 'no_such_hook', stores: 0 };
    case 'disabled connection':
      return { status: 404, code: 'connection_disabled', stores: 0 };
    case 'oversized body':
      return { status: 413, code: 'payload_too_large', stores: 0 };
  }
}

describe.each(providers)('hook of a %s connection', (provider) => {
  it.each(attacks)('%s', async (kind) => {
    const want = expected(provider, kind);
    const { res, stored, before } = await attack(provider, kind);
    expect(res.status, JSON.stringify(res.body)).toBe(want.status);
    if (want.code) expect(res.body.code).toBe(want.code);
    expect(stored.length - before.length, 'deliveries stored').toBe(want.stores);
    if (kind === 'replayed delivery') expect(res.body).toMatchObject({ duplicate: true });
    if (res.status >= 400) expect(JSON.stringify(res.body)).not.toMatch(/whsec_|qb-verifier|fb-app|zoho-key/);
  });
});
