import { contextOf } from '../functions/lib/use-cases/context';
import { createConnection, putAssignment } from '../functions/lib/use-cases/integrations';
import type { Services } from '../functions/lib/use-cases/ports';

/**
 * The demo tenant's lead sources (#13), for `npm start`: assignment rules (round robin over the
 * sellers, a 15-minute first response), a web form for the Website product that a page on
 * localhost may post to, and a generic connection an ERP connector can post canonical records to.
 * Through the same use cases as the API, as the tenant admin.
 */
export interface DemoIntegrations {
  formUrl: string;
  webhookUrl: string;
  /** The generic connection's signing secret: shown this once. */
  secret: string;
}

export async function seedIntegrations(services: Services, tenantId: string, now: Date): Promise<DemoIntegrations> {
  const admin = contextOf({ tenantId, staffId: 'admin', role: 'tenant_admin' }, now, services);
  await putAssignment(admin, { rules: [{ name: 'Sellers', strategy: 'round_robin', staff: ['tse-1', 'tse-2', 'so-1'] }], defaultOwner: 'tse-1', firstResponseMinutes: 15 }, 0);
  const form = await createConnection(admin, { provider: 'web_form', name: 'Website enquiry form', settings: { productId: 'website', allowedOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'] } });
  const erp = await createConnection(admin, { provider: 'generic', name: 'ERP connector (canonical records)', settings: { itemMap: { 'WEB-01': 'website', 'KML-01': 'kml' } } });
  return { formUrl: form.connection.formUrl!, webhookUrl: erp.connection.webhookUrl!, secret: erp.secret! };
}
