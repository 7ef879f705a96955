import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actions,
  authorize,
  authorizeFields,
  authorizeOn,
  can,
  fieldWriters,
  inScope,
  mayListFor,
  opportunityTeam,
  partnerSubject,
  policy,
  type Action,
  type OpportunityLinks,
  type Scope,
  type Viewer,
} from './policy';
import { roles, type Role } from './roles';

const aViewer = (overrides: Partial<Viewer> = {}): Viewer => ({ tenantId: 'demo', staffId: 'tse-1', role: 'tse', ...overrides });
const someLinks = (overrides: Partial<OpportunityLinks> = {}): OpportunityLinks => ({ assignedTo: 'tse-1', leadOwner: 'tse-1', coSalespersons: [], warriors: [], ...overrides });
const anOpportunityObject = (links: OpportunityLinks = someLinks()) => ({ kind: 'opportunity', id: 'opp-9', links });
const aManager = (overrides: Partial<Viewer> = {}) => aViewer({ staffId: 'mgr-1', role: 'manager', subtree: new Set(['mgr-1', 'tse-1', 'tse-2']), ...overrides });

const seller: Action[] = [
  'client:create',
  'client:read',
  'client:update',
  'opportunity:create',
  'opportunity:read',
  'opportunity:update',
  'opportunity:stage',
  'opportunity:close',
  'event:create',
  'event:complete',
  'event:read',
  'audit:read',
  'config:read',
  'staff:read',
  'dashboard:read',
  'task:read',
  'alert:read',
  'alert:acknowledge',
  'report:run',
];

/** DESIGN §4, written out: how far each role sees and what it may do. */
const expected: Record<Role, { scope: Scope; may: Action[] }> = {
  platform_admin: { scope: 'none', may: ['tenant:provision'] },
  tenant_admin: { scope: 'tenant', may: [...seller, 'opportunity:correct', 'targets:write', 'alert:resolve', 'client:dedupe', 'data:import', 'data:export', 'config:write', 'staff:write', 'integration:manage', 'inbox:manage', 'webhook:manage'] },
  manager: { scope: 'subtree', may: [...seller, 'opportunity:correct', 'targets:write', 'alert:resolve', 'client:dedupe', 'data:import', 'data:export', 'inbox:manage'] },
  asst_manager: { scope: 'subtree', may: [...seller, 'opportunity:correct', 'targets:write', 'alert:resolve', 'client:dedupe', 'data:import', 'data:export'] },
  sales_officer: { scope: 'linked', may: seller },
  tse: { scope: 'linked', may: seller },
  warrior: { scope: 'linked', may: ['client:read', 'opportunity:read', 'opportunity:stage', 'event:create', 'event:complete', 'event:read', 'config:read', 'task:read', 'report:run'] },
  partner: { scope: 'linked', may: ['client:read', 'opportunity:read', 'event:create', 'event:complete', 'event:read', 'config:read', 'report:run'] },
  analyst: { scope: 'tenant', may: ['client:read', 'opportunity:read', 'event:read', 'audit:read', 'config:read', 'staff:read', 'dashboard:read', 'task:read', 'alert:read', 'data:export', 'report:run'] },
};

describe('the role table', () => {
  it('covers the nine roles', () => {
    expect(Object.keys(policy).sort()).toEqual([...roles].sort());
  });

  it.each(roles)('gives %s exactly its scope and actions', (role) => {
    expect(policy[role].scope).toBe(expected[role].scope);
    expect(actions.filter((a) => can(aViewer({ role }), a))).toEqual(actions.filter((a) => expected[role].may.includes(a)));
  });

  it('lets a tse create opportunities but not correct stages', () => {
    expect(can(aViewer({ role: 'tse' }), 'opportunity:create')).toBe(true);
    expect(can(aViewer({ role: 'tse' }), 'opportunity:correct')).toBe(false);
  });

  it('lets exactly managers, assistant managers and the tenant admin correct stages', () => {
    expect(roles.filter((role) => can(aViewer({ role }), 'opportunity:correct'))).toEqual(['tenant_admin', 'manager', 'asst_manager']);
  });

  it('keeps the analyst read-only: reads, and exports and report runs of what they may read', () => {
    const allowed = actions.filter((a) => can(aViewer({ role: 'analyst' }), a));
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed.filter((a) => !a.endsWith(':read'))).toEqual(['data:export', 'report:run']);
  });

  it('does not let a warrior create clients or opportunities, nor close or edit a deal', () => {
    const warrior = aViewer({ role: 'warrior' });
    expect(['client:create', 'opportunity:create', 'opportunity:close', 'opportunity:update'].map((a) => can(warrior, a as Action))).toEqual([false, false, false, false]);
  });

  it('lets the platform admin provision tenants and do nothing with tenant business data', () => {
    expect(actions.filter((a) => can(aViewer({ role: 'platform_admin' }), a))).toEqual(['tenant:provision']);
    expect(roles.filter((role) => can(aViewer({ role }), 'tenant:provision'))).toEqual(['platform_admin']);
  });

  it('lets only the tenant admin write configuration and staff', () => {
    expect(roles.filter((role) => can(aViewer({ role }), 'config:write'))).toEqual(['tenant_admin']);
    expect(roles.filter((role) => can(aViewer({ role }), 'staff:write'))).toEqual(['tenant_admin']);
  });
});

describe('authorize', () => {
  it('passes an allowed action', () => {
    expect(() => authorize(aViewer(), 'opportunity:create')).not.toThrow();
  });

  it('refuses a forbidden action with 403 action_forbidden', () => {
    expect(() => authorize(aViewer({ role: 'analyst' }), 'opportunity:update')).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'action_forbidden' }));
  });
});

describe('authorizeFields (API3 field-level writes)', () => {
  it('lets a seller write the deal fields', () => {
    expect(() => authorizeFields(aViewer(), ['dealValue', 'closingProbability', 'expectedCloseDate', 'coSalespersons', 'warriors'])).not.toThrow();
  });

  it('refuses a tse reassigning or handing to a partner, naming each field', () => {
    expect(() => authorizeFields(aViewer(), ['dealValue', 'assignedTo', 'partnerCompanyId'])).toThrow(
      expect.objectContaining({
        kind: 'forbidden',
        code: 'field_forbidden',
        message: 'A tse may not change assignedTo, partnerCompanyId.',
        details: {
          errors: [
            { field: 'body.assignedTo', code: 'forbidden', message: 'may not be changed by your role' },
            { field: 'body.partnerCompanyId', code: 'forbidden', message: 'may not be changed by your role' },
          ],
        },
      }),
    );
  });

  it.each(['manager', 'asst_manager', 'tenant_admin'] as const)('lets a %s reassign and hand to a partner', (role) => {
    expect(() => authorizeFields(aViewer({ role }), ['assignedTo', 'partnerCompanyId'])).not.toThrow();
  });

  it('refuses a warrior editing the deal value', () => {
    expect(() => authorizeFields(aViewer({ role: 'warrior' }), ['dealValue'])).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'field_forbidden' }));
  });

  it('passes fields with no writer rule and an empty field list', () => {
    expect(() => authorizeFields(aViewer({ role: 'warrior' }), ['remarks'])).not.toThrow();
    expect(() => authorizeFields(aViewer({ role: 'platform_admin' }), [])).not.toThrow();
  });

  it('never lets the platform admin, a partner or an analyst write an opportunity field', () => {
    for (const role of ['platform_admin', 'partner', 'analyst'] as const) {
      for (const field of Object.keys(fieldWriters)) expect(() => authorizeFields(aViewer({ role }), [field])).toThrow(expect.objectContaining({ code: 'field_forbidden' }));
    }
  });
});

describe('opportunityTeam', () => {
  it('is the assignee, lead owner, closer, co-salespersons, warriors and partner company, each once', () => {
    expect(
      opportunityTeam(someLinks({ assignedTo: 'tse-2', leadOwner: 'tse-1', closingOwner: 'tse-2', coSalespersons: ['so-1', 'tse-1'], warriors: ['warrior-1'], partnerCompanyId: 'acme-partners' })),
    ).toEqual(['tse-2', 'tse-1', 'so-1', 'warrior-1', 'partner:acme-partners']);
  });

  it('has no closer before the deal is won and tolerates a record without warriors', () => {
    expect(opportunityTeam({ assignedTo: 'tse-2', leadOwner: 'tse-1', coSalespersons: [] })).toEqual(['tse-2', 'tse-1']);
  });
});

describe('inScope', () => {
  it.each(['tenant_admin', 'analyst'] as const)('lets a %s see anything in the tenant', (role) => {
    expect(inScope(aViewer({ role, staffId: 'someone' }), someLinks({ assignedTo: 'x', leadOwner: 'y' }))).toBe(true);
    expect(inScope(aViewer({ role, staffId: 'someone' }), { team: [] })).toBe(true);
  });

  it('lets the platform admin see nothing, even when named on the team', () => {
    expect(inScope(aViewer({ role: 'platform_admin', staffId: 'root' }), { team: ['root'] })).toBe(false);
    expect(inScope(aViewer({ role: 'platform_admin', staffId: 'root' }), someLinks({ assignedTo: 'root' }))).toBe(false);
  });

  describe('a manager (reporting subtree)', () => {
    it('sees an opportunity anyone in the subtree is linked to', () => {
      expect(inScope(aManager(), someLinks({ assignedTo: 'tse-9', leadOwner: 'tse-9', coSalespersons: ['tse-2'] }))).toBe(true);
    });

    it('does not see an opportunity nobody in the subtree is linked to', () => {
      expect(inScope(aManager(), someLinks({ assignedTo: 'tse-9', leadOwner: 'tse-8' }))).toBe(false);
    });

    it('sees a client through its team', () => {
      expect(inScope(aManager(), { team: ['tse-9', 'tse-1'] })).toBe(true);
      expect(inScope(aManager(), { team: ['tse-9'] })).toBe(false);
    });

    it('without a known subtree, sees only what they are linked to themselves', () => {
      expect(inScope(aManager({ subtree: undefined }), someLinks({ assignedTo: 'mgr-1' }))).toBe(true);
      expect(inScope(aManager({ subtree: undefined }), someLinks({ assignedTo: 'tse-1' }))).toBe(false);
    });
  });

  describe.each(['tse', 'sales_officer'] as const)('a %s (linked)', (role) => {
    const me = aViewer({ role, staffId: 'tse-1' });
    it.each<[string, Partial<OpportunityLinks>]>([
      ['assignee', { assignedTo: 'tse-1', leadOwner: 'x' }],
      ['lead owner', { assignedTo: 'x', leadOwner: 'tse-1' }],
      ['closing owner', { assignedTo: 'x', leadOwner: 'y', closingOwner: 'tse-1' }],
      ['co-salesperson', { assignedTo: 'x', leadOwner: 'y', coSalespersons: ['tse-1'] }],
    ])('sees an opportunity they are the %s of', (_, links) => {
      expect(inScope(me, someLinks(links))).toBe(true);
    });

    it('does not see an opportunity of someone else', () => {
      expect(inScope(me, someLinks({ assignedTo: 'tse-2', leadOwner: 'tse-2', coSalespersons: ['so-1'] }))).toBe(false);
    });

    it('sees their clients through the team', () => {
      expect(inScope(me, { team: ['tse-2', 'tse-1'] })).toBe(true);
      expect(inScope(me, { team: ['tse-2'] })).toBe(false);
    });
  });

  describe('a warrior', () => {
    const warrior = aViewer({ role: 'warrior', staffId: 'warrior-1' });

    it('sees only opportunities a salesperson handed them', () => {
      expect(inScope(warrior, someLinks({ warriors: ['warrior-1'] }))).toBe(true);
      expect(inScope(warrior, someLinks({ warriors: ['warrior-2'] }))).toBe(false);
      expect(inScope(warrior, { assignedTo: 'tse-1', leadOwner: 'tse-1', coSalespersons: [] })).toBe(false);
    });

    it('sees the client of an opportunity they were handed', () => {
      expect(inScope(warrior, { team: opportunityTeam(someLinks({ warriors: ['warrior-1'] })) })).toBe(true);
    });
  });

  describe('a partner', () => {
    const partner = aViewer({ role: 'partner', staffId: 'p-user', partnerCompanyId: 'acme-partners' });

    it('sees only leads handed to their partner company', () => {
      expect(inScope(partner, someLinks({ partnerCompanyId: 'acme-partners' }))).toBe(true);
      expect(inScope(partner, someLinks({ partnerCompanyId: 'other-partners' }))).toBe(false);
      expect(inScope(partner, someLinks())).toBe(false);
    });

    it('does not see a lead merely because their staff id is on it', () => {
      expect(inScope(partner, someLinks({ assignedTo: 'p-user', leadOwner: 'p-user' }))).toBe(false);
      expect(inScope(partner, { team: ['p-user'] })).toBe(false);
    });

    it('sees a client through its partner company subject', () => {
      expect(inScope(partner, { team: [partnerSubject('acme-partners')] })).toBe(true);
    });

    it('sees nothing without a partner company', () => {
      const orphan = aViewer({ role: 'partner', staffId: 'p-user' });
      expect(inScope(orphan, someLinks({ partnerCompanyId: 'acme-partners' }))).toBe(false);
      expect(inScope(orphan, { team: [partnerSubject('acme-partners')] })).toBe(false);
    });
  });
});

describe('authorizeOn', () => {
  it('passes a linked tse updating their opportunity', () => {
    expect(() => authorizeOn(aViewer(), 'opportunity:update', anOpportunityObject())).not.toThrow();
  });

  it('answers not_found for an opportunity outside the caller scope', () => {
    expect(() => authorizeOn(aViewer(), 'opportunity:read', anOpportunityObject(someLinks({ assignedTo: 'tse-2', leadOwner: 'tse-2' })))).toThrow(
      expect.objectContaining({ kind: 'not_found', code: 'opportunity_not_found', message: 'Opportunity opp-9 was not found.' }),
    );
  });

  it('answers not_found, not forbidden, when out of scope and the action is forbidden too (existence is not leaked)', () => {
    expect(() => authorizeOn(aViewer(), 'opportunity:correct', anOpportunityObject(someLinks({ assignedTo: 'tse-2', leadOwner: 'tse-2' })))).toThrow(
      expect.objectContaining({ kind: 'not_found', code: 'opportunity_not_found' }),
    );
  });

  it('answers forbidden when in scope but the role may not act', () => {
    expect(() => authorizeOn(aViewer(), 'opportunity:correct', anOpportunityObject())).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'action_forbidden' }));
    expect(() => authorizeOn(aViewer({ role: 'analyst', staffId: 'an-1' }), 'opportunity:update', anOpportunityObject())).toThrow(
      expect.objectContaining({ kind: 'forbidden', code: 'action_forbidden' }),
    );
  });

  it('answers not_found to the platform admin for any object', () => {
    expect(() => authorizeOn(aViewer({ role: 'platform_admin' }), 'client:read', { kind: 'client', id: 'client-1', links: { team: ['tse-1'] } })).toThrow(
      expect.objectContaining({ kind: 'not_found', code: 'client_not_found' }),
    );
  });

  it('is not_found exactly when out of scope, else forbidden exactly when the role may not act', () => {
    const staff = ['tse-1', 'tse-2', 'mgr-1', 'warrior-1'];
    fc.assert(
      fc.property(
        fc.constantFrom(...roles),
        fc.constantFrom(...actions),
        fc.constantFrom(...staff),
        fc.record({
          assignedTo: fc.constantFrom(...staff),
          leadOwner: fc.constantFrom(...staff),
          coSalespersons: fc.subarray(staff),
          warriors: fc.subarray(['warrior-1', 'warrior-2']),
          partnerCompanyId: fc.constantFrom('acme-partners', 'other-partners'),
        }, { requiredKeys: ['assignedTo', 'leadOwner', 'coSalespersons', 'warriors'] }),
        (role, action, staffId, links) => {
          const who = aViewer({ role, staffId, ...(role === 'partner' && { partnerCompanyId: 'acme-partners' }) });
          const call = () => authorizeOn(who, action, anOpportunityObject(links));
          if (!inScope(who, links)) expect(call).toThrow(expect.objectContaining({ kind: 'not_found' }));
          else if (!expected[role].may.includes(action)) expect(call).toThrow(expect.objectContaining({ kind: 'forbidden' }));
          else expect(call).not.toThrow();
          // Tenant-wide roles see everything; no-scope roles nothing.
          if (expected[role].scope === 'tenant') expect(inScope(who, links)).toBe(true);
          if (expected[role].scope === 'none') expect(inScope(who, links)).toBe(false);
        },
      ),
    );
  });
});

describe('mayListFor', () => {
  it.each<[string, Viewer, string, boolean]>([
    ['a tenant admin, anyone', aViewer({ role: 'tenant_admin', staffId: 'admin' }), 'tse-9', true],
    ['an analyst, anyone', aViewer({ role: 'analyst', staffId: 'an-1' }), 'tse-9', true],
    ['a manager, a report', aManager(), 'tse-2', true],
    ['a manager, themselves', aManager(), 'mgr-1', true],
    ['a manager, someone outside the subtree', aManager(), 'tse-9', false],
    ['a manager without a known subtree, themselves only', aManager({ subtree: undefined }), 'mgr-1', true],
    ['a manager without a known subtree, a report', aManager({ subtree: undefined }), 'tse-2', false],
    ['a tse, themselves', aViewer(), 'tse-1', true],
    ['a tse, a colleague', aViewer(), 'tse-2', false],
    ['the platform admin, anyone', aViewer({ role: 'platform_admin', staffId: 'root' }), 'root', false],
  ])('%s → %s', (_, who, staffId, allowed) => {
    expect(mayListFor(who, staffId)).toBe(allowed);
  });
});
