import { z } from 'zod';
import { invalid } from '../errors';

/** Spec §9 lead sharing: each won deal carries split records totalling exactly 100 %. */
export const CreditShare = z.strictObject({
  staffId: z.string().min(1),
  percent: z.number().int().min(0).max(100),
});
export type CreditShare = z.infer<typeof CreditShare>;

export const CreditRecord = CreditShare.extend({
  /** Paise credited; the records' amounts add up to the deal value exactly. */
  amount: z.number().int(),
}).meta({ id: 'CreditRecord' });
export type CreditRecord = z.infer<typeof CreditRecord>;

/** Default split: the lead owner's share (tenant setting, default 50 %) and the closer the rest; one person → 100 %. */
export function defaultSplit(leadOwner: string, closingOwner: string, leadOwnerPercent = 50): CreditShare[] {
  if (leadOwner === closingOwner) return [{ staffId: leadOwner, percent: 100 }];
  return [
    { staffId: leadOwner, percent: leadOwnerPercent },
    { staffId: closingOwner, percent: 100 - leadOwnerPercent },
  ].filter((s) => s.percent > 0);
}

/** A manager's edited split must name each person once and total exactly 100 %. */
export function validateSplit(shares: CreditShare[]): CreditShare[] {
  const total = shares.reduce((sum, s) => sum + s.percent, 0);
  if (shares.length === 0 || total !== 100) {
    throw invalid([{ field: 'body.split', code: 'split_total', message: `must total exactly 100 % (got ${total} %)` }]);
  }
  if (new Set(shares.map((s) => s.staffId)).size !== shares.length) {
    throw invalid([{ field: 'body.split', code: 'split_duplicate', message: 'must name each staff member once' }]);
  }
  return shares.filter((s) => s.percent > 0);
}

/**
 * Amounts in paise: floor each share, then hand the remaining paise to the largest shares first
 * (ties: list order), so the records always add up to the deal value.
 */
export function creditRecords(dealValue: number, shares: CreditShare[]): CreditRecord[] {
  const records = shares.map((s) => ({ ...s, amount: Math.floor((dealValue * s.percent) / 100) }));
  let rest = dealValue - records.reduce((sum, r) => sum + r.amount, 0);
  const order = records.map((r, i) => i).sort((a, b) => records[b]!.percent - records[a]!.percent || a - b);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) records[order[k]!]!.amount += 1;
  return records;
}
