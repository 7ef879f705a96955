import { z } from 'zod';
import { httpRoute } from '../../lib/http/route';
import { reconcileNow } from '../../lib/use-cases/reconcile';
import { ConnectionIdParams } from './schemas';

const Reconciled = z
  .object({
    connectionId: z.string(),
    /** The pull covered changes from `since` to `next`; the next starts at `next`. */
    since: z.string(),
    next: z.string(),
    records: z.int(),
    /** The delivery the records were queued as (absent when nothing had changed). */
    deliveryId: z.string().optional(),
  })
  .meta({ id: 'Reconciled' });

/** POST /v1/integrations/{id}/reconcile */
export const handler = httpRoute(
  {
    summary: 'Pull what changed since the last reconciliation',
    description: 'tenant_admin. QuickBooks (Change Data Capture) and Zoho Books (`last_modified_time`) connections are also pulled every hour, so a missed webhook never means missed data; this pulls now. The records become a delivery in the log (`origin: reconcile`), applied like any other: what a webhook already brought changes nothing twice. Other providers: 409 `not_reconcilable`.',
    params: ConnectionIdParams,
    response: { status: 202, schema: Reconciled },
  },
  async ({ ctx, params }) => ({ body: await reconcileNow(ctx, params.id) }),
);
