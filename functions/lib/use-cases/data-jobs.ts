import type { DataJobMessage } from '../files/data-queue';
import { runExportStep } from './exports';
import { runImportStep } from './imports';
import type { Services } from './ports';

/** The data worker's dispatch: an import's step or an export's run. */
export function runDataJobStep(services: Services, message: DataJobMessage, now?: () => Date): Promise<void> {
  return message.kind === 'import' ? runImportStep(services, message, now) : runExportStep(services, message, now);
}
