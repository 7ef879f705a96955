import { httpRoute } from '../../lib/http/route';
import { createConnection } from '../../lib/use-cases/integrations';
import { ConnectionInput, CreatedConnection } from './schemas';

/** POST /v1/integrations */
export const handler = httpRoute(
  {
    summary: 'Connect an ERP or a lead source',
    description:
      'tenant_admin. `provider`: `generic` (canonical records, Standard Webhooks), `quickbooks`, `zoho_books`, `sap`, `tally`, `facebook_lead_ads`, `web_form`. `settings` per provider: `itemMap` (ERP item code → product id) for ERPs; `realmId` (QuickBooks); `organizationId` (Zoho Books); `odataBaseUrl` (SAP, https); `forms` and `defaultProductId` (Lead Ads); `productId`, `allowedOrigins`, `honeypotField`, `fields`, `requireOneOf`, rate limits (web forms). `secrets` are write-only — QuickBooks `verifierToken`, `clientId`, `clientSecret`, `refreshToken`; Zoho `signingKey`, OAuth credentials; SAP `username`/`password` or `apiKey`; Lead Ads `appSecret`, `verifyToken`, `accessToken` — and never returned. The answer carries the hook URL (or form URL) and, for providers we sign for, the signing `secret`, shown once (so this create takes no Idempotency-Key: a retry makes a second connection, which can be deleted).',
    body: ConnectionInput,
    // Not idempotent by key on purpose: a replayed answer would show the signing secret a second
    // time, and keep it 24 h in the idempotency store. A retried create makes a second connection; delete it.
    response: { status: 201, schema: CreatedConnection },
  },
  async ({ ctx, body }) => {
    const { connection, secret } = await createConnection(ctx, body);
    return { body: { ...connection, ...(secret && { secret }) }, version: connection.version, headers: { location: `/v1/integrations/${connection.id}` } };
  },
);
