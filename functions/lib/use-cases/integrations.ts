import { authorize } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, DomainError, notFound } from '../../../domain/errors';
import { AssignmentConfig, checkAssignmentStaff, namedStaff, type AssignmentConfigInput } from '../../../domain/integrations/assignment';
import {
  checkSecrets,
  checkSettings,
  generatesSecret,
  newSigningSecret,
  rotate,
  type Connection,
  type ConnectionInput,
  type ConnectionPatch,
  type ConnectionSecrets,
  type Delivery,
} from '../../../domain/integrations/connection';
import { parseOrThrow } from '../../../domain/validation';
import { ids } from '../ids';
import { assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest, StoredDelivery } from './ports';

/**
 * Connections (DESIGN §9, `/v1/integrations`, tenant admins): created with their provider's
 * settings and write-only secrets; each has a hook URL (a web form, a form URL); the delivery log
 * and replays. No answer ever carries a secret except the signing secret we generate, once, on
 * creation and on rotation.
 */
export interface ConnectionView extends Connection {
  /** Where the provider posts (GET too, for Meta's handshake). */
  webhookUrl?: string;
  /** A web form's public endpoint: POST /forms/{formKey}. */
  formUrl?: string;
}

const publicBase = () => (process.env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
/** In AWS web forms have an API of their own (per-form CORS: infra/stacks/api-routes.ts); locally the one server. */
const formsBase = () => (process.env.FORMS_BASE_URL ?? publicBase()).replace(/\/+$/, '');
export const formKeyOf = (tenantId: string, connectionId: string) => `${tenantId}.${connectionId}`;

function view(tenantId: string, c: Connection): ConnectionView {
  return c.provider === 'web_form' ? { ...c, formUrl: `${formsBase()}/forms/${formKeyOf(tenantId, c.id)}` } : { ...c, webhookUrl: `${publicBase()}/hooks/${tenantId}/${c.id}` };
}

const audit = (ctx: UseCaseContext, id: string, action: AuditEntry['action'], before: unknown, after: unknown) => auditOf(ctx, 'integration', id, action, before, after);

async function productIds(ctx: UseCaseContext): Promise<Set<string>> {
  const { products } = await tenantConfig(ctx);
  return new Set(products.value.filter((p) => p.active).map((p) => p.id));
}

/** The names of the secrets set (never their values): the signing secret we made, and the provider's own. */
const secretsSetOf = (s: ConnectionSecrets) => [...(s.signing ? ['signingSecret'] : []), ...Object.keys(s.values)].sort();

export async function createConnection(ctx: UseCaseContext, input: ConnectionInput): Promise<{ connection: ConnectionView; secret?: string }> {
  authorize(ctx.actor, 'integration:manage');
  const settings = checkSettings(input.provider, input.settings ?? {}, await productIds(ctx));
  const values = checkSecrets(input.provider, (input.secrets ?? {}) as Record<string, string>);
  const secret = generatesSecret(input.provider) ? newSigningSecret() : undefined;
  const secrets: ConnectionSecrets = { values, ...(secret && { signing: { current: secret } }) };
  const at = ctx.now.toISOString();
  const c: Connection = {
    id: ids.connection(),
    provider: input.provider,
    name: input.name,
    settings,
    enabled: true,
    secretsSet: secretsSetOf(secrets),
    ...(secret && { secretCreatedAt: at }),
    createdBy: ctx.actor.staffId,
    createdAt: at,
    updatedBy: ctx.actor.staffId,
    updatedAt: at,
    version: 1,
  };
  // The secret first: a connection never exists that cannot verify what it is sent.
  await ctx.services.secrets.put(ctx.actor.tenantId, c.id, secrets);
  await ctx.services.integrations.createConnection(ctx.actor.tenantId, c, audit(ctx, c.id, 'created', undefined, c));
  return { connection: view(ctx.actor.tenantId, c), ...(secret && { secret }) };
}

export async function getConnection(ctx: UseCaseContext, id: string): Promise<ConnectionView> {
  return view(ctx.actor.tenantId, await connectionOf(ctx, id));
}

async function connectionOf(ctx: UseCaseContext, id: string): Promise<Connection> {
  authorize(ctx.actor, 'integration:manage');
  await tenantConfig(ctx);
  const c = await ctx.services.integrations.getConnection(ctx.actor.tenantId, id);
  if (!c) throw notFound('connection', id);
  return c;
}

export async function listConnections(ctx: UseCaseContext, page: PageRequest): Promise<Page<ConnectionView>> {
  authorize(ctx.actor, 'integration:manage');
  await tenantConfig(ctx);
  const got = await ctx.services.integrations.listConnections(ctx.actor.tenantId, page);
  return { ...got, items: got.items.map((c) => view(ctx.actor.tenantId, c)) };
}

export async function updateConnection(ctx: UseCaseContext, id: string, patch: ConnectionPatch, expectedVersion: number): Promise<ConnectionView> {
  const before = await connectionOf(ctx, id);
  assertVersion(before.version, expectedVersion, 'connection');
  const settings = patch.settings === undefined ? before.settings : checkSettings(before.provider, patch.settings, await productIds(ctx));
  let secretsSet = before.secretsSet;
  let next: ConnectionSecrets | undefined;
  if (patch.secrets !== undefined) {
    const stored = (await ctx.services.secrets.get(ctx.actor.tenantId, id)) ?? { values: {} };
    next = { ...stored, values: checkSecrets(before.provider, patch.secrets as Record<string, string | null>, stored.values) };
    secretsSet = secretsSetOf(next);
  }
  const after: Connection = {
    ...before,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.enabled !== undefined && { enabled: patch.enabled }),
    settings,
    secretsSet,
    updatedBy: ctx.actor.staffId,
    updatedAt: ctx.now.toISOString(),
    version: before.version + 1,
  };
  // The record first, version-checked: a refused or losing PATCH changes no secret (only the winner writes it).
  await ctx.services.integrations.saveConnection(ctx.actor.tenantId, before, after, audit(ctx, id, 'updated', before, after));
  if (next) await ctx.services.secrets.put(ctx.actor.tenantId, id, next);
  return view(ctx.actor.tenantId, after);
}

export async function deleteConnection(ctx: UseCaseContext, id: string, expectedVersion: number | undefined): Promise<void> {
  const before = await connectionOf(ctx, id);
  assertVersion(before.version, expectedVersion, 'connection');
  await ctx.services.integrations.saveConnection(ctx.actor.tenantId, before, undefined, audit(ctx, id, 'deleted', before, undefined));
  await ctx.services.secrets.delete(ctx.actor.tenantId, id);
}

/** A new signing secret; the previous one keeps verifying for 24 h, so the sender can switch without losing a delivery. */
export async function rotateSecret(ctx: UseCaseContext, id: string, expectedVersion: number | undefined): Promise<{ connection: ConnectionView; secret: string; previousSecretExpiresAt: string }> {
  const before = await connectionOf(ctx, id);
  assertVersion(before.version, expectedVersion, 'connection');
  if (!generatesSecret(before.provider)) {
    throw conflict('secret_not_ours', `A ${before.provider} connection verifies with the app's own secret from the vendor's console: change it with PATCH {secrets}.`);
  }
  const stored = (await ctx.services.secrets.get(ctx.actor.tenantId, id)) ?? { values: {} };
  const { secrets, secret, previousExpiresAt } = rotate(stored, ctx.now);
  const after: Connection = { ...before, secretCreatedAt: ctx.now.toISOString(), previousSecretExpiresAt: previousExpiresAt, updatedBy: ctx.actor.staffId, updatedAt: ctx.now.toISOString(), version: before.version + 1 };
  // The record first (it cannot lose a race after the secret changed), then the secret.
  await ctx.services.integrations.saveConnection(ctx.actor.tenantId, before, after, audit(ctx, id, 'secret_rotated', before, after));
  await ctx.services.secrets.put(ctx.actor.tenantId, id, secrets);
  return { connection: view(ctx.actor.tenantId, after), secret, previousSecretExpiresAt: previousExpiresAt };
}

// ── deliveries ──

export async function listDeliveries(ctx: UseCaseContext, id: string, q: PageRequest & { status?: Delivery['status'] }): Promise<Page<Delivery>> {
  await connectionOf(ctx, id);
  return ctx.services.integrations.listDeliveries(ctx.actor.tenantId, id, q);
}

async function deliveryOf(ctx: UseCaseContext, id: string, deliveryId: string): Promise<StoredDelivery> {
  await connectionOf(ctx, id);
  const d = await ctx.services.integrations.getDelivery(ctx.actor.tenantId, id, deliveryId);
  if (!d) throw notFound('delivery', deliveryId);
  return d;
}

const public_ = ({ raw: _r, rawKey: _k, headers: _h, ...d }: StoredDelivery): Delivery => d;

export async function getDelivery(ctx: UseCaseContext, id: string, deliveryId: string): Promise<Delivery> {
  return public_(await deliveryOf(ctx, id, deliveryId));
}

/** The raw payload exactly as received: text when it is UTF-8, else base64. */
export async function deliveryPayload(ctx: UseCaseContext, id: string, deliveryId: string): Promise<{ contentType: string; encoding: 'utf8' | 'base64'; body: string; bytes: number }> {
  const d = await deliveryOf(ctx, id, deliveryId);
  const raw = d.raw ?? Buffer.concat(await toArray(await ctx.services.files.read(d.rawKey!)));
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return { contentType: d.payload.contentType, encoding: 'utf8', body: text.decode(raw), bytes: raw.length };
  } catch {
    return { contentType: d.payload.contentType, encoding: 'base64', body: raw.toString('base64'), bytes: raw.length };
  }
}

async function toArray(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

/** A failed delivery processed again from its stored payload (after the settings, the item map or the catalogue were fixed). */
export async function replayDelivery(ctx: UseCaseContext, id: string, deliveryId: string): Promise<Delivery> {
  const d = await deliveryOf(ctx, id, deliveryId);
  if (d.status === 'processed') throw conflict('already_processed', 'This delivery was processed; only a failed one is replayed.');
  if (d.status === 'failed') {
    const { reason: _reason, counts: _counts, outcomes: _outcomes, ...rest } = d;
    const queued: StoredDelivery = { ...rest, status: 'queued', version: d.version + 1 };
    if (!(await ctx.services.integrations.saveDelivery(ctx.actor.tenantId, queued, d.version))) throw new DomainError('conflict', 'concurrent_update', 'The delivery changed meanwhile; read it again.', {}, 1);
    await ctx.services.inboundQueue.send({ tenantId: ctx.actor.tenantId, connectionId: id, deliveryId });
    return public_(queued);
  }
  // Still queued (its message may have been lost): queue it again; the worker acts once.
  await ctx.services.inboundQueue.send({ tenantId: ctx.actor.tenantId, connectionId: id, deliveryId });
  return public_(d);
}

// ── assignment rules ──

export async function getAssignment(ctx: UseCaseContext): Promise<{ value: AssignmentConfig | undefined; version: number }> {
  authorize(ctx.actor, 'config:read');
  return (await tenantConfig(ctx, { fresh: true })).assignment;
}

export async function putAssignment(ctx: UseCaseContext, input: AssignmentConfigInput, expectedVersion: number): Promise<{ value: AssignmentConfig; version: number }> {
  authorize(ctx.actor, 'config:write');
  const config = parseOrThrow(AssignmentConfig, input, 'body');
  const current = (await tenantConfig(ctx, { fresh: true })).assignment;
  assertVersion(current.version, expectedVersion, 'assignment');
  checkAssignmentStaff(config, await ctx.services.staff.getMany(ctx.actor.tenantId, namedStaff(config)));
  const version = await ctx.services.tenants.putConfig(ctx.actor.tenantId, 'ASSIGNMENT', config, current.version, auditOf(ctx, 'config', 'assignment', 'updated', current.value, config));
  return { value: config, version };
}
