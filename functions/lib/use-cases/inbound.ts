import { z } from 'zod';
import { DomainError } from '../../../domain/errors';
import { CanonicalRecord, MappingError, type CanonicalInput } from '../../../domain/integrations/canonical';
import { deliveryIdOf, MAX_OUTCOMES_KEPT, type Connection, type ConnectionSecrets, type RecordOutcome } from '../../../domain/integrations/connection';
import { metaHandshake } from '../../../domain/integrations/signatures';
import { fetchHttp, ProviderApiError } from '../integrations/http';
import { assertPublicUrl, UnsafeUrlError } from '../integrations/outbound-guard';
import { INBOUND_MAX_RECEIVES } from '../integrations/inbound-queue';
import { edges, workerOf, type ProviderWorker } from '../integrations/providers';
import type { ProviderAccess } from '../integrations/providers/types';
import { idPatterns } from '../ids';
import { logger } from '../logger';
import { contextOf, type UseCaseContext } from './context';
import { applyCustomer, applyInvoice, applyPayment } from './integrations-apply';
import { applyLead } from './leads';
import { applyInboundMessage, applyMessageStatus } from './messages-apply';
import type { Services, StoredDelivery } from './ports';

/**
 * The one inbound path (DESIGN §9). At the edge: the connection, the signature over the raw bytes
 * (a bad one is 401 and stores nothing), the raw payload and its delivery record in one
 * conditional write (a second delivery of the same provider delivery id is that write failing),
 * the queue, `202`. In the worker: the mapper, the provider's API for what thin notifications
 * only name, each record through the use cases, the delivery `processed` or `failed` with why.
 */

/** A hook's body is at most this (an ERP batch; Meta and Intuit send a few KB). */
export const MAX_HOOK_BYTES = 1024 * 1024;
/** Payloads up to this are kept in the delivery item itself (one write stores and de-duplicates); larger ones in the data bucket first. */
export const INLINE_PAYLOAD_BYTES = 256 * 1024;

/** Headers kept with a delivery for its mapper: what says what the body is, never a signature. */
const KEPT_HEADERS = /^(content-type|webhook-id|webhook-timestamp|ce-[a-z]+|intuit-[a-z-]+|x-zoho-[a-z-]+-id|x-form-key)$/;

export interface HookInput {
  tenantId: string;
  connectionId: string;
  method: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body: Buffer;
  now: Date;
}

export type HookAnswer = { status: 200; text: string } | { status: 202; body: { deliveryId: string; status: string; duplicate?: true } };

/** An unknown tenant, an unknown connection and another tenant's connection all look the same: 404. */
async function hookConnection(services: Services, tenantId: string, connectionId: string): Promise<Connection> {
  const conn = idPatterns.connection.test(connectionId) && /^[a-z0-9][a-z0-9_-]{0,62}$/.test(tenantId) ? await services.integrations.getConnection(tenantId, connectionId, { cached: true }) : undefined;
  if (!conn || conn.provider === 'web_form') throw new DomainError('not_found', 'no_such_hook', 'There is no hook here.');
  if (!conn.enabled) throw new DomainError('not_found', 'connection_disabled', 'This connection is disabled; its admin can enable it again.');
  return conn;
}

export async function receiveHook(services: Services, req: HookInput): Promise<HookAnswer> {
  const conn = await hookConnection(services, req.tenantId, req.connectionId);
  const secrets = await services.secrets.get(req.tenantId, conn.id);
  if (req.method === 'GET') {
    // Meta's subscription handshake: the challenge back when the verify token is the connection's.
    if (conn.provider !== 'facebook_lead_ads' && conn.provider !== 'whatsapp') throw new DomainError('not_found', 'no_such_hook', 'This hook takes POST only.');
    const challenge = metaHandshake(req.query, secrets?.values.verifyToken ? [secrets.values.verifyToken] : []);
    if (challenge === undefined) throw new DomainError('forbidden', 'handshake_refused', 'hub.mode must be subscribe and hub.verify_token the connection’s verify token.');
    return { status: 200, text: challenge };
  }
  const edge = edges[conn.provider];
  const verdict = edge.verify({ headers: req.headers, body: req.body }, secrets, req.now);
  if (!verdict.ok) throw new SignatureError(verdict.reason);
  const providerDeliveryId = edge.deliveryId({ headers: req.headers, body: req.body });
  return storeAndQueue(services, req.tenantId, conn, providerDeliveryId, req.body, req.headers, req.now);
}

/** A hook refused for its signature: 401, nothing stored. */
export class SignatureError extends Error {
  constructor(readonly reason: string) {
    super(`signature refused: ${reason}`);
    this.name = 'SignatureError';
  }
}

/** Stores a verified delivery (or finds it stored already) and queues it. Web forms come in here too. */
export async function storeAndQueue(
  services: Services,
  tenantId: string,
  conn: Connection,
  providerDeliveryId: string,
  body: Buffer,
  headers: Record<string, string | undefined>,
  now: Date,
  origin?: 'reconcile',
): Promise<HookAnswer & { status: 202 }> {
  const id = deliveryIdOf(`${conn.id}|${providerDeliveryId}`);
  const kept = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined && KEPT_HEADERS.test(e[0])));
  const inline = body.length <= INLINE_PAYLOAD_BYTES;
  const rawKey = inline ? undefined : `hooks/${tenantId}/${conn.id}/${id}`;
  if (rawKey) await services.files.write(rawKey, [body], headers['content-type'] ?? 'application/octet-stream');
  const delivery: StoredDelivery = {
    id,
    connectionId: conn.id,
    provider: conn.provider,
    providerDeliveryId: providerDeliveryId.slice(0, 512),
    receivedAt: now.toISOString(),
    status: 'queued',
    attempts: 0,
    payload: { bytes: body.length, contentType: (headers['content-type'] ?? 'application/octet-stream').slice(0, 200) },
    headers: kept,
    ...(origin && { origin }),
    ...(inline ? { raw: body } : { rawKey }),
    version: 1,
  };
  const created = await services.integrations.recordDelivery(tenantId, delivery);
  const message = { tenantId, connectionId: conn.id, deliveryId: id };
  if (created) {
    await services.inboundQueue.send(message);
    return { status: 202, body: { deliveryId: id, status: 'queued' } };
  }
  // Delivered before: nothing new is stored. Still queued (the first answer may never have reached
  // the queue): queue it again — the worker acts once, on a delivery still queued.
  const existing = await services.integrations.getDelivery(tenantId, conn.id, id);
  if (existing?.status === 'queued') await services.inboundQueue.send(message);
  return { status: 202, body: { deliveryId: id, status: existing?.status ?? 'queued', duplicate: true } };
}

// ── the worker ────────────────────────────────────────────────────────────────────────────────

/** Base URLs of providers' APIs: production unless the environment names others (a sandbox, a test's loopback stub). */
function endpointsFor(conn: Connection, worker: ProviderWorker): Record<string, string> {
  // SAP's OData host is the customer's own (https, from the connection's settings).
  const out: Record<string, string> = { ...worker.endpoints, ...(typeof conn.settings.odataBaseUrl === 'string' && { odata: conn.settings.odataBaseUrl }) };
  for (const name of Object.keys(out)) {
    const override = process.env[`INTEGRATION_${conn.provider.toUpperCase()}_${name.toUpperCase()}_URL`];
    if (override) out[name] = override.replace(/\/+$/, '');
  }
  return out;
}

export function providerAccess(services: Services, tenantId: string, conn: Connection, secrets: ConnectionSecrets | undefined, worker: ProviderWorker, now: Date): ProviderAccess {
  let current = secrets ?? { values: {} };
  return {
    settings: conn.settings,
    secrets: { ...current.values },
    async saveSecrets(patch) {
      current = { ...current, values: { ...current.values, ...patch } };
      await services.secrets.put(tenantId, conn.id, current);
    },
    http: fetchHttp,
    now,
    endpoints: endpointsFor(conn, worker),
    async storeMedia(name, bytes, contentType) {
      const key = `messages/${tenantId}/inbound/${conn.id}/${name}`;
      await services.files.write(key, [bytes], contentType);
      return key;
    },
  };
}

/** The actor an integration writes as: in every audit entry, with the connection and delivery. */
export function integrationContext(services: Services, tenantId: string, conn: Connection, now: Date, deliveryId?: string): UseCaseContext {
  const ctx = contextOf({ tenantId, staffId: `integration:${conn.id}`, role: 'tenant_admin' }, now, services);
  ctx.auditExtras = { source: { connectionId: conn.id, provider: conn.provider, ...(deliveryId && { deliveryId }) } };
  return ctx;
}

/** One record through its use case; a refusal by the rules is that record's failure, with its reason. */
export async function applyRecord(ctx: UseCaseContext, conn: Connection, input: CanonicalInput, deliveryId: string): Promise<RecordOutcome> {
  const parsed = CanonicalRecord.safeParse(input);
  const type = typeof (input as { type?: unknown }).type === 'string' ? String((input as { type: string }).type).slice(0, 40) : 'unknown';
  const externalId = typeof (input as { externalId?: unknown }).externalId === 'string' ? String((input as { externalId: string }).externalId).slice(0, 128) : '';
  if (!parsed.success) return { type, externalId, outcome: 'failed', message: z.prettifyError(parsed.error).replace(/\s+/g, ' ').slice(0, 500) };
  const r = parsed.data;
  const scoped = { ...ctx, auditExtras: { ...ctx.auditExtras, source: { ...ctx.auditExtras!.source!, externalId: r.externalId } } };
  try {
    switch (r.type) {
      case 'customer.upserted':
        return await applyCustomer(scoped, conn, r);
      case 'invoice.created':
        return await applyInvoice(scoped, conn, r);
      case 'payment.received':
        return await applyPayment(scoped, conn, r);
      case 'lead.received':
        return await applyLead(scoped, conn, r, deliveryId);
      case 'message.received':
        return await applyInboundMessage(scoped, conn, r);
      case 'message.status':
        return await applyMessageStatus(scoped, r);
    }
  } catch (error) {
    if (error instanceof DomainError) return { type, externalId, outcome: 'failed', message: `${error.code}: ${error.message}`.slice(0, 500) };
    throw error;
  }
}

/**
 * Processes a queued delivery once. A provider API that may come back (a timeout, a 5xx, a 429)
 * is retried through the queue; on the last receive, and for anything that will not get better by
 * waiting (a mapping error, a refused token), the delivery fails with the reason.
 */
export async function processDelivery(services: Services, msg: { tenantId: string; connectionId: string; deliveryId: string }, receiveCount: number, now: Date): Promise<void> {
  const { tenantId } = msg;
  const found = await services.integrations.getDelivery(tenantId, msg.connectionId, msg.deliveryId);
  if (!found || !(found.status === 'queued' || (found.status === 'processing' && claimExpired(found, now)))) return;
  // Claimed first (a conditional write): two messages for one delivery (a provider's resend of a
  // delivery still queued, a replay) never process it side by side.
  const d: StoredDelivery = { ...found, status: 'processing', claimedAt: now.toISOString(), version: found.version + 1 };
  if (!(await services.integrations.claimDelivery(tenantId, found.connectionId, found.id, found.version, d.claimedAt!))) return;
  const finish = async (change: Partial<StoredDelivery>) => {
    const { claimedAt: _claimed, ...rest } = d;
    // When it was done: the records were applied by now.
    const saved = await services.integrations.saveDelivery(tenantId, { ...rest, ...change, attempts: d.attempts + 1, processedAt: new Date().toISOString(), version: d.version + 1 }, d.version);
    if (!saved) logger.info('delivery moved on meanwhile', { tenantId, deliveryId: d.id });
  };
  /** Back to the queue's care: the redelivery of this message processes it again. */
  const release = async () => {
    const { claimedAt: _claimed, ...rest } = d;
    await services.integrations.saveDelivery(tenantId, { ...rest, status: 'queued', attempts: d.attempts + 1, version: d.version + 1 }, d.version);
  };
  const conn = await services.integrations.getConnection(tenantId, msg.connectionId);
  if (!conn) return finish({ status: 'failed', reason: { code: 'connection_deleted', message: 'The connection was deleted before this delivery was processed.' } });
  try {
    // A reconciliation pull's delivery holds canonical records, whatever the provider.
    const worker = await workerOf(d.origin === 'reconcile' ? 'generic' : conn.provider);
    const raw = d.raw ?? (await readAll(await services.files.read(d.rawKey!)));
    const parsed = worker.parse(utf8Of(raw), { settings: conn.settings, headers: d.headers, receivedAt: new Date(d.receivedAt) });
    let records = parsed.records;
    if (parsed.fetches.length > 0) {
      if (!worker.resolve) throw new MappingError('not_supported', `${conn.provider} deliveries name records this connection cannot fetch.`);
      const secrets = await services.secrets.get(tenantId, conn.id);
      const access = providerAccess(services, tenantId, conn, secrets, worker, now);
      // A host the tenant named is checked as DNS answers now, not only as it was written.
      if (typeof conn.settings.odataBaseUrl === 'string' && access.endpoints.odata === conn.settings.odataBaseUrl) await assertPublicUrl(access.endpoints.odata);
      records = [...records, ...(await worker.resolve(parsed.fetches, access))];
    }
    const ctx = integrationContext(services, tenantId, conn, now, d.id);
    const outcomes: RecordOutcome[] = [...(parsed.ignored ?? []).map((i) => ({ type: 'ignored', externalId: i.what.slice(0, 128), outcome: 'ignored' as const, message: i.reason }))];
    // In order: a customer before the invoice that names it, an invoice before its payment.
    for (const r of records) outcomes.push(await applyRecord(ctx, conn, r, d.id));
    const counts = { created: 0, updated: 0, unchanged: 0, ignored: 0, failed: 0 };
    for (const o of outcomes) counts[o.outcome] += 1;
    const failed = outcomes.filter((o) => o.outcome === 'failed');
    await finish({
      status: failed.length > 0 ? 'failed' : 'processed',
      counts,
      // Failures first: they are what someone reads the log for.
      outcomes: [...failed, ...outcomes.filter((o) => o.outcome !== 'failed')].slice(0, MAX_OUTCOMES_KEPT),
      ...(failed.length > 0 && { reason: { code: 'records_failed', message: `${failed.length} of ${outcomes.length} records failed: ${failed[0]!.message ?? ''}`.slice(0, 500) } }),
    });
  } catch (error) {
    if (error instanceof MappingError) return finish({ status: 'failed', reason: { code: error.code, message: error.message.slice(0, 500) } });
    if (error instanceof UnsafeUrlError) return finish({ status: 'failed', reason: { code: 'unsafe_url', message: error.message.slice(0, 500) } });
    if (error instanceof ProviderApiError && (!error.retryable || receiveCount >= INBOUND_MAX_RECEIVES)) return finish({ status: 'failed', reason: { code: error.code, message: error.message.slice(0, 500) } });
    if (receiveCount >= INBOUND_MAX_RECEIVES) {
      logger.error('delivery failed on its last receive', { tenantId, deliveryId: d.id, error });
      return finish({ status: 'failed', reason: { code: 'processing_failed', message: 'Processing failed on every attempt; the cause is logged. Replay it once fixed.' } });
    }
    await release();
    throw error;
  }
}

/** A claim older than this is a worker that died mid-delivery (the queue's visibility timeout is longer): the next receive takes it over. */
const CLAIM_MS = 5 * 60_000;
const claimExpired = (d: StoredDelivery, now: Date) => !d.claimedAt || now.getTime() - Date.parse(d.claimedAt) > CLAIM_MS;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** The body as text: bytes that are not UTF-8 fail the delivery, never become replacement characters applied to records. */
function utf8Of(raw: Buffer): string {
  try {
    return strictUtf8.decode(raw);
  } catch {
    throw new MappingError('invalid_utf8', 'The body is not valid UTF-8.');
  }
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

