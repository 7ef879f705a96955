import { z } from 'zod';
import { DataFormat, ImportEntity } from '../../../domain/imports/import';
import { idPatterns } from '../../lib/ids';

export const ImportIdParams = z.strictObject({ id: z.string().regex(idPatterns.import, 'is not an import id') });

/** An import as GET /v1/imports/{id} shows it (DESIGN §10). */
export const Import = z
  .object({
    id: z.string(),
    entity: ImportEntity,
    format: DataFormat,
    mode: z.enum(['insert', 'upsert']),
    matchOn: z.array(z.string()).optional(),
    mapping: z.record(z.string(), z.string().nullable()).optional(),
    dryRun: z.boolean(),
    size: z.int(),
    fileName: z.string().optional(),
    status: z.enum(['awaiting_upload', 'queued', 'running', 'completed', 'failed']),
    /** Rows in the file, once it has been read through. */
    total: z.int().optional(),
    processed: z.int(),
    /** In a dry run: what would be created, updated, skipped and refused. */
    created: z.int(),
    updated: z.int(),
    skipped: z.int(),
    failed: z.int(),
    /** Why the whole import stopped (the file could not be read): none of its rows were applied. */
    failure: z.object({ code: z.string(), message: z.string(), row: z.int().optional() }).optional(),
    /** The failed rows with their reasons (CSV for a CSV import, else NDJSON): a presigned URL valid 15 minutes. */
    errorFileUrl: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    version: z.int(),
  })
  .meta({ id: 'Import' });
