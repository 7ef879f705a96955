import { parseDelivery } from '../../../../../domain/integrations/quickbooks';
import { defaultEndpoints, reconcile, resolve } from '../quickbooks';
import type { ProviderWorker } from '..';

/** quickbooks: the webhook's notifications, the records fetched for them, and the scheduled reconciliation pull. */
export const worker: ProviderWorker = { parse: (body) => parseDelivery(body), resolve, reconcile, endpoints: { ...defaultEndpoints } };
