import type { CountryCode } from 'libphonenumber-js/max';
import { authorize, authorizeOn, inScope, policy } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { ClientInput, searchTerm, type Client } from '../../../domain/clients/client';
import { DOWNLOAD_URL_SECONDS, imageKey, UPLOAD_URL_SECONDS, type ImageDownload, type ImageUpload, type ImageUploadInput } from '../../../domain/clients/image';
import { newClient } from '../../../domain/clients/new-client';
import { contactChanges, duplicateClient, uniqueContacts, type ContactPoint } from '../../../domain/clients/contacts';
import { clientMerged } from '../../../domain/clients/merge';
import { afterPersonEdit } from '../../../domain/integrations/ownership';
import { buildProfile, coOwnershipScores, type ClientProfile } from '../../../domain/clients/profile';
import { logger } from '../logger';
import { conflict, DomainError, notFound } from '../../../domain/errors';
import { FUZZY_SCORE, fuzzyKeyChanges, MAX_PAIRED, type DedupRules, type FuzzyReason } from '../../../domain/clients/dedup';
import { parseOrThrow } from '../../../domain/validation';
import { ids } from '../ids';
import { assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest, StoredClient } from './ports';

const audit = (ctx: UseCaseContext, entityId: string, action: AuditEntry['action'], before: unknown, after: unknown) => auditOf(ctx, 'client', entityId, action, before, after);

/** A client that looks like the one being written (#12): named only when the caller may open it. */
export interface PossibleDuplicate {
  id?: string;
  reason: FuzzyReason;
  score: number;
  /** A match the caller may not open: counted, never named. */
  hidden?: true;
}

/**
 * A new client. An exact match (phone, email, GSTIN) is refused by the store's transaction (409
 * `duplicate_client`); a fuzzy one (dedup.ts) is refused with 409 `possible_duplicate` when the
 * tenant's rule is `block`, else the client is created and the matches come back with it.
 */
export async function createClient(ctx: UseCaseContext, input: ClientInput, opts: WriteOptions = {}): Promise<{ client: Client; possibleDuplicates: PossibleDuplicate[] }> {
  authorize(ctx.actor, 'client:create');
  const { settings, dedup } = await tenantConfig(ctx);
  const made = newClient(input, { id: opts.id ?? ids.client(), staffId: ctx.actor.staffId, now: ctx.now, defaultCountry: settings.defaultPhoneCountry as CountryCode });
  const client: Client = opts.fieldSources ? { ...made, fieldSources: opts.fieldSources } : made;
  const possibleDuplicates = await possibleDuplicatesOf(ctx, client, dedup.value);
  if (opts.dryRun) await assertContactsFree(ctx, client.id, uniqueContacts(client));
  else await ctx.services.clients.create(ctx.actor.tenantId, client, audit(ctx, client.id, 'created', undefined, client), { claimFuzzy: dedup.value.fuzzy === 'block' });
  return { client, possibleDuplicates };
}

/**
 * How a write path other than the API's calls a use case: an import gives the id its row always
 * makes (ids.ts derivedIds), and a dry run does every check and read but writes nothing.
 */
export interface WriteOptions {
  id?: string;
  dryRun?: boolean;
  /** An integration's write (#13): the fields it set, with the source's time of each. */
  fieldSources?: Client['fieldSources'];
}

/** What the store's transaction would refuse (a contact point another client holds), checked by reads: for dry runs. */
async function assertContactsFree(ctx: UseCaseContext, clientId: string, contacts: readonly ContactPoint[]) {
  const held = await Promise.all(contacts.map((c) => ctx.services.clients.lookup(ctx.actor.tenantId, c)));
  const taken = contacts.findIndex((_, i) => held[i] !== undefined && held[i] !== clientId);
  if (taken >= 0) throw duplicateClient(contacts[taken]!, held[taken]);
}

/** The fuzzy matches of a client about to be written; `block` refuses when there is any. */
async function possibleDuplicatesOf(ctx: UseCaseContext, client: Client, rules: DedupRules): Promise<PossibleDuplicate[]> {
  const matches = await ctx.services.clients.possibleDuplicates(ctx.actor.tenantId, client);
  if (matches.length === 0) return [];
  const [viewer, stored] = await Promise.all([ctx.viewer(), Promise.all(matches.map((m) => ctx.services.clients.get(ctx.actor.tenantId, m.clientId)))]);
  const found = matches
    .map((m, i) => ({ m, s: stored[i] }))
    .filter((x): x is { m: (typeof matches)[number]; s: StoredClient } => x.s !== undefined)
    .map(({ m, s }): PossibleDuplicate => (inScope(viewer, { team: s.team }) ? { id: m.clientId, reason: m.reason, score: FUZZY_SCORE[m.reason] } : { reason: m.reason, score: FUZZY_SCORE[m.reason], hidden: true }))
    .sort((a, b) => b.score - a.score);
  if (found.length > 0 && rules.fuzzy === 'block') {
    throw conflict('possible_duplicate', 'A client like this one exists (same name in the same city or PIN code, or the same owner and phone); check it before adding another.', { possibleDuplicates: found });
  }
  return found;
}

/**
 * A client the caller may see (404 otherwise) and may act on (403 otherwise). The id of a client
 * merged into another is an alias (#12): a read answers the survivor, a write is refused with 409
 * `client_merged` naming it.
 */
export async function visibleClient(ctx: UseCaseContext, clientId: string, action: 'client:read' | 'client:update' | 'audit:read'): Promise<StoredClient> {
  let [stored, viewer] = await Promise.all([ctx.services.clients.get(ctx.actor.tenantId, clientId), ctx.viewer()]);
  // A chain of merges (A into B, B into C) is a few hops at most.
  for (let hop = 0; stored?.mergedInto && hop < MAX_ALIAS_HOPS; hop++) {
    if (action === 'client:update') throw clientMerged(stored.client.id, stored.mergedInto);
    stored = await ctx.services.clients.get(ctx.actor.tenantId, stored.mergedInto);
  }
  if (!stored) throw notFound('client', clientId);
  authorizeOn(viewer, action, { kind: 'client', id: stored.client.id, links: { team: stored.team } });
  return stored;
}

const MAX_ALIAS_HOPS = 5;

export async function getClient(ctx: UseCaseContext, clientId: string): Promise<Client> {
  return (await visibleClient(ctx, clientId, 'client:read')).client;
}

export async function updateClient(ctx: UseCaseContext, clientId: string, patch: Partial<ClientInput>, expectedVersion: number, opts: Pick<WriteOptions, 'dryRun'> & { fieldSources?: Client['fieldSources'] } = {}): Promise<Client> {
  const { client: before } = await visibleClient(ctx, clientId, 'client:update');
  assertVersion(before.version, expectedVersion, 'client');
  const { settings, dedup } = await tenantConfig(ctx);
  const merged = parseOrThrow(ClientInput, { ...pickInput(before), ...patch }, 'body');
  const normalised = newClient(merged, { id: before.id, staffId: before.createdBy, now: ctx.now, defaultCountry: settings.defaultPhoneCountry as CountryCode });
  const after: Client = {
    ...normalised,
    ...(before.imageKey && { imageKey: before.imageKey }),
    // What integrations last set stays with the client whoever edits it next (#13).
    ...sourcesAfter(before, normalised, opts.fieldSources),
    createdAt: before.createdAt,
    updatedBy: ctx.actor.staffId,
    version: before.version + 1,
  };
  // An edit that makes the client look like another (a new name, city, PIN code, owner or phone)
  // is refused under `block`; under `warn` it is written, and GET /v1/clients/duplicates lists it for cleanup.
  if (dedup.value.fuzzy === 'block' && fuzzyKeyChanges(before, after).claimed.length > 0) await possibleDuplicatesOf(ctx, after, dedup.value);
  if (opts.dryRun) await assertContactsFree(ctx, clientId, contactChanges(before, after).claimed);
  else await ctx.services.clients.update(ctx.actor.tenantId, before, after, audit(ctx, clientId, 'updated', before, after), { claimFuzzy: dedup.value.fuzzy === 'block' });
  return after;
}

/** An integration's write names the fields it set; a person's edit makes the fields it changed the CRM's (domain/integrations/ownership.ts). */
function sourcesAfter(before: Client, after: Client, bySystem: Client['fieldSources']): Pick<Client, 'fieldSources'> {
  const sources = bySystem ?? afterPersonEdit(before, after);
  return sources && Object.keys(sources).length > 0 ? { fieldSources: sources } : {};
}

/** Search by name, phone or email prefix: the shape of `q` says which. */
export async function searchClients(ctx: UseCaseContext, q: string, limit: number): Promise<Client[]> {
  authorize(ctx.actor, 'client:read');
  const { settings } = await tenantConfig(ctx);
  const { field, prefix } = searchTerm(q, settings.defaultPhoneCountry as CountryCode);
  const matches = await ctx.services.clients.search(ctx.actor.tenantId, field, prefix, limit);
  const [found, viewer] = await Promise.all([Promise.all(matches.map((id) => ctx.services.clients.get(ctx.actor.tenantId, id))), ctx.viewer()]);
  return found.filter((s): s is StoredClient => s !== undefined && inScope(viewer, { team: s.team })).map((s) => s.client);
}

/**
 * The 360 view: one Query for the client partition (plus the tenant's catalogue) and, when the
 * client owns something, one ClickHouse query ranking cross-sell by co-ownership. A caller who sees
 * only some of the client's opportunities (a warrior, a partner, a salesperson, a manager of part
 * of the team) gets the view of those alone — their products, events and cross-sell — so nothing
 * in it, not even a product missing from the suggestions, tells of a deal they cannot open.
 * Analytics being unreachable costs the ranking (catalogue order), never the view.
 */
export async function clientProfile(ctx: UseCaseContext, clientId: string): Promise<ClientProfile> {
  authorize(ctx.actor, 'client:read');
  const [first, config, viewer] = await Promise.all([ctx.services.pipeline.clientPartition(ctx.actor.tenantId, clientId), tenantConfig(ctx), ctx.viewer()]);
  // A merged client's id answers its survivor's view.
  const partition = first.client?.mergedInto ? await ctx.services.pipeline.clientPartition(ctx.actor.tenantId, (await visibleClient(ctx, clientId, 'client:read')).client.id) : first;
  if (!partition.client) throw notFound('client', clientId);
  clientId = partition.client.client.id;
  authorizeOn(viewer, 'client:read', { kind: 'client', id: clientId, links: { team: partition.client.team } });
  const whole = policy[viewer.role].scope === 'tenant';
  const opportunities = whole ? partition.opportunities : partition.opportunities.filter((o) => inScope(viewer, o));
  const seen = new Set(opportunities.map((o) => o.id));
  const events = whole ? partition.events : partition.events.filter((e) => seen.has(e.opportunityId));
  const owned = [...new Set(opportunities.filter((o) => o.outcome === 'Won').map((o) => o.productId))];
  const scores =
    owned.length === 0
      ? {}
      : await ctx.services.insights.coOwnership(ctx.actor.tenantId, owned).then(coOwnershipScores, (error: unknown) => {
          logger.warn('cross-sell ranking unavailable: analytics did not answer', { error: error instanceof Error ? error.message : String(error) });
          return {};
        });
  // An invoice that closed a deal the caller cannot open is that deal's: it would tell of it.
  const invoices = (partition.invoices ?? []).filter((inv) => whole || inv.closedOpportunities.every((id) => seen.has(id)));
  return buildProfile(partition.client.client, opportunities, events, config.products.value, scores, invoices);
}

/**
 * The client's audit trail, newest first. A caller who sees only some of the client's
 * opportunities (a seller, a manager of part of the team) sees the client's own entries and those
 * of the opportunities they can see (with their events) — never a hidden deal's value or feedback.
 */
export async function clientAudit(ctx: UseCaseContext, clientId: string, page: PageRequest): Promise<Page<AuditEntry>> {
  clientId = (await visibleClient(ctx, clientId, 'audit:read')).client.id;
  const viewer = await ctx.viewer();
  if (policy[viewer.role].scope === 'tenant') return ctx.services.pipeline.clientAudit(ctx.actor.tenantId, clientId, page);
  const opportunities = await ctx.services.pipeline.clientOpportunities(ctx.actor.tenantId, clientId);
  const scopes = new Set([clientId, ...opportunities.filter((o) => inScope(viewer, o)).map((o) => o.id)]);
  return ctx.services.pipeline.clientAudit(ctx.actor.tenantId, clientId, { ...page, scopes });
}

/** A client's own fields, as the API takes them: what an upsert compares to know a row changes nothing. */
export const pickInput = (c: Client): ClientInput => ({
  companyName: c.companyName,
  ownerName: c.ownerName,
  mobile: c.mobile,
  ...(c.whatsapp && { whatsapp: c.whatsapp }),
  ...(c.email && { email: c.email }),
  ...(c.address && { address: c.address }),
  ...(c.landmark && { landmark: c.landmark }),
  ...(c.geo && { geo: c.geo }),
  ...(c.city && { city: c.city }),
  ...(c.pincode && { pincode: c.pincode }),
  ...(c.gstin && { gstin: c.gstin }),
  ...(c.externalRefs && { externalRefs: c.externalRefs }),
});

/**
 * A presigned upload URL for the client's image; the client record points at the new key at once
 * (an upload that never happens leaves a dangling key, which the download URL then answers 404 for).
 */
export async function requestImageUpload(ctx: UseCaseContext, clientId: string, input: ImageUploadInput, expectedVersion: number | undefined): Promise<ImageUpload> {
  const { client: before } = await visibleClient(ctx, clientId, 'client:update');
  assertVersion(before.version, expectedVersion, 'client');
  const key = imageKey(ctx.actor.tenantId, clientId, ids.audit(), input.contentType);
  const after: Client = { ...before, imageKey: key, updatedBy: ctx.actor.staffId, updatedAt: ctx.now.toISOString(), version: before.version + 1 };
  const uploadUrl = await ctx.services.media.uploadUrl(key, input.contentType, input.contentLength, UPLOAD_URL_SECONDS);
  await ctx.services.clients.update(ctx.actor.tenantId, before, after, audit(ctx, clientId, 'updated', before, after));
  return {
    imageKey: key,
    uploadUrl,
    expiresAt: new Date(ctx.now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
    headers: { 'content-type': input.contentType, 'content-length': String(input.contentLength) },
    clientVersion: after.version,
  };
}

export async function imageDownload(ctx: UseCaseContext, clientId: string): Promise<ImageDownload> {
  const { client } = await visibleClient(ctx, clientId, 'client:read');
  if (!client.imageKey) throw new DomainError('not_found', 'image_not_found', `Client ${client.id} has no image.`);
  return {
    url: await ctx.services.media.downloadUrl(client.imageKey, DOWNLOAD_URL_SECONDS),
    expiresAt: new Date(ctx.now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString(),
  };
}

/** Two clients that look alike (GET /v1/clients/duplicates): both ones the caller may open. */
export interface DuplicatePair {
  a: { id: string; companyName: string };
  b: { id: string; companyName: string };
  reason: FuzzyReason;
  score: number;
}

/**
 * Candidate pairs for cleanup, by fuzzy key (dedup.ts), a page at a time: only pairs of clients
 * the caller may open (a manager, their team's; an admin, the tenant's). At most 20 clients of a
 * key are paired (a key shared by more is a pattern, not a duplicate).
 */
export async function listDuplicates(ctx: UseCaseContext, page: { limit: number; cursor?: string | undefined }): Promise<{ pairs: DuplicatePair[]; cursor?: string }> {
  authorize(ctx.actor, 'client:dedupe');
  // An unprovisioned tenant's token acts on nothing (403), as on every route.
  await tenantConfig(ctx);
  const pairs: DuplicatePair[] = [];
  let cursor = page.cursor;
  // Most index items belong to no pair: read on (up to 5 index pages) until the page has `limit` pairs.
  for (let read = 0; read < 5 && pairs.length < page.limit; read++) {
    const got = await ctx.services.clients.fuzzyGroups(ctx.actor.tenantId, { limit: page.limit, ...(cursor && { cursor }) });
    pairs.push(...(await visiblePairs(ctx, got.groups)));
    cursor = got.cursor;
    if (!cursor) break;
  }
  return { pairs, ...(cursor && { cursor }) };
}

async function visiblePairs(ctx: UseCaseContext, groups: { reason: FuzzyReason; clientIds: string[] }[]): Promise<DuplicatePair[]> {
  const ids = [...new Set(groups.filter((g) => g.clientIds.length > 1).flatMap((g) => g.clientIds.slice(0, MAX_PAIRED)))];
  const [viewer, stored] = await Promise.all([ctx.viewer(), Promise.all(ids.map((id) => ctx.services.clients.get(ctx.actor.tenantId, id)))]);
  const visible = new Map(stored.filter((s): s is StoredClient => s !== undefined && inScope(viewer, { team: s.team })).map((s) => [s.client.id, s.client]));
  const pairs: DuplicatePair[] = [];
  for (const g of groups) {
    const members = g.clientIds.slice(0, MAX_PAIRED).flatMap((id) => (visible.has(id) ? [visible.get(id)!] : []));
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        pairs.push({ a: { id: members[i]!.id, companyName: members[i]!.companyName }, b: { id: members[j]!.id, companyName: members[j]!.companyName }, reason: g.reason, score: FUZZY_SCORE[g.reason] });
      }
    }
  }
  return pairs;
}
