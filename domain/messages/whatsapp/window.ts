import { conflict } from '../../errors';

/**
 * WhatsApp's customer-service window (DESIGN §11): for 24 hours after a customer's last message a
 * business may answer with free-form messages; outside it, only an approved template may start
 * the conversation again (Meta refuses free text there with error 131047, "Re-engagement
 * message"). We refuse before calling Meta, so the seller learns it at once and not from a failed
 * status minutes later. Time is an argument; the clock stays out of the domain.
 *
 * Source: Meta's customer service window, https://developers.facebook.com/docs/whatsapp/conversation-types#customer-service-window
 * (fixtures/README.md).
 */

export const SERVICE_WINDOW_HOURS = 24;
const WINDOW_MS = SERVICE_WINDOW_HOURS * 60 * 60 * 1000;

export interface ServiceWindow {
  open: boolean;
  /** When the open window closes (the customer's last message + 24 h); absent when it is closed. */
  closesAt?: string;
}

/**
 * The window as of `now`, from the client's last inbound WhatsApp message. No inbound message (or
 * a time that cannot be read) is a closed window: the business has not been spoken to.
 */
export function serviceWindow(lastInboundAt: string | undefined, now: Date): ServiceWindow {
  const last = lastInboundAt === undefined ? NaN : Date.parse(lastInboundAt);
  if (Number.isNaN(last)) return { open: false };
  const closes = last + WINDOW_MS;
  // Closed at exactly 24 h: Meta's window is "within 24 hours".
  return now.getTime() < closes ? { open: true, closesAt: new Date(closes).toISOString() } : { open: false };
}

/** The route that sends an approved template instead, as the 409 names it. */
export const TEMPLATE_ROUTE = 'POST /v1/clients/{id}/messages';

/**
 * Free text only while the window is open; a template always (that is what templates are for).
 * Otherwise 409 `outside_service_window`, naming the template route.
 */
export function assertCanSend(kind: 'text' | 'template', window: ServiceWindow): void {
  if (kind === 'template' || window.open) return;
  throw conflict(
    'outside_service_window',
    `WhatsApp allows free text only within ${SERVICE_WINDOW_HOURS} hours of the client's last message, and that window is closed: send an approved template with ${TEMPLATE_ROUTE} and \`template\` instead.`,
    { route: TEMPLATE_ROUTE, field: 'template' },
  );
}
