import { parseTallyBatch } from '../../../../../domain/integrations/tally/batch';
import type { ProviderWorker } from '..';

/**
 * TallyPrime: the connector (scripts/connectors/tally.ts) posts Tally's own XML. Tally keeps no
 * time of change, so the batch's signed timestamp (when the connector exported it) dates its records.
 */
export const worker: ProviderWorker = {
  parse(body, { settings, headers, receivedAt }) {
    const stamp = Number(headers['webhook-timestamp']);
    const batchAt = Number.isFinite(stamp) && stamp > 0 ? new Date(stamp * 1000).toISOString() : receivedAt.toISOString();
    const s = settings as { currency?: string; debtorGroups?: string[]; salesVoucherTypes?: string[]; receiptVoucherTypes?: string[] };
    return parseTallyBatch(body, {
      batchAt,
      ...(s.currency && { currency: s.currency }),
      ...(s.debtorGroups && { debtorGroups: s.debtorGroups }),
      ...(s.salesVoucherTypes && { salesVoucherTypes: s.salesVoucherTypes }),
      ...(s.receiptVoucherTypes && { receiptVoucherTypes: s.receiptVoucherTypes }),
    });
  },
};
