import { z } from 'zod';
import { Connection, ConnectionInput, ConnectionPatch, Delivery, DeliveryStatus } from '../../../domain/integrations/connection';
import { idPatterns } from '../../lib/ids';
import { PageQuery } from '../../lib/http/params';

export const ConnectionIdParams = z.strictObject({ id: z.string().regex(idPatterns.connection, 'is not a connection id') });
export const DeliveryParams = ConnectionIdParams.extend({ deliveryId: z.string().regex(idPatterns.delivery, 'is not a delivery id') });
export const DeliveriesQuery = PageQuery.extend({ status: DeliveryStatus.optional() });

export const ConnectionView = Connection.extend({
  /** Where the provider posts (and, for Meta, sends its GET handshake). */
  webhookUrl: z.string().optional(),
  /** A web form's endpoint: POST /forms/{formKey} from the form's allowed origins. */
  formUrl: z.string().optional(),
}).meta({ id: 'ConnectionView' });

export const CreatedConnection = ConnectionView.extend({
  /** The signing secret we generated (`whsec_…` for Standard Webhooks; Zoho's secret header value): shown this once. */
  secret: z.string().optional(),
}).meta({ id: 'CreatedConnection' });

export const RotatedSecret = z
  .object({
    connection: ConnectionView,
    /** The new signing secret: shown this once. */
    secret: z.string(),
    /** The previous secret still verifies until then. */
    previousSecretExpiresAt: z.string(),
  })
  .meta({ id: 'RotatedSecret' });

export const DeliveryPayload = z
  .object({ contentType: z.string(), encoding: z.enum(['utf8', 'base64']), body: z.string(), bytes: z.int() })
  .meta({ id: 'DeliveryPayload' });

export { ConnectionInput, ConnectionPatch, Delivery };
