import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { can } from '../access/policy';
import { roles, type Principal } from '../access/roles';
import { seedProducts } from '../catalogue/products';
import { DomainError } from '../errors';
import { fieldErrorsOf } from '../validation';
import { expectedRevenue } from './money';
import { newOpportunity, OpportunityInput, type Opportunity } from './opportunity';
import { changeStage, closerOf, StageChangeInput, type StageChangeContext } from './stage-change';
import { defaultProbability, outcomes, seedStages, stageIndex, stages, type Stage } from './stages';
import { aPrincipal, anOpportunity, fixtureCreatedAt } from '../testing/builders';

const created = fixtureCreatedAt;
const movedAt = new Date('2026-03-09T11:00:00.000Z');

const aManager = (overrides: Partial<Principal> = {}) => aPrincipal({ staffId: 'mgr-1', role: 'manager', ...overrides });


const aStageChange = (raw: Partial<StageChangeInput> & { stage: Stage }) => StageChangeInput.parse(raw);

const aContext = (overrides: Partial<StageChangeContext> = {}): StageChangeContext => ({
  actor: aPrincipal(),
  now: movedAt,
  stagesConfig: seedStages,
  leadOwnerCreditPercent: 50,
  // The closing owner's staff record, read by the use case when a deal is won.
  closer: { role: 'tse', active: true },
  ...overrides,
});

const fieldError = (field: string, code: string, message: string) =>
  expect.objectContaining({ kind: 'invalid', code: 'validation_failed', details: { errors: [{ field, code, message }] } });

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('changeStage: forward moves', () => {
  it('moves a Lead to Demo, counting Qualified, Potential and Demo as newly reached', () => {
    const before = anOpportunity();
    expect(changeStage(before, aStageChange({ stage: 'Demo' }), aContext())).toEqual({
      opportunity: {
        ...before,
        stage: 'Demo',
        stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo'],
        closingProbability: 25,
        expectedRevenue: 375_000,
        updatedBy: 'tse-1',
        stageChangedAt: '2026-03-09T11:00:00.000Z',
        updatedAt: '2026-03-09T11:00:00.000Z',
        version: 2,
      },
      transition: {
        opportunityId: 'opp-1',
        clientId: 'client-1',
        seq: 1,
        from: 'Lead',
        to: 'Demo',
        direction: 'forward',
        newlyReached: ['Qualified', 'Potential', 'Demo'],
        by: 'tse-1',
        at: '2026-03-09T11:00:00.000Z',
        productId: 'website',
        assignedTo: 'tse-1',
        leadOwner: 'tse-1',
        currency: 'INR',
        dealValue: 1_500_000,
        expectedRevenue: 375_000,
      },
    });
  });

  it.each<[string, Partial<Opportunity>, Stage, Stage[], Stage[]]>([
    ['one step', { stage: 'Lead' }, 'Qualified', ['Qualified'], ['Lead', 'Qualified']],
    ['skipping two', { stage: 'Qualified' }, 'Visit', ['Potential', 'Demo', 'Visit'], ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit']],
    ['Demo to Visit', { stage: 'Demo' }, 'Visit', ['Visit'], ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit']],
    [
      'past stages already reached before a correction',
      { stage: 'Qualified', stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo'] },
      'Visit',
      ['Visit'],
      ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit'],
    ],
    [
      'back to a stage already reached before a correction',
      { stage: 'Qualified', stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo'] },
      'Demo',
      [],
      ['Lead', 'Qualified', 'Potential', 'Demo'],
    ],
  ])('records every passed stage once (%s)', (_, start, to, newlyReached, stagesReached) => {
    const { opportunity, transition } = changeStage(anOpportunity(start), aStageChange({ stage: to }), aContext());
    expect(transition.newlyReached).toEqual(newlyReached);
    expect(transition.direction).toBe('forward');
    expect(opportunity.stagesReached).toEqual(stagesReached);
  });

  it('lets the stage default probability follow the stage', () => {
    const { opportunity } = changeStage(anOpportunity({ stage: 'Potential' }), aStageChange({ stage: 'Visit' }), aContext());
    expect(opportunity).toMatchObject({ closingProbability: 40, probabilitySource: 'stage', expectedRevenue: 600_000 });
  });

  it('follows the tenant stages config for the default probability', () => {
    const config = seedStages.map((s) => (s.stage === 'Demo' ? { ...s, multiplier: 5 } : s));
    const { opportunity } = changeStage(anOpportunity(), aStageChange({ stage: 'Demo' }), aContext({ stagesConfig: config }));
    expect(opportunity).toMatchObject({ closingProbability: 20, expectedRevenue: 300_000 });
  });

  it('keeps a probability set by hand across stage changes, forward and back', () => {
    const manual = anOpportunity({ stage: 'Lead', closingProbability: 33 });
    const forward = changeStage(manual, aStageChange({ stage: 'Demo' }), aContext()).opportunity;
    expect(forward).toMatchObject({ closingProbability: 33, probabilitySource: 'manual', expectedRevenue: 495_000 });
    const back = changeStage(forward, aStageChange({ stage: 'Qualified', reason: 'demo not done' }), aContext({ actor: aManager() })).opportunity;
    expect(back).toMatchObject({ closingProbability: 33, probabilitySource: 'manual', expectedRevenue: 495_000 });
  });

  it('refuses a move to the stage the opportunity is already at with 409 same_stage', () => {
    expect(() => changeStage(anOpportunity({ stage: 'Demo' }), aStageChange({ stage: 'Demo' }), aContext())).toThrow(
      expect.objectContaining({ kind: 'conflict', code: 'same_stage' }),
    );
  });

  it('refuses an outcome when the stage is not Closed', () => {
    expect(() => changeStage(anOpportunity(), aStageChange({ stage: 'Demo', outcome: 'Won' }), aContext())).toThrow(
      fieldError('body.outcome', 'not_applicable', 'applies only when the stage is Closed'),
    );
  });
});

describe('changeStage: backward moves (corrections)', () => {
  const atDemo = () => anOpportunity({ stage: 'Demo' });

  it('refuses a backward move by a tse with 403 backward_move_forbidden, even with a reason', () => {
    expect(() => changeStage(atDemo(), aStageChange({ stage: 'Qualified', reason: 'oops' }), aContext())).toThrow(
      expect.objectContaining({ kind: 'forbidden', code: 'backward_move_forbidden' }),
    );
  });

  it('refuses a backward move by a manager without a reason with 422 on body.reason', () => {
    expect(() => changeStage(atDemo(), aStageChange({ stage: 'Qualified' }), aContext({ actor: aManager() }))).toThrow(
      fieldError('body.reason', 'required', 'is required to move an opportunity backwards'),
    );
  });

  it('lets a manager correct with a reason: no stage newly reached, history of stages reached unchanged', () => {
    const before = atDemo();
    const { opportunity, transition } = changeStage(before, aStageChange({ stage: 'Qualified', reason: 'no demo yet' }), aContext({ actor: aManager() }));
    expect(opportunity).toEqual({
      ...before,
      stage: 'Qualified',
      stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo'],
      closingProbability: 5,
      expectedRevenue: 75_000,
      updatedBy: 'mgr-1',
      stageChangedAt: '2026-03-09T11:00:00.000Z',
      updatedAt: '2026-03-09T11:00:00.000Z',
      version: 2,
    });
    expect(transition).toEqual({
      opportunityId: 'opp-1',
      clientId: 'client-1',
      seq: 1,
      from: 'Demo',
      to: 'Qualified',
      direction: 'backward',
      reason: 'no demo yet',
      newlyReached: [],
      by: 'mgr-1',
      at: '2026-03-09T11:00:00.000Z',
      productId: 'website',
      assignedTo: 'tse-1',
      leadOwner: 'tse-1',
      currency: 'INR',
      dealValue: 1_500_000,
      expectedRevenue: 75_000,
    });
  });

  it.each(roles)('allows a %s to correct exactly when the access policy grants opportunity:correct', (role) => {
    const move = () => changeStage(atDemo(), aStageChange({ stage: 'Lead', reason: 'correction' }), aContext({ actor: aPrincipal({ role, staffId: 'x-1' }) }));
    if (can(aPrincipal({ role }), 'opportunity:correct')) expect(move().opportunity.stage).toBe('Lead');
    else expect(move).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'backward_move_forbidden' }));
  });
});

describe('changeStage: closing', () => {
  it.each(roles)('lets a %s close exactly when the access policy grants opportunity:close', (role) => {
    const close = () =>
      // x-1 is on the deal (a co-salesperson), as anyone who can see it to close it is.
      changeStage(anOpportunity({ stage: 'Visit', coSalespersons: ['x-1'] }), aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext({ actor: aPrincipal({ role, staffId: 'x-1' }) }));
    if (can(aPrincipal({ role }), 'opportunity:close')) expect(close().opportunity.outcome).toBe('Won');
    else expect(close).toThrow(expect.objectContaining({ kind: 'forbidden', code: 'close_forbidden' }));
  });

  it('lets a warrior move the stage forward but not close', () => {
    const warrior = aContext({ actor: aPrincipal({ role: 'warrior', staffId: 'warrior-1' }) });
    expect(changeStage(anOpportunity({ stage: 'Demo' }), aStageChange({ stage: 'Visit' }), warrior).opportunity.stage).toBe('Visit');
    expect(() => changeStage(anOpportunity({ stage: 'Visit' }), aStageChange({ stage: 'Closed', outcome: 'Lost', reason: 'price' }), warrior)).toThrow(
      expect.objectContaining({ kind: 'forbidden', code: 'close_forbidden' }),
    );
  });

  it('refuses Closed without an outcome with 422 on body.outcome', () => {
    expect(() => changeStage(anOpportunity({ stage: 'Visit' }), aStageChange({ stage: 'Closed' }), aContext())).toThrow(
      fieldError('body.outcome', 'required', 'is required when closing: Won or Lost'),
    );
  });

  it('refuses Lost without a reason with 422 on body.reason', () => {
    expect(() => changeStage(anOpportunity({ stage: 'Visit' }), aStageChange({ stage: 'Closed', outcome: 'Lost' }), aContext())).toThrow(
      fieldError('body.reason', 'required', 'is required when an opportunity is lost'),
    );
  });

  it('refuses a closing owner unless the deal is won', () => {
    expect(() =>
      changeStage(anOpportunity({ stage: 'Visit' }), aStageChange({ stage: 'Closed', outcome: 'Lost', reason: 'price', closingOwner: 'so-1' }), aContext()),
    ).toThrow(fieldError('body.closingOwner', 'not_applicable', 'applies only when the deal is won'));
  });

  it('closes Lost with the reason, probability 0 and no expected revenue, credit or closer, counting no stage', () => {
    const before = anOpportunity({ stage: 'Visit', stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit'] });
    const { opportunity, transition } = changeStage(before, aStageChange({ stage: 'Closed', outcome: 'Lost', reason: 'price' }), aContext());
    expect(opportunity).toEqual({
      ...before,
      stage: 'Closed',
      outcome: 'Lost',
      lostReason: 'price',
      closedAt: '2026-03-09T11:00:00.000Z',
      closingProbability: 0,
      expectedRevenue: 0,
      stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit'],
      updatedBy: 'tse-1',
      stageChangedAt: '2026-03-09T11:00:00.000Z',
      updatedAt: '2026-03-09T11:00:00.000Z',
      version: 2,
    });
    expect(transition).toMatchObject({ from: 'Visit', to: 'Closed', outcome: 'Lost', reason: 'price', newlyReached: [], expectedRevenue: 0 });
  });

  it('does not count the stages a deal lost straight from Lead never reached', () => {
    const before = anOpportunity({ stage: 'Lead', stagesReached: ['Lead'] });
    const { opportunity, transition } = changeStage(before, aStageChange({ stage: 'Closed', outcome: 'Lost', reason: 'no budget' }), aContext());
    expect(opportunity.stagesReached).toEqual(['Lead']);
    expect(transition.newlyReached).toEqual([]);
  });

  it('closes Won by the caller: caller is closing owner, probability 100, expected revenue = deal value, 50/50 credit', () => {
    const before = anOpportunity({ stage: 'Visit', assignedTo: 'tse-2', coSalespersons: ['so-1'] });
    const { opportunity, transition } = changeStage(before, aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext({ actor: aPrincipal({ staffId: 'so-1', role: 'sales_officer' }) }));
    expect(opportunity).toEqual({
      ...before,
      stage: 'Closed',
      outcome: 'Won',
      closingOwner: 'so-1',
      closedAt: '2026-03-09T11:00:00.000Z',
      closingProbability: 100,
      expectedRevenue: 1_500_000,
      credit: [
        { staffId: 'tse-1', percent: 50, amount: 750_000 },
        { staffId: 'so-1', percent: 50, amount: 750_000 },
      ],
      stagesReached: ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed'],
      updatedBy: 'so-1',
      stageChangedAt: '2026-03-09T11:00:00.000Z',
      updatedAt: '2026-03-09T11:00:00.000Z',
      version: 2,
    });
    expect(transition).toMatchObject({
      outcome: 'Won',
      newlyReached: ['Closed'],
      dealValue: 1_500_000,
      expectedRevenue: 1_500_000,
      closingOwner: 'so-1',
      credit: [
        { staffId: 'tse-1', percent: 50, amount: 750_000 },
        { staffId: 'so-1', percent: 50, amount: 750_000 },
      ],
    });
  });

  it('makes the assignee the closing owner when a manager records the win', () => {
    const before = anOpportunity({ stage: 'Visit', assignedTo: 'tse-2' });
    const { opportunity } = changeStage(before, aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext({ actor: aManager() }));
    expect(opportunity.closingOwner).toBe('tse-2');
    expect(opportunity.credit).toEqual([
      { staffId: 'tse-1', percent: 50, amount: 750_000 },
      { staffId: 'tse-2', percent: 50, amount: 750_000 },
    ]);
  });

  it('takes an explicit closing owner over the caller', () => {
    const { opportunity } = changeStage(
      anOpportunity({ stage: 'Visit', coSalespersons: ['so-2'] }),
      aStageChange({ stage: 'Closed', outcome: 'Won', closingOwner: 'so-2' }),
      aContext({ actor: aManager(), closer: { role: 'sales_officer', active: true } }),
    );
    expect(opportunity.closingOwner).toBe('so-2');
    expect(opportunity.credit).toEqual([
      { staffId: 'tse-1', percent: 50, amount: 750_000 },
      { staffId: 'so-2', percent: 50, amount: 750_000 },
    ]);
  });

  it.each([
    ['names nobody on the staff', { closingOwner: 'ghost-1' }, undefined, 'unknown_staff', 'ghost-1 is not an active member of staff'],
    ['was deactivated', { closingOwner: 'tse-2' }, { role: 'tse', active: false }, 'unknown_staff', 'tse-2 is not an active member of staff'],
    ['is an analyst', { closingOwner: 'an-1' }, { role: 'analyst', active: true }, 'wrong_role', 'an-1 is an analyst, not a salesperson'],
    ['is a warrior', { closingOwner: 'w-1' }, { role: 'warrior', active: true }, 'wrong_role', 'w-1 is a warrior, not a salesperson'],
    ['is a salesperson not on the deal', { closingOwner: 'tse-9' }, { role: 'tse', active: true }, 'not_on_opportunity', 'tse-9 is not on this opportunity'],
    ['is the manager recording the win, not on the deal', { closingOwner: 'mgr-1' }, { role: 'manager', active: true }, 'not_on_opportunity', 'mgr-1 is not on this opportunity'],
  ] as const)('refuses a closing owner who %s, with 422 on body.closingOwner', (_, cmd, closer, code, message) => {
    const win = () =>
      changeStage(anOpportunity({ stage: 'Visit', assignedTo: 'tse-2' }), aStageChange({ stage: 'Closed', outcome: 'Won', ...cmd }), aContext({ actor: aManager(), closer }));
    expect(win).toThrow(fieldError('body.closingOwner', code, message));
  });

  it('refuses a manager’s default closer, the assignee, once deactivated', () => {
    const win = () => changeStage(anOpportunity({ stage: 'Visit', assignedTo: 'tse-2' }), aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext({ actor: aManager(), closer: { role: 'tse', active: false } }));
    expect(win).toThrow(fieldError('body.closingOwner', 'unknown_staff', 'tse-2 is not an active member of staff'));
  });

  it('names who closes a won deal: the one named, else the assignee for a manager, else the caller; nobody otherwise', () => {
    const o = anOpportunity({ stage: 'Visit', assignedTo: 'tse-2' });
    expect(closerOf(o, { stage: 'Closed', outcome: 'Won', closingOwner: 'so-1' }, aManager())).toBe('so-1');
    expect(closerOf(o, { stage: 'Closed', outcome: 'Won' }, aManager())).toBe('tse-2');
    expect(closerOf(o, { stage: 'Closed', outcome: 'Won' }, aPrincipal({ staffId: 'tse-1' }))).toBe('tse-1');
    expect(closerOf(o, { stage: 'Closed', outcome: 'Lost' }, aManager())).toBeUndefined();
    expect(closerOf(o, { stage: 'Visit' }, aManager())).toBeUndefined();
  });

  it('credits 100 % to the lead owner who also closed the deal', () => {
    const { opportunity } = changeStage(anOpportunity({ stage: 'Visit' }), aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext());
    expect(opportunity).toMatchObject({ closingOwner: 'tse-1', credit: [{ staffId: 'tse-1', percent: 100, amount: 1_500_000 }] });
  });

  it('splits by the tenant lead-owner percent, the odd paisa going to the larger share', () => {
    const { opportunity } = changeStage(
      anOpportunity({ stage: 'Visit', dealValue: 1_000_001, coSalespersons: ['so-1'] }),
      aStageChange({ stage: 'Closed', outcome: 'Won' }),
      aContext({ actor: aPrincipal({ staffId: 'so-1', role: 'sales_officer' }), leadOwnerCreditPercent: 30 }),
    );
    expect(opportunity.credit).toEqual([
      { staffId: 'tse-1', percent: 30, amount: 300_000 },
      { staffId: 'so-1', percent: 70, amount: 700_001 },
    ]);
  });

  it('sets probability 100 on a win even when the probability was set by hand', () => {
    const { opportunity } = changeStage(anOpportunity({ stage: 'Visit', closingProbability: 70 }), aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext());
    expect(opportunity).toMatchObject({ closingProbability: 100, expectedRevenue: 1_500_000 });
  });

  it('counts every stage passed when a Lead is won directly', () => {
    const { opportunity, transition } = changeStage(anOpportunity(), aStageChange({ stage: 'Closed', outcome: 'Won' }), aContext());
    expect(transition.newlyReached).toEqual(['Qualified', 'Potential', 'Demo', 'Visit', 'Closed']);
    expect(opportunity.stagesReached).toEqual(stages);
  });

  it.each([
    ['Won', { outcome: 'Won' as const, closingOwner: 'tse-1', credit: [{ staffId: 'tse-1', percent: 100, amount: 1_500_000 }] }],
    ['Lost', { outcome: 'Lost' as const, lostReason: 'price' }],
  ])('refuses any change to a Closed %s opportunity with 409 opportunity_closed', (_, closed) => {
    const opportunity = anOpportunity({ stage: 'Closed', ...closed });
    for (const stage of stages) {
      expect(() => changeStage(opportunity, aStageChange({ stage, reason: 'reopen' }), aContext({ actor: aManager() }))).toThrow(
        expect.objectContaining({ kind: 'conflict', code: 'opportunity_closed' }),
      );
    }
  });
});

describe('StageChangeInput', () => {
  const errors = (raw: unknown) => {
    const result = StageChangeInput.safeParse(raw);
    return result.success ? [] : fieldErrorsOf(result.error, 'body');
  };

  it('trims the reason', () => {
    expect(StageChangeInput.parse({ stage: 'Closed', outcome: 'Lost', reason: '  price  ' })).toEqual({ stage: 'Closed', outcome: 'Lost', reason: 'price' });
  });

  it('refuses a blank reason, an unknown outcome and unknown fields', () => {
    expect(errors({ stage: 'Closed', outcome: 'Abandoned', reason: '   ', probability: 5 })).toEqual([
      { field: 'body.outcome', code: 'invalid_value', message: 'Invalid option: expected one of "Won"|"Lost"' },
      { field: 'body.reason', code: 'too_small', message: 'must not be empty' },
      { field: 'body.probability', code: 'unknown_field', message: 'is not a known field' },
    ]);
  });
});

describe('changeStage: properties over any sequence of commands', () => {
  const staff = ['tse-1', 'tse-2', 'so-1', 'mgr-1'] as const;
  const correctors = new Set(roles.filter((role) => can(aPrincipal({ role }), 'opportunity:correct')));
  const closers = new Set(roles.filter((role) => can(aPrincipal({ role }), 'opportunity:close')));

  const anInitialOpportunity = fc
    .record({
      stage: fc.constantFrom<Stage>(...stages.filter((s) => s !== 'Closed')),
      dealValue: fc.integer({ min: 0, max: 1e12 }),
      closingProbability: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      creator: fc.constantFrom(...staff),
      assignedTo: fc.constantFrom(...staff),
    })
    .map(({ creator, closingProbability, ...raw }) =>
      newOpportunity(OpportunityInput.parse({ productId: 'website', ...raw, ...(closingProbability !== undefined && { closingProbability }) }), {
        id: 'opp-1',
        clientId: 'client-1',
        actor: aPrincipal({ staffId: creator }),
        now: created,
        product: seedProducts[0],
        stagesConfig: seedStages,
        currency: 'INR',
      }),
    );

  const anyCommand = fc.record(
    {
      stage: fc.constantFrom(...stages),
      outcome: fc.constantFrom(...outcomes),
      reason: fc.constantFrom('price', 'wrong stage'),
      closingOwner: fc.constantFrom(...staff),
    },
    { requiredKeys: ['stage'] },
  );
  // Mostly moves between open stages, so sequences live long enough to correct and skip before closing.
  const aMove = fc.record({ stage: fc.constantFrom(...stages.filter((s) => s !== 'Closed')), reason: fc.constantFrom('wrong stage') }, { requiredKeys: ['stage'] });
  const aClose = fc.record(
    { stage: fc.constant('Closed' as const), outcome: fc.constantFrom(...outcomes), reason: fc.constant('price'), closingOwner: fc.constantFrom(...staff) },
    { requiredKeys: ['stage', 'outcome'] },
  );
  const aCommand: fc.Arbitrary<StageChangeInput> = fc.oneof({ arbitrary: aMove, weight: 12 }, { arbitrary: aClose, weight: 1 }, { arbitrary: anyCommand, weight: 2 });
  const aStep = fc.record({ command: aCommand, role: fc.constantFrom(...roles), staffId: fc.constantFrom(...staff), leadOwnerCreditPercent: fc.integer({ min: 0, max: 100 }) });

  it('keeps stagesReached, newlyReached, closure, version and credit consistent', () => {
    // What the runs exercised, across all of them: a property whose commands were all refused would prove nothing.
    const seen = { accepted: 0, refused: 0, skips: 0, backward: 0, won: 0, lost: 0, refusedCloser: 0 };
    fc.assert(
      fc.property(anInitialOpportunity, fc.array(aStep, { maxLength: 40, size: 'max' }), (initial, steps) => {
        let current = deepFreeze(structuredClone(initial));
        let furthest = stageIndex(initial.stage);
        const newly: Stage[] = [];
        let accepted = 0;

        for (const { command, role, staffId, leadOwnerCreditPercent } of steps) {
          const before = structuredClone(current);
          let result: ReturnType<typeof changeStage>;
          try {
            result = changeStage(current, command, aContext({ actor: aPrincipal({ role, staffId }), leadOwnerCreditPercent }));
          } catch (error) {
            // A refused command is a DomainError and leaves the opportunity exactly as it was.
            expect(error).toBeInstanceOf(DomainError);
            seen.refused += 1;
            if ((error as DomainError).details.errors?.some((e) => e.field === 'body.closingOwner')) seen.refusedCloser += 1;
            expect(current).toEqual(before);
            // (c) once Closed, nothing changes.
            if (before.stage === 'Closed') expect(error).toMatchObject({ kind: 'conflict', code: 'opportunity_closed' });
            continue;
          }
          expect(before.stage).not.toBe('Closed');
          const { opportunity: next, transition } = result;
          accepted += 1;
          seen.accepted += 1;
          if (transition.newlyReached.length > 1) seen.skips += 1;
          if (transition.direction === 'backward') seen.backward += 1;
          if (next.outcome === 'Won') seen.won += 1;
          if (next.outcome === 'Lost') seen.lost += 1;

          // (d) exactly one version per accepted command; the transition is numbered by the version it replaced.
          expect(next.version).toBe(before.version + 1);
          expect(transition.seq).toBe(before.version);

          // (a) prefix-closed, in pipeline order, up to the furthest stage ever reached, each once
          // (losing reaches nothing: a deal lost from Lead never passed Qualified…Closed).
          if (!(next.stage === 'Closed' && next.outcome === 'Lost')) furthest = Math.max(furthest, stageIndex(next.stage));
          expect(next.stagesReached).toEqual(stages.slice(0, furthest + 1));

          // (b) initial stages + every newlyReached, concatenated, are exactly the stages reached.
          newly.push(...transition.newlyReached);
          expect([...initial.stagesReached, ...newly]).toEqual(next.stagesReached);

          // Only roles allowed to close do; backward moves are corrections: by a corrector, with a reason, reaching nothing new.
          if (next.stage === 'Closed') expect(closers.has(role)).toBe(true);
          if (transition.direction === 'backward') {
            expect(correctors.has(role)).toBe(true);
            expect(transition.reason).toBeDefined();
            expect(transition.newlyReached).toEqual([]);
          }

          // Probability: a manual one is kept while open, a default one follows the stage.
          if (next.stage !== 'Closed') {
            expect(next.closingProbability).toBe(
              initial.probabilitySource === 'manual' ? initial.closingProbability : defaultProbability(seedStages, next.stage),
            );
          }
          expect(next.expectedRevenue).toBe(expectedRevenue(next.dealValue, next.closingProbability));
          current = deepFreeze(next);
        }

        expect(current.version).toBe(initial.version + accepted);
        // (e) a won deal's credit adds up to its deal value.
        if (current.outcome === 'Won') {
          expect(current.credit!.reduce((sum, r) => sum + r.amount, 0)).toBe(current.dealValue);
          expect(current.credit!.reduce((sum, r) => sum + r.percent, 0)).toBe(100);
          expect(current).toMatchObject({ closingProbability: 100, expectedRevenue: current.dealValue });
        }
      }),
      { numRuns: 300 },
    );
    // Every kind of step happened, and most commands went through.
    expect(seen.accepted).toBeGreaterThan(seen.refused / 4);
    for (const kind of ['skips', 'backward', 'won', 'lost', 'refusedCloser'] as const) expect(seen[kind], kind).toBeGreaterThan(0);
  });
});
