import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, moveUnder, newStaff, withNewReport } from './hierarchy';
import type { Staff } from './staff';

const now = new Date('2026-03-02T04:30:00.000Z');
const later = new Date('2026-03-05T09:15:00.000Z');
const aStaff = (staffId: string, path: string, overrides: Partial<Staff> = {}): Staff => ({
  staffId,
  name: staffId,
  email: `${staffId}@demo.example`,
  role: 'manager',
  path,
  active: true,
  createdAt: now.toISOString(),
  version: 1,
  ...overrides,
});
/** A chain admin/m2/…/m{depth}: the deepest manager is at `depth` levels. */
const chainOf = (depth: number) => aStaff(`m${depth}`, ['admin', ...Array.from({ length: depth - 1 }, (_, i) => `m${i + 2}`)].join('/'));

describe('newStaff', () => {
  it('places a newcomer under their manager, stamped with who and when', () => {
    expect(newStaff({ staffId: 'tse-9', name: 'Tina', email: 'Tina@Demo.Example', role: 'tse', managerId: 'm2' }, aStaff('m2', 'admin/m2'), now, 'admin')).toEqual({
      staffId: 'tse-9',
      name: 'Tina',
      email: 'tina@demo.example',
      role: 'tse',
      managerId: 'm2',
      path: 'admin/m2/tse-9',
      active: true,
      createdAt: '2026-03-02T04:30:00.000Z',
      updatedBy: 'admin',
      updatedAt: '2026-03-02T04:30:00.000Z',
      version: 1,
    });
  });

  it(`allows a chain of ${MAX_DEPTH} levels and refuses the ${MAX_DEPTH + 1}th`, () => {
    expect(newStaff({ staffId: 'x', name: 'X', email: 'x@d.example', role: 'tse', managerId: 'm11' }, chainOf(11), now, 'admin').path.split('/')).toHaveLength(12);
    expect(() => newStaff({ staffId: 'x', name: 'X', email: 'x@d.example', role: 'tse', managerId: 'm12' }, chainOf(12), now, 'admin')).toThrow(
      expect.objectContaining({ details: { errors: [{ field: 'body.managerId', code: 'hierarchy_too_deep', message: 'would make a reporting chain 13 levels deep; at most 12 are allowed' }] } }),
    );
  });
});

describe('moveUnder', () => {
  const ctx = { now: later, actor: 'admin' };

  it('rewrites the paths of the whole team and moves the new manager’s version on', () => {
    const lead = aStaff('lead', 'admin/old/lead', { managerId: 'old' });
    const team = [aStaff('t1', 'admin/old/lead/t1', { role: 'tse', managerId: 'lead' }), aStaff('t2', 'admin/old/lead/t1/t2', { role: 'tse', managerId: 't1' })];
    const target = aStaff('new', 'admin/new', { version: 4 });
    const changes = moveUnder(lead, team, target, 'new', ctx);
    expect(changes.map((c) => [c.after.staffId, c.after.path, c.after.version, c.after.updatedBy])).toEqual([
      ['lead', 'admin/new/lead', 2, 'admin'],
      ['t1', 'admin/new/lead/t1', 2, 'admin'],
      ['t2', 'admin/new/lead/t1/t2', 2, 'admin'],
      ['new', 'admin/new', 5, 'admin'],
    ]);
    expect(changes[0]!.after.managerId).toBe('new');
  });

  it('refuses a move that would put the deepest member of the team past the depth limit', () => {
    const lead = aStaff('lead', 'admin/lead');
    const team = [aStaff('deep', 'admin/lead/a/b/c', { role: 'tse' })];
    expect(() => moveUnder(lead, team, chainOf(9), 'm9', ctx)).toThrow(expect.objectContaining({ details: { errors: [expect.objectContaining({ code: 'hierarchy_too_deep' })] } }));
  });

  it('refuses a cycle', () => {
    const lead = aStaff('lead', 'admin/lead');
    expect(() => moveUnder(lead, [aStaff('t1', 'admin/lead/t1')], aStaff('t1', 'admin/lead/t1'), 't1', ctx)).toThrow(
      expect.objectContaining({ details: { errors: [{ field: 'body.managerId', code: 'cycle', message: 'cannot be the staff member or one of their reports' }] } }),
    );
  });
});

describe('withNewReport', () => {
  it('moves the manager’s version on and stamps the change', () => {
    expect(withNewReport(aStaff('m2', 'admin/m2', { version: 3 }), { now: later, actor: 'admin' })).toMatchObject({ version: 4, updatedBy: 'admin', updatedAt: '2026-03-05T09:15:00.000Z', path: 'admin/m2' });
  });
});
