import { parseDelivery } from '../../../../../domain/integrations/zoho_books';
import { defaultEndpoints, reconcile, resolve } from '../zoho_books';
import type { ProviderWorker } from '..';

/** zoho_books: the webhook's notifications, the records fetched for them, and the scheduled reconciliation pull. */
export const worker: ProviderWorker = { parse: (body) => parseDelivery(body), resolve, reconcile, endpoints: { ...defaultEndpoints } };
