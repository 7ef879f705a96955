import { describe, expect, it } from 'vitest';
import { completedBy } from './facts';

describe('completedBy: who a completed follow-up counts for', () => {
  it('is whoever completed it, unless the system did (a client’s reply, #14): then its assignee', () => {
    expect(completedBy({ updatedBy: 'tse-2', createdBy: 'tse-1', assignee: 'tse-1' })).toBe('tse-2');
    expect(completedBy({ createdBy: 'tse-1', assignee: 'tse-3' })).toBe('tse-1');
    expect(completedBy({ updatedBy: 'integration:ic_01kbz3q5v8r2m7n4p6t9w1x3y5', createdBy: 'tse-1', assignee: 'tse-3' })).toBe('tse-3');
    expect(completedBy({ updatedBy: 'system', createdBy: 'tse-1', assignee: 'tse-4' })).toBe('tse-4');
  });
});
