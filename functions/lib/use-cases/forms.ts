import { DomainError, invalid } from '../../../domain/errors';
import type { Connection } from '../../../domain/integrations/connection';
import { originAllowed, parseSubmission, WebFormSettings } from '../../../domain/integrations/web_form/submission';
import { idPatterns } from '../ids';
import type { Services } from './ports';
import { storeAndQueue } from './inbound';
import { assertWithin, countInMinute } from './rate-limit';

/**
 * Web forms (DESIGN §9, `POST /forms/{formKey}`): a browser posts a lead from one of the form's
 * allowed origins. Refused, with nothing stored: another origin (403), too many submissions a
 * minute from one address or to the form (429 with Retry-After), invalid fields (422, each named
 * as the form names it). A filled honeypot is answered as if accepted and stores nothing. The
 * submission is then a delivery like a hook's: stored as sent, queued, processed once.
 */
export interface FormInput {
  formKey: string;
  origin: string | undefined;
  contentType: string;
  body: Buffer;
  sourceIp: string;
  now: Date;
}

/** The form's connection: `{tenant}.{connection}`; anything else, a deleted or disabled one, is the same 404. */
export async function formConnection(services: Services, formKey: string): Promise<{ tenantId: string; conn: Connection; settings: WebFormSettings }> {
  const [tenantId, connectionId, ...rest] = formKey.split('.');
  const conn =
    rest.length === 0 && tenantId && connectionId && /^[a-z0-9][a-z0-9_-]{0,62}$/.test(tenantId) && idPatterns.connection.test(connectionId) ? await services.integrations.getConnection(tenantId, connectionId, { cached: true }) : undefined;
  if (!conn || conn.provider !== 'web_form' || !conn.enabled) throw new DomainError('not_found', 'no_such_form', 'There is no form here.');
  return { tenantId: tenantId!, conn, settings: WebFormSettings.parse(conn.settings) };
}

/** The origin may post to the form (the preflight and the post alike). */
export function assertOrigin(settings: WebFormSettings, origin: string | undefined): void {
  if (!originAllowed(origin, settings)) throw new DomainError('forbidden', 'origin_not_allowed', 'This form takes submissions from its own site only.');
}

/** One more submission in the current minute, per address and for the form: over either limit is 429 until the minute ends. */
async function countSubmission(services: Services, tenantId: string, conn: Connection, settings: WebFormSettings, ip: string, now: Date) {
  const [byAddress, byForm] = await Promise.all([countInMinute(services, tenantId, `${conn.id}#ip#${ip.slice(0, 45)}`, now), countInMinute(services, tenantId, `${conn.id}#form`, now)]);
  assertWithin(byAddress, settings.perIpPerMinute, 'submissions from this address');
  assertWithin(byForm, settings.perFormPerMinute, 'submissions to this form');
}

export async function submitForm(services: Services, input: FormInput): Promise<{ status: 'received' | 'ignored'; deliveryId?: string; settings: WebFormSettings }> {
  const { tenantId, conn, settings } = await formConnection(services, input.formKey);
  assertOrigin(settings, input.origin);
  await countSubmission(services, tenantId, conn, settings, input.sourceIp, input.now);
  const parsed = parseSubmission(input.body.toString('utf8'), input.contentType, settings, input.now, input.formKey);
  if (!parsed.ok) throw invalid(parsed.errors);
  if (parsed.honeypot) return { status: 'ignored', settings };
  const stored = await storeAndQueue(services, tenantId, conn, `form:${parsed.record.externalId}`, input.body, { 'content-type': input.contentType, 'x-form-key': input.formKey }, input.now);
  return { status: 'received', deliveryId: stored.body.deliveryId, settings };
}
