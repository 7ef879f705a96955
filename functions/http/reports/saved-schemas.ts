import { z } from 'zod';
import { defaultPeriods } from '../../../domain/reports/catalogue/types';
import { ReportSchedule, SavedReportInput, SavedReportPatch } from '../../../domain/reports/saved';
import { MAX_LIMIT, ReportFilter } from '../../../domain/reports/spec';
import { IsoDate, IsoDateTime } from '../../../domain/shared/schemas';
import { idPatterns } from '../../lib/ids';

export const SavedReportIdParams = z.strictObject({ savedId: z.string().regex(idPatterns.savedReport, 'is not a saved report id (rpt_…)') });

/** The request bodies: the domain's own schemas (checked again against the catalogue and the sources by the use case). */
export const SavedReportBody = SavedReportInput.meta({ id: 'SavedReportInput' });
export const SavedReportPatchBody = SavedReportPatch.meta({ id: 'SavedReportPatch' });

const RecipientRun = z.object({ staffId: z.string(), status: z.enum(['sent', 'skipped', 'failed']), rows: z.number().int().optional(), reason: z.string().optional() });

export const SavedReport = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    /** A prebuilt report with its request… */
    reportId: z.string().optional(),
    filters: z.array(ReportFilter).optional(),
    groupBy: z.array(z.string()).optional(),
    /** …or a custom spec (without its period). */
    spec: z.record(z.string(), z.unknown()).optional(),
    /** Relative (moves with the day it runs) or fixed local days; `none`: a snapshot of now. */
    period: z.union([z.enum(defaultPeriods), z.object({ from: IsoDate, to: IsoDate })]),
    shared: z.boolean(),
    owner: z.string(),
    schedule: ReportSchedule.optional(),
    /** The next scheduled instant, while scheduled. */
    nextRunAt: IsoDateTime.optional(),
    lastRun: z.object({ at: IsoDateTime, status: z.enum(['sent', 'partial', 'failed']), recipients: z.array(RecipientRun) }).optional(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    updatedBy: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'SavedReport' });

/** A page of a saved report's run. */
export const SavedRunBody = z.strictObject({ limit: z.number().int().min(1).max(MAX_LIMIT).optional(), cursor: z.string().min(1).max(2000).optional() }).meta({ id: 'SavedReportRunRequest' });
