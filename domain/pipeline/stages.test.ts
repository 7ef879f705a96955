import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrorsOf } from '../validation';
import { defaultProbability, seedStages, Stage, stageIndex, stages, StagesConfig, stagesPassed, type StageConfig } from './stages';

/** A tenant's stages config with some multipliers replaced. */
const aStagesConfig = (overrides: Partial<Record<Stage, number>> = {}): StageConfig[] =>
  seedStages.map((s) => ({ stage: s.stage, multiplier: overrides[s.stage] ?? s.multiplier }));

/** Field errors as PUT /v1/config/stages reports them (body `{ stages: [...] }`). */
function stagesConfigErrors(list: unknown) {
  const result = z.strictObject({ stages: StagesConfig }).safeParse({ stages: list });
  return result.success ? [] : fieldErrorsOf(result.error, 'body');
}

describe('pipeline stages', () => {
  it('run Lead → Qualified → Potential → Demo → Visit → Closed', () => {
    expect(stages).toEqual(['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed']);
  });

  it.each([
    ['Lead', 0],
    ['Qualified', 1],
    ['Potential', 2],
    ['Demo', 3],
    ['Visit', 4],
    ['Closed', 5],
  ] as const)('places %s at index %i', (stage, index) => {
    expect(stageIndex(stage)).toBe(index);
  });

  it('refuses a stage name outside the pipeline', () => {
    expect(Stage.safeParse('Won').success).toBe(false);
    expect(Stage.safeParse('lead').success).toBe(false);
  });
});

describe('seed stage multipliers (spec §6)', () => {
  it('are Lead 50, Qualified 20, Potential 8, Demo 4, Visit 2.5, Closed 1', () => {
    expect(seedStages).toEqual([
      { stage: 'Lead', multiplier: 50 },
      { stage: 'Qualified', multiplier: 20 },
      { stage: 'Potential', multiplier: 8 },
      { stage: 'Demo', multiplier: 4 },
      { stage: 'Visit', multiplier: 2.5 },
      { stage: 'Closed', multiplier: 1 },
    ]);
  });

  it('are themselves a valid stages config', () => {
    expect(StagesConfig.parse(seedStages)).toEqual(seedStages);
  });
});

describe('defaultProbability', () => {
  it.each([
    ['Lead', 2],
    ['Qualified', 5],
    ['Potential', 12.5],
    ['Demo', 25],
    ['Visit', 40],
    ['Closed', 100],
  ] as const)('is 100 / multiplier: %s → %d %% with the seed multipliers', (stage, percent) => {
    expect(defaultProbability(seedStages, stage)).toBe(percent);
  });

  it('follows the tenant-configured multiplier', () => {
    const config = aStagesConfig({ Lead: 40, Demo: 5 });
    expect(defaultProbability(config, 'Lead')).toBe(2.5);
    expect(defaultProbability(config, 'Demo')).toBe(20);
  });

  it('rounds to two decimals when 100 / multiplier does not terminate', () => {
    expect(defaultProbability(aStagesConfig({ Visit: 3 }), 'Visit')).toBe(33.33);
    expect(defaultProbability(aStagesConfig({ Lead: 60, Qualified: 30, Potential: 15, Demo: 7, Visit: 3 }), 'Demo')).toBe(14.29);
  });

  it('fails loudly when the config lacks the stage', () => {
    expect(() => defaultProbability(seedStages.slice(0, 5), 'Closed')).toThrow('stage Closed missing from config');
  });

  it('never decreases towards Closed, and is 100 at Closed, for any valid config', () => {
    fc.assert(
      fc.property(aValidStagesConfig(), (config) => {
        const percents = stages.map((s) => defaultProbability(config, s));
        expect(percents.at(-1)).toBe(100);
        percents.forEach((p, i) => i > 0 && expect(p).toBeGreaterThanOrEqual(percents[i - 1]!));
      }),
    );
  });
});

describe('stagesPassed', () => {
  it.each([
    ['Lead', 'Qualified', ['Qualified']],
    ['Lead', 'Demo', ['Qualified', 'Potential', 'Demo']],
    ['Qualified', 'Visit', ['Potential', 'Demo', 'Visit']],
    ['Visit', 'Closed', ['Closed']],
    ['Lead', 'Closed', ['Qualified', 'Potential', 'Demo', 'Visit', 'Closed']],
    ['Demo', 'Demo', []],
    ['Demo', 'Qualified', []],
    ['Closed', 'Lead', []],
  ] as const)('from %s to %s passes %j', (from, to, passed) => {
    expect(stagesPassed(from, to)).toEqual(passed);
  });
});

describe('StagesConfig validation', () => {
  it('accepts a tenant config in pipeline order with non-growing multipliers ending at Closed 1', () => {
    expect(stagesConfigErrors(aStagesConfig({ Lead: 100, Qualified: 25, Potential: 10, Demo: 5, Visit: 2 }))).toEqual([]);
  });

  it('accepts equal neighbouring multipliers (must not grow, may stay)', () => {
    expect(stagesConfigErrors(aStagesConfig({ Demo: 4, Visit: 4 }))).toEqual([]);
  });

  it('refuses stages out of pipeline order, naming every broken rule on body.stages', () => {
    expect(stagesConfigErrors([...seedStages].reverse())).toEqual([
      { field: 'body.stages', code: 'custom', message: 'must list every stage once, in pipeline order' },
      { field: 'body.stages', code: 'custom', message: 'multipliers must not grow towards Closed' },
      { field: 'body.stages', code: 'custom', message: 'Closed must have multiplier 1' },
    ]);
  });

  it('refuses a stage listed twice in place of another', () => {
    const list = seedStages.map((s) => (s.stage === 'Visit' ? { ...s, stage: 'Demo' as const } : s));
    expect(stagesConfigErrors(list)).toEqual([{ field: 'body.stages', code: 'custom', message: 'must list every stage once, in pipeline order' }]);
  });

  it('refuses a multiplier that grows towards Closed', () => {
    expect(stagesConfigErrors(aStagesConfig({ Demo: 30 }))).toEqual([
      { field: 'body.stages', code: 'custom', message: 'multipliers must not grow towards Closed' },
    ]);
  });

  it('refuses a Closed multiplier other than 1', () => {
    expect(stagesConfigErrors(aStagesConfig({ Closed: 2 }))).toEqual([{ field: 'body.stages', code: 'custom', message: 'Closed must have multiplier 1' }]);
  });

  it('refuses a list missing a stage', () => {
    expect(stagesConfigErrors(seedStages.slice(0, 5))).toEqual([
      { field: 'body.stages', code: 'too_small', message: 'Too small: expected array to have exactly 6 items' },
      { field: 'body.stages', code: 'custom', message: 'Closed must have multiplier 1' },
    ]);
  });

  it('refuses an empty list with field errors instead of crashing', () => {
    expect(stagesConfigErrors([])).toEqual([
      { field: 'body.stages', code: 'too_small', message: 'Too small: expected array to have exactly 6 items' },
      { field: 'body.stages', code: 'custom', message: 'Closed must have multiplier 1' },
    ]);
  });

  it('refuses a multiplier below 1 at its index', () => {
    expect(stagesConfigErrors(aStagesConfig({ Lead: 0.5 }))).toEqual([
      { field: 'body.stages.0.multiplier', code: 'too_small', message: 'Too small: expected number to be >=1' },
      { field: 'body.stages', code: 'custom', message: 'multipliers must not grow towards Closed' },
    ]);
  });

  it('refuses a multiplier above 1000 at its index', () => {
    expect(stagesConfigErrors(aStagesConfig({ Lead: 1001 }))).toEqual([
      { field: 'body.stages.0.multiplier', code: 'too_big', message: 'Too big: expected number to be <=1000' },
    ]);
  });

  it('refuses a non-numeric multiplier at its index', () => {
    const list = seedStages.map((s) => (s.stage === 'Demo' ? { ...s, multiplier: '4' } : s));
    expect(stagesConfigErrors(list)).toEqual([
      { field: 'body.stages.3.multiplier', code: 'invalid_type', message: 'Invalid input: expected number, received string' },
    ]);
  });

  it('refuses an unknown stage name at its index', () => {
    const list = seedStages.map((s) => (s.stage === 'Closed' ? { ...s, stage: 'Won' } : s));
    expect(stagesConfigErrors(list)).toEqual([
      { field: 'body.stages.5.stage', code: 'invalid_value', message: 'Invalid option: expected one of "Lead"|"Qualified"|"Potential"|"Demo"|"Visit"|"Closed"' },
    ]);
  });

  it('refuses an unknown field on an entry', () => {
    const list = seedStages.map((s) => (s.stage === 'Demo' ? { ...s, probability: 25 } : s));
    expect(stagesConfigErrors(list)).toEqual([{ field: 'body.stages.3.probability', code: 'unknown_field', message: 'is not a known field' }]);
  });

  it('refuses anything but a list', () => {
    expect(stagesConfigErrors(null)).toEqual([{ field: 'body.stages', code: 'invalid_type', message: 'Invalid input: expected array, received null' }]);
  });

  it('accepts every config in pipeline order with non-growing multipliers in [1, 1000] ending at 1', () => {
    fc.assert(
      fc.property(aValidStagesConfig(), (config) => {
        expect(stagesConfigErrors(config)).toEqual([]);
      }),
    );
  });

  it('refuses every config whose multipliers grow somewhere towards Closed', () => {
    fc.assert(
      fc.property(aValidStagesConfig(), fc.integer({ min: 1, max: 4 }), (config, i) => {
        fc.pre(config[i - 1]!.multiplier < 1000);
        const grown = config.map((s, k) => (k === i ? { ...s, multiplier: config[i - 1]!.multiplier + 1 } : s));
        expect(stagesConfigErrors(grown)).toContainEqual({ field: 'body.stages', code: 'custom', message: 'multipliers must not grow towards Closed' });
      }),
    );
  });
});

/** Random valid configs: five multipliers in [1, 1000], sorted non-increasing, then Closed 1. */
function aValidStagesConfig() {
  return fc
    .array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 5, maxLength: 5 })
    .map((ms) => [...ms.sort((a, b) => b - a), 1].map((multiplier, i) => ({ stage: stages[i]!, multiplier })));
}
