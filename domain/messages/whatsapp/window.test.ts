import { describe, expect, it } from 'vitest';
import { assertCanSend, serviceWindow } from './window';

const lastInbound = '2026-11-30T10:00:00.000Z';

describe('serviceWindow: 24 hours after the customer’s last message', () => {
  it('is open, and says when it closes, until 24 hours have passed', () => {
    expect(serviceWindow(lastInbound, new Date('2026-11-30T10:00:00.000Z'))).toEqual({ open: true, closesAt: '2026-12-01T10:00:00.000Z' });
    expect(serviceWindow(lastInbound, new Date('2026-12-01T09:59:59.999Z'))).toEqual({ open: true, closesAt: '2026-12-01T10:00:00.000Z' });
  });

  it('is closed at exactly 24 hours and after', () => {
    expect(serviceWindow(lastInbound, new Date('2026-12-01T10:00:00.000Z'))).toEqual({ open: false });
    expect(serviceWindow(lastInbound, new Date('2026-12-05T00:00:00.000Z'))).toEqual({ open: false });
  });

  it('is closed when the customer never wrote, or the time cannot be read', () => {
    expect(serviceWindow(undefined, new Date('2026-11-30T10:00:00.000Z'))).toEqual({ open: false });
    expect(serviceWindow('not a time', new Date('2026-11-30T10:00:00.000Z'))).toEqual({ open: false });
  });

  it('reads offsets: 15:30 in India is 10:00 UTC', () => {
    expect(serviceWindow('2026-11-30T15:30:00+05:30', new Date('2026-12-01T09:00:00.000Z'))).toEqual({ open: true, closesAt: '2026-12-01T10:00:00.000Z' });
  });
});

describe('assertCanSend', () => {
  const open = { open: true, closesAt: '2026-12-01T10:00:00.000Z' };
  const closed = { open: false };

  it('lets free text through while the window is open, and templates always', () => {
    expect(() => assertCanSend('text', open)).not.toThrow();
    expect(() => assertCanSend('template', open)).not.toThrow();
    expect(() => assertCanSend('template', closed)).not.toThrow();
  });

  it('refuses free text outside the window as a conflict naming the template route', () => {
    expect(() => assertCanSend('text', closed)).toThrow(
      expect.objectContaining({
        name: 'DomainError',
        kind: 'conflict',
        code: 'outside_service_window',
        message:
          "WhatsApp allows free text only within 24 hours of the client's last message, and that window is closed: send an approved template with POST /v1/clients/{id}/messages and `template` instead.",
        details: { route: 'POST /v1/clients/{id}/messages', field: 'template' },
      }),
    );
  });
});
