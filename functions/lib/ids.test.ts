import { describe, expect, it } from 'vitest';
import { clientOf, idPatterns, ids } from './ids';

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
});
