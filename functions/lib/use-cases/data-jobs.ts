import type { DataJobMessage } from '../files/data-queue';
import { runExportStep } from './exports';
import { failImport, runImportStep } from './imports';
import { failExport } from './exports';
import type { Services } from './ports';

/** The data worker's dispatch: an import's step or an export's run. */
export function runDataJobStep(services: Services, message: DataJobMessage, now?: () => Date): Promise<void> {
  return message.kind === 'import' ? runImportStep(services, message, now) : runExportStep(services, message, now);
}

/** A step that failed on every receive: its job is marked failed with the reason, so nobody waits for it. */
export function failDataJob(services: Services, message: DataJobMessage, error: unknown): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  return message.kind === 'import' ? failImport(services, message, reason) : failExport(services, message, reason);
}
