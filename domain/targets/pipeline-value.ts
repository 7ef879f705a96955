import type { Role } from '../access/roles';
import { formatInrShort } from '../pipeline/money';
import { stages, type Stage, type StagesConfig } from '../pipeline/stages';

/**
 * Spec §6–7 pipeline value engine (DESIGN §3): the open pipeline a salesperson needs at each stage
 * to make their revenue target, required(s) = target × multiplier(s); sales roles plan all six
 * stages, Manager and Asst Manager plan Closed back to Potential. Coverage = actual ÷ required.
 */
export const plannedStages = (role: Role): readonly Stage[] => (role === 'manager' || role === 'asst_manager' ? (['Potential', 'Demo', 'Visit', 'Closed'] as const) : stages);

export interface PipelineStage {
  stage: Stage;
  multiplier: number;
  /** Paise. */
  required: number;
  actual: number;
  /** actual ÷ required, to 4 places (1 = covered); 0 when nothing is required. */
  coverage: number;
  shortfall: number;
  display: { required: string; actual: string; shortfall: string };
}

export function requiredPipeline(revenueTarget: number, role: Role, config: StagesConfig): { stage: Stage; multiplier: number; required: number }[] {
  const planned = plannedStages(role);
  return config.filter((s) => planned.includes(s.stage)).map((s) => ({ stage: s.stage, multiplier: s.multiplier, required: Math.round(revenueTarget * s.multiplier) }));
}

/** Each planned stage, required against actual (paise). Pipeline order, Lead first. */
export function pipelineValue(revenueTarget: number, role: Role, config: StagesConfig, actual: Partial<Record<Stage, number>>): PipelineStage[] {
  return requiredPipeline(revenueTarget, role, config).map(({ stage, multiplier, required }) => {
    const have = actual[stage] ?? 0;
    const shortfall = Math.max(0, required - have);
    return {
      stage,
      multiplier,
      required,
      actual: have,
      coverage: required === 0 ? 0 : Math.round((have / required) * 10_000) / 10_000,
      shortfall,
      display: { required: formatInrShort(required), actual: formatInrShort(have), shortfall: formatInrShort(shortfall) },
    };
  });
}
