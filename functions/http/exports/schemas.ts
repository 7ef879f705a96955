import { z } from 'zod';
import { DataFormat, ImportEntity } from '../../../domain/imports/import';
import { idPatterns } from '../../lib/ids';

export const ExportIdParams = z.strictObject({ id: z.string().regex(idPatterns.export, 'is not an export id') });

export const Export = z
  .object({
    id: z.string(),
    entity: ImportEntity,
    format: DataFormat,
    filter: z.record(z.string(), z.string()),
    status: z.enum(['queued', 'running', 'completed', 'failed']),
    /** Records written. */
    rows: z.int(),
    /** Bytes of the file. */
    size: z.int().optional(),
    failure: z.object({ code: z.string(), message: z.string() }).optional(),
    /** Once completed: a presigned GET of the file, valid until `downloadExpiresAt` (15 minutes; GET the export again for a fresh one). */
    downloadUrl: z.string().optional(),
    downloadExpiresAt: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().optional(),
    version: z.int(),
  })
  .meta({ id: 'Export' });
