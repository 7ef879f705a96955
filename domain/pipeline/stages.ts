import { z } from 'zod';

/** Spec §2: the six stages, in order. Closed carries an outcome: Won or Lost. */
export const stages = ['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed'] as const;
export const Stage = z.enum(stages);
export type Stage = z.infer<typeof Stage>;

export const outcomes = ['Won', 'Lost'] as const;
export const Outcome = z.enum(outcomes);
export type Outcome = z.infer<typeof Outcome>;

export const stageIndex = (stage: Stage) => stages.indexOf(stage);

/** Spec §6 stage multipliers: required pipeline at a stage = revenue target × multiplier. */
export const StageConfig = z.strictObject({
  stage: Stage,
  multiplier: z.number().min(1).max(1000).transform((n) => Math.round(n * 100) / 100),
});
export type StageConfig = z.infer<typeof StageConfig>;

export const StagesConfig = z
  .array(StageConfig)
  .length(stages.length)
  .refine((list) => list.every((s, i) => s.stage === stages[i]), 'must list every stage once, in pipeline order')
  .refine((list) => list.every((s, i) => i === 0 || s.multiplier <= list[i - 1]!.multiplier), 'multipliers must not grow towards Closed')
  // `?.`: refinements still run after a failed length check, so an empty list must not crash them.
  .refine((list) => list.at(-1)?.multiplier === 1, 'Closed must have multiplier 1');
export type StagesConfig = z.infer<typeof StagesConfig>;

export const seedStages: StagesConfig = [
  { stage: 'Lead', multiplier: 50 },
  { stage: 'Qualified', multiplier: 20 },
  { stage: 'Potential', multiplier: 8 },
  { stage: 'Demo', multiplier: 4 },
  { stage: 'Visit', multiplier: 2.5 },
  { stage: 'Closed', multiplier: 1 },
];

/** DESIGN §3: a stage's default closing probability is 1 / its multiplier, as a percentage. */
export function defaultProbability(config: StagesConfig, stage: Stage): number {
  const entry = config.find((s) => s.stage === stage);
  if (!entry) throw new Error(`stage ${stage} missing from config`);
  return Math.round((100 / entry.multiplier) * 100) / 100;
}

/** The stages strictly after `from` up to and including `to`: each counts once when reached. */
export function stagesPassed(from: Stage, to: Stage): Stage[] {
  return stages.slice(stageIndex(from) + 1, stageIndex(to) + 1);
}
