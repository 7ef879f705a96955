import { createHash } from 'node:crypto';
import type { ParsedDelivery } from '../../../../domain/integrations/canonical';
import { acceptedSigningSecrets, type ConnectionSecrets, type Provider } from '../../../../domain/integrations/connection';
import { verifyIntuit, verifyMeta, verifyStandard, verifyZoho, type Verdict } from '../../../../domain/integrations/signatures';
import type { Reconcile, Resolve } from './types';

/**
 * Every provider as the inbound path sees it (DESIGN §9): how a hook verifies its signature and
 * names the delivery (cheap, at the edge, before anything is stored), and how the worker reads
 * it — the pure mapper, and the adapter that fetches what thin notifications only name and pulls
 * what webhooks missed. Mappers and adapters load on first use: a hook function never loads them.
 */
export interface HookRequest {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface ProviderEdge {
  verify(req: HookRequest, secrets: ConnectionSecrets | undefined, now: Date): Verdict;
  /** The provider's own delivery id, or a digest of the body when it sends none (a resend is the same bytes). */
  deliveryId(req: HookRequest): string;
}

/** What a mapper may know of a delivery besides its body. */
export interface ParseContext {
  settings: Record<string, unknown>;
  headers: Record<string, string>;
  receivedAt: Date;
}

export interface ProviderWorker {
  parse(body: string, ctx: ParseContext): ParsedDelivery;
  resolve?: Resolve;
  reconcile?: Reconcile;
  /** The provider's API endpoints in production (the environment may point them elsewhere: tests, a sandbox). */
  endpoints?: Record<string, string>;
}

const bodyDigest = (req: HookRequest) => `sha256:${createHash('sha256').update(req.body).digest('hex')}`;
const values = (s: ConnectionSecrets | undefined, name: string) => (s?.values[name] ? [s.values[name]] : []);

const standard: ProviderEdge = {
  verify: (req, secrets, now) => verifyStandard(req.headers, req.body, acceptedSigningSecrets(secrets, now), now),
  deliveryId: (req) => `webhook-id:${req.headers['webhook-id']}`,
};
const meta: ProviderEdge = {
  verify: (req, secrets) => verifyMeta(req.headers, req.body, values(secrets, 'appSecret')),
  deliveryId: bodyDigest,
};

export const edges: Record<Provider, ProviderEdge> = {
  generic: standard,
  sap: standard,
  tally: standard,
  quickbooks: { verify: (req, secrets) => verifyIntuit(req.headers, req.body, values(secrets, 'verifierToken')), deliveryId: bodyDigest },
  zoho_books: {
    verify: (req, secrets, now) => verifyZoho(req.headers, req.body, { signingKeys: values(secrets, 'signingKey'), secrets: acceptedSigningSecrets(secrets, now) }, now),
    deliveryId: bodyDigest,
  },
  facebook_lead_ads: meta,
  whatsapp: meta,
  // Web forms come through POST /forms/{formKey}, never a hook.
  web_form: { verify: () => ({ ok: false, reason: 'missing_signature' }), deliveryId: bodyDigest },
};

const workers: Record<Provider, () => Promise<ProviderWorker>> = {
  generic: async () => ({ parse: (await import('../../../../domain/integrations/generic/generic')).parseDelivery }),
  web_form: async () => (await import('./registry/web_form')).worker,
  quickbooks: async () => (await import('./registry/quickbooks')).worker,
  zoho_books: async () => (await import('./registry/zoho_books')).worker,
  sap: async () => (await import('./registry/sap')).worker,
  tally: async () => (await import('./registry/tally')).worker,
  facebook_lead_ads: async () => (await import('./registry/facebook_lead_ads')).worker,
  whatsapp: async () => (await import('./registry/whatsapp')).worker,
};

export const workerOf = (p: Provider) => workers[p]();
