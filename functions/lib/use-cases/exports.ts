import { z } from 'zod';
import { authorize, inScope, policy, type Viewer } from '../../../domain/access/policy';
import type { Principal, Role } from '../../../domain/access/roles';
import { Slug } from '../../../domain/access/roles';
import type { Client } from '../../../domain/clients/client';
import { EventStatus, EventType, type CrmEvent } from '../../../domain/events/event';
import { DataFormat, ImportEntity } from '../../../domain/imports/import';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import { Stage } from '../../../domain/pipeline/stages';
import { IsoDateTime } from '../../../domain/shared/schemas';
import { notFound } from '../../../domain/errors';
import { text } from '../../../domain/shared/schemas';
import { writeRecords } from '../exports/writers';
import type { DataJobMessage } from '../files/data-queue';
import { ids } from '../ids';
import { logger } from '../logger';
import { contextOf, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest, Services } from './ports';

/**
 * Bulk exports (DESIGN §10): clients, opportunities or events the caller may read, filtered,
 * streamed to S3 page by page as CSV, JSON or XML, and downloaded through a presigned URL that
 * expires. The worker reads as the caller (their scope, checked when it runs), so an export never
 * holds a record its caller could not GET.
 */
const ExportFilter = z
  .strictObject({
    /** Clients. */
    city: text({ max: 100 }).optional(),
    pincode: z.string().regex(/^\d{6}$/, 'must be a 6-digit PIN code').optional(),
    /** Opportunities. */
    stage: Stage.optional(),
    productId: z.string().min(1).max(40).optional(),
    assignedTo: Slug.optional(),
    outcome: z.enum(['open', 'Won', 'Lost']).optional(),
    /** Events. */
    status: EventStatus.optional(),
    type: EventType.optional(),
    /** Created (clients, opportunities) or scheduled (events) at or after / before. */
    from: IsoDateTime.optional(),
    to: IsoDateTime.optional(),
  })
  .default({});

const fieldsOf = { clients: ['city', 'pincode', 'from', 'to'], opportunities: ['stage', 'productId', 'assignedTo', 'outcome', 'from', 'to'], events: ['status', 'type', 'assignedTo', 'from', 'to'] } as const;

export const ExportRequest = z
  .strictObject({ entity: ImportEntity, format: DataFormat, filter: ExportFilter })
  .superRefine((r, ctx) => {
    for (const key of Object.keys(r.filter)) {
      if (!(fieldsOf[r.entity] as readonly string[]).includes(key)) ctx.addIssue({ code: 'custom', path: ['filter', key], message: `does not filter ${r.entity}: use ${fieldsOf[r.entity].join(', ')}` });
    }
    if (r.filter.from && r.filter.to && r.filter.from > r.filter.to) ctx.addIssue({ code: 'custom', path: ['filter', 'to'], message: 'must not be before from' });
  });
export type ExportRequest = z.infer<typeof ExportRequest>;

export interface ExportJob extends ExportRequest {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  rows: number;
  size?: number;
  fileKey?: string;
  failure?: { code: string; message: string };
  createdBy: string;
  createdByRole: Role;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  version: number;
}

export type ExportView = Omit<ExportJob, 'fileKey' | 'createdByRole'> & { downloadUrl?: string; downloadExpiresAt?: string };

const DOWNLOAD_URL_SECONDS = 15 * 60;
const recordName = { clients: 'client', opportunities: 'opportunity', events: 'event' } as const;
const extension = { csv: 'csv', json: 'json', xml: 'xml' } as const;
const contentType = { csv: 'text/csv; charset=utf-8', json: 'application/json', xml: 'application/xml' } as const;
export const exportKey = (tenantId: string, id: string, format: ExportRequest['format']) => `exports/${tenantId}/${id}/export.${extension[format]}`;

export async function requestExport(ctx: UseCaseContext, request: ExportRequest): Promise<ExportView> {
  authorize(ctx.actor, 'data:export');
  await tenantConfig(ctx);
  const at = ctx.now.toISOString();
  const job: ExportJob = { ...request, id: ids.export(), status: 'queued', rows: 0, createdBy: ctx.actor.staffId, createdByRole: ctx.actor.role, createdAt: at, updatedAt: at, version: 1 };
  await ctx.services.dataJobs.create(ctx.actor.tenantId, 'export', job);
  await ctx.services.dataQueue.send({ tenantId: ctx.actor.tenantId, kind: 'export', id: job.id, step: 'run' });
  return view(ctx, job);
}

/** An export is its creator's (a tenant admin sees every one): the file holds what they may read. */
export async function getExport(ctx: UseCaseContext, id: string): Promise<ExportView> {
  authorize(ctx.actor, 'data:export');
  const job = await ctx.services.dataJobs.get<ExportJob>(ctx.actor.tenantId, 'export', id);
  if (!job || (job.createdBy !== ctx.actor.staffId && ctx.actor.role !== 'tenant_admin')) throw notFound('export', id);
  return view(ctx, job);
}

export async function listExports(ctx: UseCaseContext, page: PageRequest): Promise<Page<ExportView>> {
  authorize(ctx.actor, 'data:export');
  const found = await ctx.services.dataJobs.list<ExportJob>(ctx.actor.tenantId, 'export', { ...page, ...(ctx.actor.role !== 'tenant_admin' && { createdBy: ctx.actor.staffId }) });
  return { ...found, items: await Promise.all(found.items.map((j) => view(ctx, j))) };
}

async function view(ctx: UseCaseContext, job: ExportJob): Promise<ExportView> {
  const { fileKey, createdByRole: _r, ...shown } = job;
  if (!fileKey) return shown;
  const downloadUrl = await ctx.services.files.downloadUrl(fileKey, DOWNLOAD_URL_SECONDS, `${job.entity}-${job.id}.${extension[job.format]}`);
  return { ...shown, downloadUrl, downloadExpiresAt: new Date(ctx.now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString() };
}

// ── the worker ──

const columns = {
  clients: ['id', 'companyName', 'ownerName', 'mobile', 'whatsapp', 'email', 'address', 'landmark', 'geo.lat', 'geo.lng', 'city', 'pincode', 'gstin', 'createdBy', 'createdAt', 'updatedAt'],
  opportunities: ['id', 'clientId', 'productId', 'stage', 'outcome', 'dealValue', 'currency', 'closingProbability', 'expectedRevenue', 'assignedTo', 'coSalespersons', 'warriors', 'partnerCompanyId', 'expectedCloseDate', 'createdAt', 'updatedAt'],
  events: ['id', 'opportunityId', 'clientId', 'productId', 'type', 'status', 'scheduledAt', 'completedAt', 'missedAt', 'assignee', 'remarks', 'notes', 'createdAt'],
} as const;

export async function runExportStep(services: Services, m: DataJobMessage, now: () => Date = () => new Date()): Promise<void> {
  const job = await services.dataJobs.get<ExportJob>(m.tenantId, 'export', m.id);
  // Running: a delivery that died mid-file; this one writes the file again (same key), and only one finish lands.
  if (!job || (job.status !== 'queued' && job.status !== 'running')) return logger.info('export step already done', { ...m, status: job?.status });
  const actor: Principal = { tenantId: m.tenantId, staffId: job.createdBy, role: job.createdByRole };
  const ctx = contextOf(actor, now(), services);
  const running: ExportJob = { ...job, status: 'running', updatedAt: now().toISOString(), version: job.version + 1 };
  if (!(await services.dataJobs.save(m.tenantId, 'export', running, job.version))) return;
  const finish = (changes: Partial<ExportJob>) => {
    const done: ExportJob = { ...running, ...changes, finishedAt: now().toISOString(), updatedAt: now().toISOString(), version: running.version + 1 };
    return services.dataJobs.save(m.tenantId, 'export', done, running.version);
  };
  let viewer: Viewer;
  try {
    viewer = await ctx.viewer();
  } catch {
    await finish({ status: 'failed', failure: { code: 'exporter_inactive', message: 'The staff member who asked for the export is deactivated or holds another role now.' } });
    return;
  }
  let rows = 0;
  const counted = (async function* () {
    for await (const record of recordsOf(services, m.tenantId, job, viewer)) {
      rows += 1;
      yield record;
    }
  })();
  const fileKey = exportKey(m.tenantId, job.id, job.format);
  const { size } = await services.files.write(fileKey, writeRecords(counted, job.format, { columns: columns[job.entity], rootName: job.entity, recordName: recordName[job.entity] }), contentType[job.format]);
  await finish({ status: 'completed', rows, size, fileKey });
}

/** What the export holds: the entity's records the viewer may read, that pass the filter, page by page. */
async function* recordsOf(services: Services, tenantId: string, job: ExportJob, viewer: Viewer): AsyncGenerator<Record<string, unknown>> {
  const f = job.filter;
  const whole = policy[viewer.role].scope === 'tenant';
  const within = (at: string) => (!f.from || at >= f.from) && (!f.to || at <= f.to);
  if (job.entity === 'clients') {
    for await (const page of services.clients.pages(tenantId)) {
      for (const s of page) {
        const c: Client = s.client;
        if ((whole || inScope(viewer, { team: s.team })) && (!f.city || c.city?.toLowerCase() === f.city.toLowerCase()) && (!f.pincode || c.pincode === f.pincode) && within(c.createdAt)) yield { ...c, externalRefs: c.externalRefs };
      }
    }
    return;
  }
  if (job.entity === 'opportunities') {
    let cursor: string | undefined;
    do {
      const page = await services.pipeline.listOpportunities(tenantId, { limit: 200, ...(cursor && { cursor }), ...(f.stage && { stage: f.stage }) });
      for (const o of page.items) if ((whole || inScope(viewer, o)) && opportunityPasses(o, f) && within(o.createdAt)) yield o;
      cursor = page.cursor;
    } while (cursor);
    return;
  }
  for (const status of f.status ? [f.status] : EventStatus.options) {
    let cursor: string | undefined;
    do {
      const page = await services.pipeline.listEvents(tenantId, { status, limit: 200, ...(cursor && { cursor }), ...(f.from && { from: f.from }), ...(f.to && { to: f.to }) });
      const visible = whole ? undefined : await services.pipeline.getOpportunities(tenantId, page.items.map((e) => e.opportunityId));
      for (const e of page.items) {
        const o = visible?.get(e.opportunityId);
        if ((whole || (o && inScope(viewer, o))) && eventPasses(e, f)) yield e;
      }
      cursor = page.cursor;
    } while (cursor);
  }
}

const opportunityPasses = (o: Opportunity, f: ExportRequest['filter']) =>
  (!f.productId || o.productId === f.productId) && (!f.assignedTo || o.assignedTo === f.assignedTo) && (!f.outcome || (f.outcome === 'open' ? o.outcome === undefined : o.outcome === f.outcome));
const eventPasses = (e: CrmEvent, f: ExportRequest['filter']) => (!f.type || e.type === f.type) && (!f.assignedTo || e.assignee === f.assignedTo);

/** An export whose run failed on every receive: failed, with the reason. */
export async function failExport(services: Services, m: DataJobMessage, reason: string, now: () => Date = () => new Date()): Promise<void> {
  const job = await services.dataJobs.get<ExportJob>(m.tenantId, 'export', m.id);
  if (!job || job.status === 'completed' || job.status === 'failed') return;
  const at = now().toISOString();
  const failed: ExportJob = { ...job, status: 'failed', failure: { code: 'step_failed', message: `The export could not be written (${reason.slice(0, 300)}); ask for it again.` }, finishedAt: at, updatedAt: at, version: job.version + 1 };
  await services.dataJobs.save(m.tenantId, 'export', failed, job.version);
}
