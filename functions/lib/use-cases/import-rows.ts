import type { CountryCode } from 'libphonenumber-js/max';
import type { z } from 'zod';
import { ClientInput, normaliseEmail, normalisePhone } from '../../../domain/clients/client';
import { uniqueContacts, type ContactPoint } from '../../../domain/clients/contacts';
import { DomainError, type FieldError } from '../../../domain/errors';
import { EventInput } from '../../../domain/events/event';
import { clientRefOf, contactOf, DEFAULT_MATCH_ON, mapRow, type ClientRef, type ImportJob, type MappedRow, type RowOutcome } from '../../../domain/imports/import';
import { isOpen, OpportunityInput, OpportunityPatch, patchOpportunity, type Opportunity } from '../../../domain/pipeline/opportunity';
import type { Staff } from '../../../domain/staff/staff';
import { fieldErrorsOf } from '../../../domain/validation';
import { inScope } from '../../../domain/access/policy';
import { derivedIds, idPatterns } from '../ids';
import { createClient, pickInput, updateClient, visibleClient } from './clients';
import { retryLostRace, tenantConfig, type UseCaseContext } from './context';
import { addEvent } from './events';
import { createOpportunity, updateOpportunity } from './opportunities';
import type { TenantConfig } from './ports';

/**
 * One row of an import through the same schemas and use cases as the API (DESIGN §10), as the
 * importer: their rights and scope bind every row. A row is whole or nothing — it is one use-case
 * call, one transaction. What it did comes back as an outcome; a row the rules refuse is `failed`
 * with field-level reasons, never an exception (those are for the store being unreachable: the
 * chunk is retried).
 *
 * Every row writes under the id it always makes (ids.ts derivedIds), so a chunk run again after a
 * crash finds its own earlier writes and counts them `created`, instead of writing them twice.
 */
export type RowApplier = ((row: number, record: Record<string, unknown>) => Promise<RowOutcome>) & {
  /**
   * Rows of one lane touch the same record (the same phone, the same client and product): the
   * chunk applies them one after another, in file order, so the last row wins instead of rows
   * racing each other into retries.
   */
  laneOf(record: Record<string, unknown>): string;
};

export async function rowApplier(ctx: UseCaseContext, job: ImportJob & { tenantId: string }): Promise<RowApplier> {
  const config = await tenantConfig(ctx);
  const made = derivedIds(`${job.tenantId}/${job.id}`, new Date(job.createdAt));
  const staff = job.entity === 'clients' ? undefined : await staffDirectory(ctx);
  const dryRun = job.dryRun;
  const refs = { ctx, config, staff };
  // A dry run writes nothing, so a row cannot find an earlier row of the file in the store: the
  // contact points of the clients it would have created, by row (a chunk's worth).
  const dryRunSeen = new Map<string, number>();
  const apply = async (row: number, record: Record<string, unknown>): Promise<RowOutcome> => {
    const mapped = mapRow(job.entity, record, job.mapping);
    if (mapped.errors.length > 0) return { outcome: 'failed', errors: mapped.errors };
    try {
      if (job.entity === 'clients') return await importClient(ctx, job, mapped, { row, id: made.client(row) }, config, dryRunSeen);
      if (job.entity === 'opportunities') return await importOpportunity(refs, job, mapped, (clientId) => made.opportunity(clientId, row));
      return await importEvent(refs, mapped, dryRun, (clientId) => made.event(clientId, row));
    } catch (error) {
      if (error instanceof DomainError) return { outcome: 'failed', errors: reasonsOf(error, mapped) };
      throw error;
    }
  };
  return Object.assign(apply, { laneOf: (record: Record<string, unknown>) => laneOf(job.entity, mapRow(job.entity, record, job.mapping).fields) });
}

function laneOf(entity: ImportJob['entity'], fields: Record<string, unknown>): string {
  const digits = (v: unknown) => (typeof v === 'string' ? v.replace(/\D/g, '').slice(-10) : '');
  if (entity === 'clients') return digits(fields.mobile) || String(fields.email ?? '').toLowerCase();
  const client = (fields.client ?? {}) as Record<string, unknown>;
  const who = String(fields.clientId ?? '') || digits(client.mobile) || String(client.email ?? client.gstin ?? JSON.stringify(client.externalRefs ?? '')).toLowerCase();
  return entity === 'events' && typeof fields.opportunityId === 'string' ? fields.opportunityId : `${who}|${String(fields.product ?? '').toLowerCase()}`;
}

async function importClient(ctx: UseCaseContext, job: ImportJob, mapped: MappedRow, { row, id }: { row: number; id: string }, config: TenantConfig, dryRunSeen: Map<string, number>): Promise<RowOutcome> {
  const parsed = ClientInput.safeParse(mapped.fields);
  if (!parsed.success) return failed(fieldErrorsOf(parsed.error), mapped);
  const input = parsed.data;
  const dryRun = job.dryRun;
  if (dryRun) {
    const keys = uniqueContacts(normaliseClientKeys(input, config)).map((c) => `${c.on}:${c.value}`);
    const earlier = keys.map((k) => dryRunSeen.get(k)).find((r) => r !== undefined);
    if (earlier !== undefined) {
      if (job.mode === 'upsert') return { outcome: 'updated', id };
      return { outcome: 'failed', errors: [{ field: '', code: 'duplicate_client', message: `A client with this contact would already exist: row ${earlier} of this file creates it.` }] };
    }
    const outcome = await importClientNow(ctx, job, input, id, config);
    if (outcome.outcome === 'created') for (const k of keys) dryRunSeen.set(k, row);
    return outcome;
  }
  return importClientNow(ctx, job, input, id, config);
}

async function importClientNow(ctx: UseCaseContext, job: ImportJob, input: ClientInput, id: string, config: TenantConfig): Promise<RowOutcome> {
  const dryRun = job.dryRun;
  return retryRow(async (): Promise<RowOutcome> => {
    if (job.mode === 'upsert') {
      const existing = await matchClient(ctx, input, job.matchOn ?? DEFAULT_MATCH_ON, config);
      if (existing === id) return { outcome: 'created', id };
      if (existing) {
        const before = await ctx.services.clients.get(ctx.actor.tenantId, existing);
        if (before) {
          const after = await updateClient(ctx, existing, input, before.client.version, { dryRun: true });
          if (JSON.stringify(pickInput(after)) === JSON.stringify(pickInput(before.client))) return { outcome: 'skipped', id: existing };
          // Another row of the file updated it since it was read: read again (retryLostRace).
          if (!dryRun) await updateClient(ctx, existing, input, before.client.version).catch((e: unknown) => Promise.reject(e instanceof DomainError && e.code === 'stale_version' ? lostRace() : e));
          return { outcome: 'updated', id: existing };
        }
      }
    }
    try {
      await createClient(ctx, input, { id, dryRun });
      return { outcome: 'created', id };
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'duplicate_client')) throw error;
      // This row's own client, written by a run that crashed before it could count it.
      if (error.details.existingClientId === id) return { outcome: 'created', id };
      // Upsert: another row of the file created it a moment ago on a key it matches on. Look again, and update it.
      if (job.mode === 'upsert' && matchesOn(job, error.details.matchedOn)) throw lostRace();
      throw error;
    }
  }).catch(staleAsFailure);
}

/**
 * A row run again when it lost a race: to another row of the file, or — in AWS, where DynamoDB
 * cancels transactions that touch one item at once, and every row's transaction checks the
 * importer's staff item — to a sibling row's transaction (`transaction_conflict`).
 */
const retryRow = <T>(run: () => Promise<T>) => retryLostRace(run, 10, ['concurrent_update', 'transaction_conflict']);

/** An upsert's update lost to another row of the same file: read again and apply on top (last row wins). */
const lostRace = () => new DomainError('conflict', 'concurrent_update', 'The record changed while this row was applied.', {}, 0);

/** A row whose record kept changing under it (retried ten times): failed, saying so. */
function staleAsFailure(error: unknown): never {
  throw error instanceof DomainError && error.code === 'stale_version' ? new DomainError('conflict', 'concurrent_update', 'The record kept changing while this row was applied; import the row again.') : error;
}

const matchesOn = (job: ImportJob, matchedOn: unknown) => {
  const keys: readonly string[] = job.matchOn ?? DEFAULT_MATCH_ON;
  return matchedOn === 'externalRef' ? keys.some((k) => k.startsWith('externalRefs.')) : keys.includes(String(matchedOn));
};

/** The client an upsert row is: the first natural key that finds one; two keys finding two clients is ambiguous. */
async function matchClient(ctx: UseCaseContext, input: ClientInput, matchOn: readonly string[], config: TenantConfig): Promise<string | undefined> {
  const normalised = normaliseClientKeys(input, config);
  const contacts = matchOn.map((k) => contactOf(k as Parameters<typeof contactOf>[0], normalised)).filter((c): c is ContactPoint => c !== undefined);
  const found = await Promise.all(contacts.map((c) => ctx.services.clients.lookup(ctx.actor.tenantId, c)));
  const distinct = [...new Set(found.filter((id): id is string => id !== undefined))];
  if (distinct.length > 1) {
    throw new DomainError('conflict', 'ambiguous_match', `The row's ${matchOn.join(', ')} find ${distinct.length} different clients; fix the row or match on one key.`);
  }
  return distinct[0];
}

function normaliseClientKeys(input: ClientInput, config: TenantConfig) {
  const phone = normalisePhone('mobile', input.mobile, config.settings.defaultPhoneCountry as CountryCode);
  return { mobile: phone.ok ? phone.value : input.mobile, email: input.email === undefined ? undefined : normaliseEmail(input.email), gstin: input.gstin, externalRefs: input.externalRefs };
}

interface Refs {
  ctx: UseCaseContext;
  config: TenantConfig;
  staff: StaffDirectory | undefined;
}

async function importOpportunity(refs: Refs, job: ImportJob, mapped: MappedRow, idFor: (clientId: string) => string): Promise<RowOutcome> {
  const { ctx } = refs;
  const { ref, rest, error } = clientRefOf(mapped.fields);
  if (!ref) return failed([error!], mapped);
  const { product, assignedTo, coSalespersons, warriors, ...fields } = rest;
  const errors: FieldError[] = [];
  const productId = productOf(refs.config, product, errors);
  const named = {
    ...(assignedTo !== undefined && { assignedTo: staffOf(refs.staff!, 'assignedTo', assignedTo, errors) }),
    ...(coSalespersons !== undefined && { coSalespersons: staffListOf(refs.staff!, 'coSalespersons', coSalespersons, errors) }),
    ...(warriors !== undefined && { warriors: staffListOf(refs.staff!, 'warriors', warriors, errors) }),
  };
  const clientId = await clientOf(refs, ref, errors);
  if (errors.length > 0 || !clientId) return failed(errors, mapped);
  const parsed = OpportunityInput.safeParse({ ...fields, productId, ...named });
  if (!parsed.success) return failed(fieldErrorsOf(parsed.error), mapped);
  const id = idFor(clientId);
  return retryRow(async (): Promise<RowOutcome> => {
    const { open, hidden } = await openOpportunityOf(refs, clientId, productId!);
    if (hidden) throw new DomainError('conflict', 'open_opportunity_exists', `The client already has an open ${productId} opportunity that is not yours to see.`);
    if (job.mode === 'upsert') {
      if (open?.id === id) return { outcome: 'created', id };
      if (open) return upsertOpportunity(ctx, open, parsed.data, { ...fields, ...named }, job.dryRun, refs.config);
    }
    try {
      await createOpportunity(ctx, clientId, parsed.data, { id, dryRun: job.dryRun });
      return { outcome: 'created', id };
    } catch (e) {
      if (e instanceof DomainError && e.code === 'open_opportunity_exists' && e.details.existingOpportunityId === id) return { outcome: 'created', id };
      throw e;
    }
  }).catch(staleAsFailure);
}

const patchable = ['dealValue', 'closingProbability', 'assignedTo', 'expectedCloseDate', 'coSalespersons', 'warriors', 'partnerCompanyId'] as const;

/** The fields of an open opportunity an upsert may change: not its stage (a stage moves by its own rules, with feedback). */
async function upsertOpportunity(ctx: UseCaseContext, open: Opportunity, input: z.infer<typeof OpportunityInput>, given: Record<string, unknown>, dryRun: boolean, config: TenantConfig): Promise<RowOutcome> {
  if (given.stage !== undefined && input.stage !== open.stage) {
    throw new DomainError('invalid', 'validation_failed', 'stage', { errors: [{ field: 'stage', code: 'stage_not_imported', message: `is ${open.stage} on the open opportunity: an import does not move stages (POST /v1/opportunities/${open.id}/stage does)` }] });
  }
  const patch = OpportunityPatch.safeParse(Object.fromEntries(patchable.filter((f) => given[f] !== undefined).map((f) => [f, input[f]])));
  // Nothing the row gives beyond its keys: nothing to change.
  if (!patch.success) return { outcome: 'skipped', id: open.id };
  const after = patchOpportunity(open, patch.data, { now: ctx.now, actor: ctx.actor, stagesConfig: config.stages.value });
  const comparable = (o: Opportunity) => JSON.stringify(patchable.map((f) => o[f] ?? null));
  if (comparable(after) === comparable(open)) return { outcome: 'skipped', id: open.id };
  if (!dryRun) await updateOpportunity(ctx, open.id, patch.data, open.version);
  return { outcome: 'updated', id: open.id };
}

async function importEvent(refs: Refs, mapped: MappedRow, dryRun: boolean, idFor: (clientId: string) => string): Promise<RowOutcome> {
  const { ctx } = refs;
  const { opportunityId, product, assignee, ...fields } = mapped.fields;
  const errors: FieldError[] = [];
  const named = assignee !== undefined ? { assignee: staffOf(refs.staff!, 'assignee', assignee, errors) } : {};
  let opportunity: string | undefined;
  if (opportunityId !== undefined) {
    if (typeof opportunityId !== 'string' || !idPatterns.opportunity.test(opportunityId)) return failed([{ field: 'opportunityId', code: 'invalid_string', message: 'is not an opportunity id' }], mapped);
    opportunity = opportunityId;
    delete fields.client;
    delete fields.clientId;
  } else {
    const { ref, rest, error } = clientRefOf(fields);
    if (!ref) return failed([{ ...error!, message: `${error!.message}, with product; or opportunityId` }], mapped);
    Object.assign(fields, rest);
    delete fields.client;
    delete fields.clientId;
    const productId = productOf(refs.config, product, errors);
    const clientId = await clientOf(refs, ref, errors);
    if (clientId && productId) {
      const { open } = await openOpportunityOf(refs, clientId, productId);
      if (open) opportunity = open.id;
      else errors.push({ field: 'product', code: 'no_open_opportunity', message: `the client has no open ${productId} opportunity you can see` });
    }
  }
  if (errors.length > 0 || !opportunity) return failed(errors, mapped);
  const parsed = EventInput.safeParse({ ...fields, ...named });
  if (!parsed.success) return failed(fieldErrorsOf(parsed.error), mapped);
  const clientId = `c_${opportunity.slice(2, 28)}`;
  const id = idFor(clientId);
  if (await ctx.services.pipeline.getEvent(ctx.actor.tenantId, id)) return { outcome: 'created', id };
  await addEvent(ctx, opportunity, parsed.data, { id, dryRun });
  return { outcome: 'created', id };
}

/** A product named by id or by name (any case). */
function productOf(config: TenantConfig, named: unknown, errors: FieldError[]): string | undefined {
  if (typeof named !== 'string') {
    errors.push({ field: 'product', code: 'required', message: 'is required: a product id or name from the catalogue' });
    return undefined;
  }
  const wanted = named.trim().toLowerCase();
  const found = config.products.value.find((p) => p.id === wanted || p.name.toLowerCase() === wanted);
  if (!found) errors.push({ field: 'product', code: 'unknown_product', message: `is not in the catalogue (${config.products.value.map((p) => p.id).join(', ')})` });
  return found?.id;
}

/** The client a row names: by id (the use case checks it is there and visible), or by a contact point it holds. */
async function clientOf(refs: Refs, ref: ClientRef, errors: FieldError[]): Promise<string | undefined> {
  const field = 'id' in ref ? 'clientId' : ref.field;
  const unknown = () => (errors.push({ field, code: 'unknown_client', message: `names no client you can see` }), undefined);
  let id: string | undefined;
  if ('id' in ref) {
    if (!idPatterns.client.test(ref.id)) return (errors.push({ field, code: 'invalid_string', message: 'is not a client id' }), undefined);
    id = ref.id;
  } else {
    // A natural key is a short text: a longer one names nothing (and would not fit a key).
    if (ref.contact.value.length > 300) return unknown();
    const contact = ref.contact.on === 'mobile' ? normalisedPhone(refs.config, ref.contact) : ref.contact.on === 'email' ? { ...ref.contact, value: normaliseEmail(ref.contact.value) } : ref.contact.on === 'gstin' ? { ...ref.contact, value: ref.contact.value.replace(/\s+/g, '').toUpperCase() } : ref.contact;
    id = await refs.ctx.services.clients.lookup(refs.ctx.actor.tenantId, contact);
    if (!id) return unknown();
  }
  // Only a client the importer may see (a merged id reads as its survivor); else as if there were none.
  try {
    return (await visibleClient(refs.ctx, id, 'client:read')).client.id;
  } catch (error) {
    if (error instanceof DomainError && (error.kind === 'not_found' || error.kind === 'forbidden')) return unknown();
    throw error;
  }
}

/** The client's open opportunity for a product, when the importer may see it (a hidden one is as none). */
async function openOpportunityOf(refs: Refs, clientId: string, productId: string): Promise<{ open?: Opportunity; hidden: boolean }> {
  const open = (await refs.ctx.services.pipeline.clientOpportunities(refs.ctx.actor.tenantId, clientId)).find((o) => o.productId === productId && isOpen(o));
  if (!open) return { hidden: false };
  return inScope(await refs.ctx.viewer(), open) ? { open, hidden: false } : { hidden: true };
}

const normalisedPhone = (config: TenantConfig, c: ContactPoint): ContactPoint => {
  const phone = normalisePhone('mobile', c.value, config.settings.defaultPhoneCountry as CountryCode);
  return { ...c, value: phone.ok ? phone.value : c.value };
};

/** The tenant's staff by id and by email, read once per chunk (a few pages of one partition). */
interface StaffDirectory {
  byId: Map<string, Staff>;
  byEmail: Map<string, Staff>;
}

async function staffDirectory(ctx: UseCaseContext): Promise<StaffDirectory> {
  const byId = new Map<string, Staff>();
  let cursor: string | undefined;
  do {
    const page = await ctx.services.staff.list(ctx.actor.tenantId, { limit: 200, ...(cursor && { cursor }) });
    for (const s of page.items) byId.set(s.staffId, s);
    cursor = page.cursor;
  } while (cursor);
  return { byId, byEmail: new Map([...byId.values()].map((s) => [s.email.toLowerCase(), s])) };
}

/** A staff member named by id or email → their id (the use case then checks they are active and fit). */
function staffOf(dir: StaffDirectory, field: string, named: unknown, errors: FieldError[]): string | undefined {
  if (typeof named !== 'string') return named as string;
  const key = named.trim();
  const found = dir.byId.get(key) ?? dir.byEmail.get(key.toLowerCase());
  if (!found) errors.push({ field, code: 'unknown_staff', message: `no staff member has the id or email ${JSON.stringify(key)}` });
  return found?.staffId;
}

function staffListOf(dir: StaffDirectory, field: string, named: unknown, errors: FieldError[]): string[] | undefined {
  if (!Array.isArray(named)) return named as string[];
  return named.map((n, i) => staffOf(dir, `${field}.${i}`, n, errors) ?? String(n));
}

function failed(errors: FieldError[], mapped: MappedRow): RowOutcome {
  return { outcome: 'failed', errors: errors.map((e) => ({ ...e, field: columnOf(e.field, mapped) })) };
}

/** A use case's refusal as the row's reasons: its field errors named by the file's columns, or its code and message. */
function reasonsOf(error: DomainError, mapped: MappedRow): FieldError[] {
  if (error.details.errors?.length) return error.details.errors.map((e) => ({ ...e, field: columnOf(e.field, mapped) }));
  const facts = Object.entries(error.details).filter(([k, v]) => k !== 'errors' && (typeof v === 'string' || typeof v === 'number'));
  const suffix = facts.length > 0 ? ` (${facts.map(([k, v]) => `${k}: ${String(v)}`).join('; ')})` : '';
  return [{ field: '', code: error.code, message: `${error.message}${suffix}` }];
}

const columnOf = (field: string, mapped: MappedRow) => (field === '' ? '' : mapped.columnOf(field.replace(/^body\./, '')));
