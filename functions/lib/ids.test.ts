import { describe, expect, it } from 'vitest';
import { clientOf, derivedIds, idPatterns, ids } from './ids';

describe('ids', () => {
  it('are unique, sortable by creation and of their documented shape', () => {
    const made = Array.from({ length: 20_000 }, () => ids.client());
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
    for (const id of made.slice(0, 100)) expect(id).toMatch(idPatterns.client);
  });

  it('locate the client partition of an opportunity or event', () => {
    const client = ids.client();
    const opportunity = ids.opportunity(client);
    const event = ids.event(client);
    expect(opportunity).toMatch(idPatterns.opportunity);
    expect(event).toMatch(idPatterns.event);
    expect(clientOf(opportunity)).toBe(client);
    expect(clientOf(event)).toBe(client);
  });

  it('made from a seed are the same every time, of the same shapes, and differ by row and seed', () => {
    const at = new Date('2026-12-01T10:00:00.000Z');
    const a = derivedIds('t1/imp_1', at);
    expect(a.client(7)).toBe(derivedIds('t1/imp_1', at).client(7));
    expect(a.client(7)).toMatch(idPatterns.client);
    expect(a.client(7)).not.toBe(a.client(8));
    expect(a.client(7)).not.toBe(derivedIds('t1/imp_2', at).client(7));
    expect(a.client(7).slice(2, 12)).toBe('01m8rgr080');
    const client = a.client(1);
    expect(a.opportunity(client, 3)).toMatch(idPatterns.opportunity);
    expect(clientOf(a.opportunity(client, 3))).toBe(client);
    expect(a.event(client, 3)).toMatch(idPatterns.event);
    expect(clientOf(a.event(client, 3))).toBe(client);
  });
});
