import { parseDelivery } from '../../../../../domain/integrations/facebook_lead_ads/mapper';
import { defaultEndpoints, resolve } from '../facebook_lead_ads';
import type { ProviderWorker } from '..';

/** Facebook Lead Ads: the leadgen webhook names leads; each is fetched from the Graph API and mapped by its form's settings. */
export const worker: ProviderWorker = { parse: (body) => parseDelivery(body), resolve, endpoints: { ...defaultEndpoints } };
