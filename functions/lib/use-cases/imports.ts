import { stringify } from 'csv-stringify/sync';
import { authorize, policy } from '../../../domain/access/policy';
import type { Principal, Role } from '../../../domain/access/roles';
import { conflict, notFound } from '../../../domain/errors';
import { newImport, tally, type ImportJob, type ImportRequest, type RowOutcome } from '../../../domain/imports/import';
import { defused } from '../exports/writers';
import { FileChangedError } from '../files/data-files';
import type { DataJobMessage } from '../files/data-queue';
import { ids } from '../ids';
import { FileError, readRecords, type ReadRecord } from '../imports/readers';
import { logger } from '../logger';
import { contextOf, tenantConfig, type UseCaseContext } from './context';
import { rowApplier } from './import-rows';
import type { Page, PageRequest, Services } from './ports';

/**
 * Bulk imports (DESIGN §10): a job the caller creates (with an upload URL), starts, and reads.
 * The data worker carries it through three steps, one queue message each:
 *   scan    read the file through once: its encoding, structure and size of every record, and the
 *           row count. A file that cannot be read fails here, before any row is applied.
 *   apply   a chunk of CHUNK_ROWS rows from the checkpoint, each through its use case; the counts
 *           and the checkpoint move on together in one conditional write, then the next chunk is
 *           queued. A crash before that write re-runs the chunk (rows find their own writes).
 *   finish  the failed rows of every chunk, joined into the error file.
 */
export const CHUNK_ROWS = 5_000;
/** …or fewer, when the rows are large: a chunk (and its error lines) stays a few MB in the worker's memory. */
export const CHUNK_BYTES = 8 * 1024 * 1024;
/** Rows of a chunk in flight at once: DynamoDB's latency hidden, the Lambda's two cores not swamped. */
export const ROW_CONCURRENCY = 16;
const UPLOAD_URL_SECONDS = 15 * 60;
const DOWNLOAD_URL_SECONDS = 15 * 60;
/** A job queued or running that has not moved for this long is taken to have lost its message: starting it again re-queues its step. */
const STALLED_MS = 5 * 60 * 1000;

/** What is stored: the job, the importer's role (the worker acts as them), the file's ETag and, for CSV, its columns. */
export interface StoredImport extends ImportJob {
  createdByRole: Role;
  etag?: string;
  columns?: string[];
}

/** The job as the API shows it (DESIGN §10). */
export type ImportView = Omit<StoredImport, 'nextRow' | 'errorFileKey' | 'createdByRole' | 'etag' | 'columns'> & { errorFileUrl?: string };

export const importKeys = {
  source: (tenantId: string, id: string) => `imports/${tenantId}/${id}/source`,
  errorPart: (tenantId: string, id: string, fromRow: number) => `imports/${tenantId}/${id}/errors/${String(fromRow).padStart(10, '0')}`,
  errorParts: (tenantId: string, id: string) => `imports/${tenantId}/${id}/errors/`,
  errorFile: (tenantId: string, id: string, format: string) => `imports/${tenantId}/${id}/errors.${format === 'csv' ? 'csv' : 'ndjson'}`,
};

export async function requestImport(ctx: UseCaseContext, request: ImportRequest): Promise<{ job: ImportView; uploadUrl: string; uploadExpiresAt: string }> {
  authorize(ctx.actor, 'data:import');
  await tenantConfig(ctx);
  const job: StoredImport = { ...newImport(request, { id: ids.import(), staffId: ctx.actor.staffId, now: ctx.now }), createdByRole: ctx.actor.role };
  await ctx.services.dataJobs.create(ctx.actor.tenantId, 'import', job);
  const uploadUrl = await ctx.services.files.uploadUrl(importKeys.source(ctx.actor.tenantId, job.id), request.size, UPLOAD_URL_SECONDS);
  return { job: await view(ctx, job), uploadUrl, uploadExpiresAt: new Date(ctx.now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString() };
}

/** An import the caller may see: their own; a tenant admin sees every import of the tenant. */
async function visibleImport(ctx: UseCaseContext, id: string): Promise<StoredImport> {
  authorize(ctx.actor, 'data:import');
  const job = await ctx.services.dataJobs.get<StoredImport>(ctx.actor.tenantId, 'import', id);
  if (!job || (policy[ctx.actor.role].scope !== 'tenant' && job.createdBy !== ctx.actor.staffId)) throw notFound('import', id);
  return job;
}

export async function getImport(ctx: UseCaseContext, id: string): Promise<ImportView> {
  return view(ctx, await visibleImport(ctx, id));
}

export async function listImports(ctx: UseCaseContext, page: PageRequest): Promise<Page<ImportView>> {
  authorize(ctx.actor, 'data:import');
  const mine = policy[ctx.actor.role].scope === 'tenant' ? {} : { createdBy: ctx.actor.staffId };
  const found = await ctx.services.dataJobs.list<StoredImport>(ctx.actor.tenantId, 'import', { ...page, ...mine });
  return { ...found, items: await Promise.all(found.items.map((j) => view(ctx, j))) };
}

/**
 * Starts an uploaded import. Safe to call again: a started import is answered as it is, and one
 * that has not moved for STALLED_MS (its message lost, its worker gone) has its step queued again.
 */
export async function startImport(ctx: UseCaseContext, id: string): Promise<ImportView> {
  const job = await visibleImport(ctx, id);
  const tenantId = ctx.actor.tenantId;
  if (job.status === 'awaiting_upload') {
    const head = await ctx.services.files.head(importKeys.source(tenantId, id));
    if (!head) throw conflict('upload_missing', 'Upload the file to the uploadUrl of POST /v1/imports before starting the import.');
    if (head.size !== job.size) throw conflict('upload_size_mismatch', `The uploaded file has ${head.size} bytes, not the ${job.size} the import declared.`);
    const next: StoredImport = { ...job, status: 'queued', etag: head.etag, updatedAt: ctx.now.toISOString(), version: job.version + 1 };
    if (!(await ctx.services.dataJobs.save(tenantId, 'import', next, job.version))) return getImport(ctx, id);
    await ctx.services.dataQueue.send({ tenantId, kind: 'import', id, step: 'scan' });
    return view(ctx, next);
  }
  if ((job.status === 'queued' || job.status === 'running') && ctx.now.getTime() - Date.parse(job.updatedAt) > STALLED_MS) {
    logger.warn('import stalled: queueing its step again', { tenantId, importId: id, status: job.status, nextRow: job.nextRow });
    await ctx.services.dataQueue.send(stepOf(tenantId, job));
  }
  return view(ctx, job);
}

/** The step a job is waiting for. */
const stepOf = (tenantId: string, job: StoredImport): DataJobMessage =>
  job.status === 'queued' ? { tenantId, kind: 'import', id: job.id, step: 'scan' } : job.nextRow > (job.total ?? 0) ? { tenantId, kind: 'import', id: job.id, step: 'finish' } : { tenantId, kind: 'import', id: job.id, step: 'apply', fromRow: job.nextRow };

async function view(ctx: UseCaseContext, job: StoredImport): Promise<ImportView> {
  const { nextRow: _n, errorFileKey, createdByRole: _r, etag: _e, columns: _c, ...shown } = job;
  const errorFileUrl = errorFileKey ? await ctx.services.files.downloadUrl(errorFileKey, DOWNLOAD_URL_SECONDS, `${job.id}-errors.${job.format === 'csv' ? 'csv' : 'ndjson'}`) : undefined;
  return { ...shown, ...(errorFileUrl && { errorFileUrl }) };
}

// ── the worker's steps ──

/** One step of an import, as its queue message names it. A message for a step the job is no longer at does nothing. */
export async function runImportStep(services: Services, m: DataJobMessage, now: () => Date = () => new Date()): Promise<void> {
  const job = await services.dataJobs.get<StoredImport>(m.tenantId, 'import', m.id);
  if (!job) return logger.warn('import step for a job that does not exist', { ...m });
  const actor: Principal = { tenantId: m.tenantId, staffId: job.createdBy, role: job.createdByRole };
  const step = new ImportStep(services, m.tenantId, job, now);
  if (m.step === 'scan' && job.status === 'queued') return step.scan(actor);
  if (m.step === 'apply' && job.status === 'running' && job.nextRow === m.fromRow) return step.apply(contextOf(actor, now(), services));
  if (m.step === 'finish' && job.status === 'running' && job.nextRow > (job.total ?? 0)) return step.finish();
  logger.info('import step already done', { ...m, status: job.status, nextRow: job.nextRow });
}

/**
 * A step that failed on its every receive (the store refusing something no row check caught): the
 * import stops, saying where. Rows of the chunk it was on may be applied (each one whole); the
 * counts are those of the chunks before.
 */
export async function failImport(services: Services, m: DataJobMessage, reason: string, now: () => Date = () => new Date()): Promise<void> {
  const job = await services.dataJobs.get<StoredImport>(m.tenantId, 'import', m.id);
  if (!job || job.status === 'completed' || job.status === 'failed') return;
  const at = now().toISOString();
  const message = `The import stopped at the chunk from row ${job.nextRow} (${reason.slice(0, 300)}); rows before it are applied and counted, rows of that chunk may be applied too. Fix the file and import the rest again.`;
  const failed: StoredImport = { ...job, status: 'failed', failure: { code: 'step_failed', message, row: job.nextRow }, finishedAt: at, updatedAt: at, version: job.version + 1 };
  await services.dataJobs.save(m.tenantId, 'import', failed, job.version);
}

class ImportStep {
  constructor(
    private readonly services: Services,
    private readonly tenantId: string,
    private readonly job: StoredImport,
    private readonly now: () => Date,
  ) {}

  private async records(): Promise<AsyncGenerator<ReadRecord>> {
    return readRecords(await this.services.files.read(importKeys.source(this.tenantId, this.job.id), this.job.etag), this.job.format);
  }

  /** Moves the job on if nobody else did; then queues what comes next. */
  private async advance(changes: Partial<StoredImport>, next?: DataJobMessage['step']): Promise<void> {
    const after: StoredImport = { ...this.job, ...changes, updatedAt: this.now().toISOString(), version: this.job.version + 1 };
    if (!(await this.services.dataJobs.save(this.tenantId, 'import', after, this.job.version))) return;
    if (next) await this.services.dataQueue.send(stepOf(this.tenantId, after));
  }

  private fail(code: string, message: string, row?: number) {
    logger.info('import failed', { tenantId: this.tenantId, importId: this.job.id, code, row });
    return this.advance({ status: 'failed', failure: { code, message, ...(row !== undefined && { row }) }, finishedAt: this.now().toISOString() });
  }

  async scan(actor: Principal): Promise<void> {
    const importer = await this.services.staff.get(this.tenantId, actor.staffId);
    if (!importer?.active || importer.role !== actor.role) return this.fail('importer_inactive', 'The staff member who created the import is deactivated or holds another role now.');
    let total = 0;
    let columns: string[] | undefined;
    try {
      for await (const { record } of await this.records()) {
        total += 1;
        columns ??= Object.keys(record);
      }
    } catch (error) {
      if (error instanceof FileError) return this.fail(error.code, error.message, error.row);
      if (error instanceof FileChangedError) return this.fail('file_changed', 'The file was replaced after the import started; create a new import for it.');
      throw error;
    }
    await this.advance({ status: 'running', total, startedAt: this.now().toISOString(), ...(this.job.format === 'csv' && columns && { columns }) }, total === 0 ? 'finish' : 'apply');
  }

  async apply(ctx: UseCaseContext): Promise<void> {
    const rows: ReadRecord[] = [];
    let bytes = 0;
    try {
      for await (const r of await this.records()) {
        if (r.row < this.job.nextRow) continue;
        rows.push(r);
        bytes += approximateSize(r.record);
        if (rows.length === CHUNK_ROWS || bytes >= CHUNK_BYTES) break;
      }
    } catch (error) {
      if (error instanceof FileError) return this.fail(error.code, error.message, error.row);
      if (error instanceof FileChangedError) return this.fail('file_changed', 'The file was replaced after the import started; create a new import for it.');
      throw error;
    }
    const apply = await rowApplier(ctx, { ...this.job, tenantId: this.tenantId });
    // Rows of one lane wait for the one before them (it was started earlier, so this never deadlocks).
    const lanes = new Map<string, Promise<unknown>>();
    const outcomes = await mapLimit(rows, ROW_CONCURRENCY, (r) => {
      const lane = apply.laneOf(r.record);
      const run = (lane ? (lanes.get(lane) ?? Promise.resolve()) : Promise.resolve()).catch(() => undefined).then(() => apply(r.row, r.record));
      if (lane) lanes.set(lane, run);
      return run;
    });
    const failures = rows.flatMap((r, i) => (outcomes[i]!.outcome === 'failed' ? [{ ...r, errors: (outcomes[i] as Extract<RowOutcome, { outcome: 'failed' }>).errors }] : []));
    // The chunk's failed rows, under a key of its own: a re-run overwrites them, never adds twice.
    if (failures.length > 0) await this.services.files.write(importKeys.errorPart(this.tenantId, this.job.id, this.job.nextRow), [failures.map((f) => this.errorLine(f)).join('')], 'text/plain');
    const last = rows.at(-1)?.row ?? this.job.total ?? 0;
    await this.advance({ ...tally(this.job, outcomes), nextRow: last + 1 }, 'apply');
  }

  private errorLine(f: ReadRecord & { errors: { field: string; message: string }[] }): string {
    const reasons = f.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
    // The file's own cells, defused like an export's (a formula in a row must not run in the spreadsheet that opens the error file).
    if (this.job.format === 'csv') return stringify([[f.row, defused(reasons), ...(this.job.columns ?? Object.keys(f.record)).map((c) => defused(String(f.record[c] ?? '')))]], { record_delimiter: '\r\n' });
    return `${JSON.stringify({ row: f.row, errors: f.errors, record: f.record })}\n`;
  }

  /** Joins the chunks' failed rows into the error file (streamed part by part), then completes the job. */
  async finish(): Promise<void> {
    const files = this.services.files;
    const parts = await files.list(importKeys.errorParts(this.tenantId, this.job.id));
    let errorFileKey: string | undefined;
    if (parts.length > 0) {
      errorFileKey = importKeys.errorFile(this.tenantId, this.job.id, this.job.format);
      const head = this.job.format === 'csv' ? `\uFEFF${stringify([['row', 'errors', ...(this.job.columns ?? [])]], { record_delimiter: '\r\n' })}` : '';
      await files.write(
        errorFileKey,
        (async function* () {
          if (head) yield head;
          for (const part of parts) for await (const chunk of await files.read(part)) yield chunk;
        })(),
        this.job.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      );
    }
    await this.advance({ status: 'completed', finishedAt: this.now().toISOString(), ...(errorFileKey && { errorFileKey }) });
  }
}

/** About the bytes a record holds: its text values' lengths, one level down (what a chunk's budget counts). */
function approximateSize(record: Record<string, unknown>): number {
  let n = 0;
  for (const [k, v] of Object.entries(record)) {
    n += k.length + (typeof v === 'string' ? v.length : v !== null && typeof v === 'object' ? Object.values(v).reduce<number>((m, x) => m + String(x).length, 0) : 8);
  }
  return n;
}

/**
 * Maps with at most `limit` calls in flight; results in input order. After a call fails no new one
 * starts, and the failure is thrown once those in flight have settled (none left writing behind it).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return out;
}
