import { parseDelivery } from '../../../../../domain/integrations/sap/events';
import { resolve } from '../sap';
import type { ProviderWorker } from '..';

/** SAP S/4HANA: business events (CloudEvents) carry keys; the objects are read from the customer's OData API (`settings.odataBaseUrl`). */
export const worker: ProviderWorker = { parse: (body) => parseDelivery(body), resolve, endpoints: {} };
